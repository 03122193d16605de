"""Report delivery: Chrome's POST, retries with Chromium's backoff, failures recorded, keys cached."""

from __future__ import annotations

import json

import httpx
import pytest

from attribution_reporting.aggregatable_report import decrypted_interop_payload
from attribution_reporting.config import DEFAULT_COORDINATOR_ORIGINS
from attribution_reporting.coordinator_keys import PUBLIC_KEYS_PATH, generate_key_pair, key_set_of
from attribution_reporting.reports import (
    AGGREGATABLE,
    EVENT_LEVEL,
    EVENT_LEVEL_DEBUG,
    FAILED,
    PENDING,
    SENT,
    AggregatableData,
    Report,
    report_url,
)
from browser import clock, delivery, models, services
from browser.storage import DatabaseStorage

pytestmark = pytest.mark.django_db

_real_enqueue_due = delivery.enqueue_due  # the autouse ``queued`` fixture replaces it

ADTECH = "http://adtech.localhost:8000"
KEYS_URL = "http://aggregation.localhost:8000" + PUBLIC_KEYS_PATH
PAIR = generate_key_pair("key-1", bytes(range(32)))


def _event_report(report_id: str = "r-1", *, due_in_ms: int = -1000, kind: str = EVENT_LEVEL) -> Report:
    report = Report(
        report_id=report_id,
        kind=kind,
        url=report_url(ADTECH, kind),
        reporting_origin=ADTECH,
        report_time_ms=clock.now_ms() + due_in_ms,
        body={"source_event_id": "1", "trigger_data": "3", "report_id": report_id},
        destination_site="http://shop.localhost",
    )
    DatabaseStorage().add_report(report)
    return report


def _aggregatable_report(coordinator: str, report_id: str = "a-1") -> Report:
    data = AggregatableData(
        attribution_destination="http://shop.localhost",
        reporting_origin=ADTECH,
        scheduled_report_time=clock.now_ms() // 1000,
        contributions=[(0x159, 100, 0)],
        aggregation_coordinator_origin=coordinator,
    )
    report = Report(
        report_id=report_id,
        kind=AGGREGATABLE,
        url=report_url(ADTECH, AGGREGATABLE),
        reporting_origin=ADTECH,
        report_time_ms=clock.now_ms() - 1,
        aggregatable=data,
    )
    DatabaseStorage().add_report(report)
    return report


def _keys_response(max_age: int = 3600) -> httpx.Response:
    return httpx.Response(
        200, json=key_set_of(PAIR).to_json(), headers={"Cache-Control": f"public, max-age={max_age}"}
    )


def test_a_due_report_is_posted_as_chrome_does(network):
    report = _event_report()
    network.add(report.url, httpx.Response(200))
    assert delivery.send_report(report.report_id, transport=network.transport) == "sent"
    request = network.requests[0]
    assert request.method == "POST"
    assert request.headers["Content-Type"] == "application/json"
    assert "cookie" not in request.headers and "referer" not in request.headers
    assert "Chrome/" in request.headers["User-Agent"]
    assert json.loads(request.content) == report.body
    row = models.Report.objects.get(report_id=report.report_id)
    assert (row.status, row.response_status, row.lease_until) == (SENT, 200, None)
    assert json.loads(row.data)["attempts"] == 1


def test_a_report_is_not_sent_before_its_time_unless_forced(network):
    report = _event_report(due_in_ms=3_600_000)
    network.add(report.url, httpx.Response(200))
    assert delivery.send_report(report.report_id, transport=network.transport).startswith("skipped")
    assert network.requests == []
    assert services.send_now(report.report_id, transport=network.transport) == "sent"


def test_a_sent_report_is_not_sent_twice(network):
    report = _event_report()
    network.add(report.url, httpx.Response(200))
    delivery.send_report(report.report_id, transport=network.transport)
    assert delivery.send_report(report.report_id, transport=network.transport).startswith("skipped")
    assert len(network.requests) == 1


def test_a_leased_report_is_left_to_its_sender(network):
    report = _event_report()
    network.add(report.url, httpx.Response(200))
    assert delivery._claim(report.report_id, force=False)
    assert delivery.send_report(report.report_id, transport=network.transport).startswith("skipped")
    assert network.requests == []


def test_failures_are_retried_with_chromium_backoff_then_given_up(network, queued):
    report = _event_report()
    network.add(report.url, httpx.Response(500))
    first = delivery.send_report(report.report_id, transport=network.transport)
    assert "answered HTTP 500" in first and "tried again in 5 minutes" in first
    row = models.Report.objects.get(report_id=report.report_id)
    assert row.status == PENDING and row.response_status == 500
    assert row.report_time_ms >= clock.now_ms() + 4 * 60_000
    assert "HTTP 500" in row.delivery_note
    assert queued and queued[-1][0] == report.report_id  # re-armed for its retry time

    services.advance_clock(by_ms=5 * 60_000)
    second = delivery.send_report(report.report_id, transport=network.transport)
    assert "tried again in 15 minutes" in second
    services.advance_clock(by_ms=15 * 60_000)
    third = delivery.send_report(report.report_id, transport=network.transport)
    assert "Given up after 3 attempts" in third
    row.refresh_from_db()
    assert row.status == FAILED
    assert json.loads(row.data)["last_error"].startswith(report.url)
    assert len(network.requests) == 3


def test_unreachable_reporting_origin_is_recorded(network):
    report = _event_report()  # no route: the stub network refuses the connection
    result = delivery.send_report(report.report_id, transport=network.transport)
    assert "Could not connect" in result
    assert models.Report.objects.get(report_id=report.report_id).status == PENDING


def test_debug_reports_are_never_retried(network):
    report = _event_report(kind=EVENT_LEVEL_DEBUG)
    network.add(report.url, httpx.Response(503))
    result = delivery.send_report(report.report_id, transport=network.transport)
    assert "never retried" in result
    assert models.Report.objects.get(report_id=report.report_id).status == FAILED


def test_aggregatable_report_is_encrypted_with_the_coordinators_keys(network):
    from browser.attribution import local_coordinator_origin

    report = _aggregatable_report(local_coordinator_origin())
    network.add(KEYS_URL, _keys_response())
    network.add(report.url, httpx.Response(200))
    assert delivery.send_report(report.report_id, transport=network.transport) == "sent"
    body = json.loads(network.requests[-1].content)
    payload = decrypted_interop_payload(body, PAIR.private_key)
    assert payload["histograms"] == [{"id": "0", "key": "0x159", "value": 100}]
    assert json.loads(body["shared_info"])["report_id"] == report.report_id
    assert body["aggregation_service_payloads"][0]["key_id"] == "key-1"
    row = models.Report.objects.get(report_id=report.report_id)
    assert json.loads(row.sent_body) == body


def test_google_coordinator_reports_use_the_local_keys_and_say_so(network):
    report = _aggregatable_report(DEFAULT_COORDINATOR_ORIGINS[0])
    network.add(KEYS_URL, _keys_response())
    network.add(report.url, httpx.Response(200))
    assert delivery.send_report(report.report_id, transport=network.transport) == "sent"
    body = json.loads(network.requests[-1].content)
    assert body["aggregation_coordinator_origin"] == DEFAULT_COORDINATOR_ORIGINS[0]
    assert decrypted_interop_payload(body, PAIR.private_key)["histograms"][0]["value"] == 100
    assert "local coordinator's keys" in models.Report.objects.get(report_id=report.report_id).delivery_note


def test_keys_are_cached_for_max_age(network):
    from browser.attribution import local_coordinator_origin

    network.add(KEYS_URL, _keys_response(max_age=600))
    for i in range(3):
        report = _aggregatable_report(local_coordinator_origin(), report_id=f"a-{i}")
        network.add(report.url, httpx.Response(200))
        delivery.send_report(report.report_id, transport=network.transport)
    assert [str(r.url) for r in network.requests].count(KEYS_URL) == 1
    models.CoordinatorKeys.objects.update(expires_at=models.CoordinatorKeys.objects.get().fetched_at)
    report = _aggregatable_report(local_coordinator_origin(), report_id="a-late")
    network.add(report.url, httpx.Response(200))
    delivery.send_report(report.report_id, transport=network.transport)
    assert [str(r.url) for r in network.requests].count(KEYS_URL) == 2


def test_missing_keys_fail_the_attempt_with_a_reason(network):
    from browser.attribution import local_coordinator_origin

    report = _aggregatable_report(local_coordinator_origin())
    network.add(KEYS_URL, httpx.Response(200, json={"keys": []}))
    result = delivery.send_report(report.report_id, transport=network.transport)
    assert "key set" in result and "rejected" in result
    row = models.Report.objects.get(report_id=report.report_id)
    assert row.status == PENDING and json.loads(row.data)["attempts"] == 1


def test_sweep_queues_due_reports_and_arms_soon_ones(queued):
    due = _event_report("due")
    soon = _event_report("soon", due_in_ms=60_000)
    _event_report("later", due_in_ms=86_400_000)
    assert delivery.sweep() == [due.report_id]
    assert (due.report_id, None) in queued
    assert [q for q in queued if q[0] == soon.report_id][0][1] == clock.to_real_ms(soon.report_time_ms)
    assert all(q[0] != "later" for q in queued)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("public, max-age=3600", 3600), ("max-age=0", 0), ("no-store", 0), (None, 0), ('max-age="60"', 60)],
)
def test_max_age(header, seconds):
    from browser.coordinator import max_age_seconds

    assert max_age_seconds(header) == seconds


def test_reports_due_together_are_sent_by_one_task_each_on_its_own_profile(network):
    from browser import profiles

    with profiles.using("ann"):
        first = _event_report("ann-1")
        later = _event_report("ann-2", due_in_ms=3_600_000)
    with profiles.using("ben"):
        other = _event_report("ben-1", due_in_ms=3_600_000)
        clock.advance(2 * 3_600_000)  # ben skipped two hours: his report is due on his clock
    network.add(first.url, httpx.Response(200))
    outcome = delivery.send_reports(["ann-1", "ann-2", "ben-1", "gone"], transport=network.transport)
    assert outcome["ann-1"] == "sent" and outcome["ben-1"] == "sent"
    assert outcome["ann-2"].startswith("skipped")  # not due on ann's clock
    assert outcome["gone"] == "skipped: the report was deleted"
    assert models.Report.objects.get(report_id=later.report_id).status == PENDING
    assert {json.loads(r.content)["report_id"] for r in network.requests} == {"ann-1", other.report_id}


def test_a_registrations_due_reports_are_queued_as_one_task(monkeypatch):
    from browser import tasks

    sent: list = []
    monkeypatch.setattr(tasks.send_reports, "delay", lambda ids: sent.append(ids))
    monkeypatch.setitem(tasks.send_reports.app.conf, "task_always_eager", False)
    monkeypatch.setattr(delivery, "enqueue_due", _real_enqueue_due)  # the real one, here
    reports = [_event_report(f"d-{i}", kind=EVENT_LEVEL_DEBUG) for i in range(3)]
    delivery.schedule(reports)
    assert sent == [["d-0", "d-1", "d-2"]]
