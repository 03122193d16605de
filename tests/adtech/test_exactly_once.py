"""A report's identity is fixed when it arrives: counted once whatever order copies are processed in;
what cannot be stored or processed is refused at the door, or marked failed without stopping others."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import DataError, IntegrityError, transaction

from adtech import processing, selectors, services
from adtech.models import ReceivedReport

from .conftest import HOST
from .test_reports import EVENT_BODY, post

pytestmark = pytest.mark.django_db
EVENT = "report-event-attribution"


def _post(client, body, path: str = EVENT) -> dict:
    response = post(client, path, body)
    assert response.status_code == 200, response.content
    return response.json()


def _counted(kind: str = "event-level") -> int:
    return selectors.dashboard_summary()["reports_by_kind"][kind]


def test_the_identity_is_read_at_receipt_and_a_later_copy_is_marked_at_once(client, demo):
    first = _post(client, EVENT_BODY)
    second = _post(client, EVENT_BODY)
    assert second["duplicate_of"] == first["stored"]
    copy = ReceivedReport.objects.get(pk=second["stored"])
    assert (copy.status, copy.report_id, copy.body) == (
        "duplicate",
        EVENT_BODY["report_id"],
        json.dumps(EVENT_BODY),
    )
    assert ReceivedReport.objects.get(pk=first["stored"]).report_id == EVENT_BODY["report_id"]


def test_processing_the_later_copy_first_counts_once(client, demo):
    first = _post(client, EVENT_BODY)["stored"]
    second = _post(client, EVENT_BODY)["stored"]
    services.process_report(second)
    services.process_report(first)
    services.process_report(second)
    statuses = dict(ReceivedReport.objects.values_list("pk", "status"))
    assert statuses == {first: "processed", second: "duplicate"}
    assert _counted() == 1
    assert selectors.conversions_by_campaign()[0]["event_level_reports"] == 1


def test_the_database_refuses_a_second_counted_row():
    fields = dict(kind="event-level", body="{}", reporting_origin="o", path="p", report_id="same")
    ReceivedReport.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReceivedReport.objects.create(**fields)
    # A marked copy, or a row of another kind, is allowed.
    first = ReceivedReport.objects.get()
    ReceivedReport.objects.create(**fields, status="duplicate", duplicate_of=first)
    ReceivedReport.objects.create(**{**fields, "kind": "event-level-debug"})


def test_an_invalid_first_copy_hands_its_place_to_a_valid_later_one(client, demo):
    bad = _post(client, {**EVENT_BODY, "trigger_data": 3})["stored"]
    good = _post(client, EVENT_BODY)
    assert good["duplicate_of"] == bad
    assert services.process_report(bad).status == "invalid"
    promoted = ReceivedReport.objects.get(pk=good["stored"])
    assert (promoted.status, promoted.duplicate_of) == ("pending", None)
    assert services.process_report(promoted.pk).status == "processed"
    # The invalid row is listed as received and rejected; only the valid one is a conversion.
    assert selectors.dashboard_summary()["reports_by_status"]["event-level"] == {"invalid": 1, "processed": 1}
    assert selectors.conversions_by_campaign()[0]["event_level_reports"] == 1


def test_aggregatable_identity_comes_from_shared_info(client):
    info = {"api": "attribution-reporting", "report_id": "a1b2", "reporting_origin": "x"}
    body = {"shared_info": json.dumps(info), "aggregation_service_payloads": [{"payload": "", "key_id": "k"}]}
    first = _post(client, body, "report-aggregate-attribution")
    second = _post(client, body, "report-aggregate-attribution")
    assert ReceivedReport.objects.get(pk=first["stored"]).report_id == "a1b2"
    assert second["duplicate_of"] == first["stored"]


def test_copies_are_never_batched(client):
    first = ReceivedReport.objects.create(
        kind="aggregatable", body="{}", reporting_origin="o", path="p", report_id="r", status="processed"
    )
    copy = ReceivedReport.objects.create(
        kind="aggregatable", body="{}", reporting_origin="o", path="p", report_id="r", status="duplicate",
        duplicate_of=first,
    )  # fmt: skip
    assert list(selectors.unbatched_aggregatable_reports()) == [first]
    assert services.mark_batched([first.pk, copy.pk], "job-1") == 1


POISON = [
    ('"report_id": "\\ud800-6d1b"', "lone surrogate"),
    ('"attribution_destination": "\\udc00http://shop.localhost"', "lone surrogate"),
    ('"randomized_trigger_rate": NaN', "NaN"),
    ('"randomized_trigger_rate": Infinity', "Infinity"),
    ('"randomized_trigger_rate": 1e999', "out of range"),
    ('"report_id": "' + "x" * 65 + '"', "longer than 64"),
    ('"report_id": ""', "non-empty"),
    ('"report_id": 7', "non-empty string"),
    ('"report_id": "a\\nb"', "control characters"),
]


@pytest.mark.parametrize("field,reason", POISON)
def test_what_could_not_be_stored_or_processed_is_refused_at_the_door(client, field, reason):
    key = field.split(":", 1)[0].strip('"')
    raw = json.dumps({k: v for k, v in EVENT_BODY.items() if k != key})
    raw = raw[:-1] + ", " + field + "}"
    response = post(client, EVENT, raw)
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert not ReceivedReport.objects.exists()


def test_poison_inside_shared_info_is_refused(client):
    info = '{"api": "attribution-reporting", "report_id": "r1", "attribution_destination": "\\udfff"}'
    body = {"shared_info": info, "aggregation_service_payloads": [{"payload": "", "key_id": "k"}]}
    response = post(client, "report-aggregate-attribution", body)
    assert response.status_code == 400
    assert "shared_info.attribution_destination" in response.json()["error"]


def test_a_surrogate_pair_is_text_and_accepted(client):
    response = post(
        client, EVENT, json.dumps({**EVENT_BODY, "attribution_destination": "http://\U0001f600.shop"})
    )
    assert response.status_code == 200


def test_one_row_that_fails_never_stops_the_sweep(client, demo, monkeypatch):
    stored = [_post(client, {**EVENT_BODY, "report_id": f"r-{i}"})["stored"] for i in range(3)]
    real = processing._event_level

    def explode_on_the_first(report, body):
        if report.pk == stored[0]:
            raise RuntimeError("lookup failed")
        return real(report, body)

    monkeypatch.setattr(processing, "_event_level", explode_on_the_first)
    assert services.process_pending(older_than=timedelta(0)) == 3
    rows = {r.pk: r for r in ReceivedReport.objects.all()}
    assert rows[stored[0]].status == "failed" and "RuntimeError: lookup failed" in rows[stored[0]].error
    assert [rows[pk].status for pk in stored[1:]] == ["processed", "processed"]
    # A failed row gives up its identity: a later copy is counted instead.
    assert "duplicate_of" not in _post(client, {**EVENT_BODY, "report_id": "r-0"})


def test_a_row_the_database_refuses_after_processing_is_marked_failed(client, demo, monkeypatch):
    pk = _post(client, EVENT_BODY)["stored"]
    other = _post(client, {**EVENT_BODY, "report_id": "another"})["stored"]
    real_save = ReceivedReport.save

    def refuse(self, *args, **kwargs):
        if self.pk == pk and self.status != "pending":
            raise DataError("value out of range for type jsonb")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(ReceivedReport, "save", refuse)
    report = services.process_report(pk)
    assert report.status == "failed" and "DataError" in report.error
    assert services.process_report(other).status == "processed"
    response = client.get("/api/reports/", HTTP_HOST=HOST)
    assert response.status_code == 200
    assert {r["status"] for r in response.json()} == {"failed", "processed"}


@pytest.mark.django_db(transaction=True)
def test_migration_reads_identities_and_turns_double_counts_into_copies():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("adtech", "0001_initial")], [("adtech", "0002_report_identity")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("adtech", "ReceivedReport")
    body = json.dumps(EVENT_BODY)
    rid = EVENT_BODY["report_id"]
    # What the old processing left: a later copy processed first and both counted, one unread.
    common = dict(kind="event-level", reporting_origin="o", path="p", body=body)
    a = old.objects.create(**common, status="processed", report_id=rid)
    b = old.objects.create(**common, status="processed", report_id=rid)
    c = old.objects.create(**common, status="pending")
    d = old.objects.create(**{**common, "body": body.replace(rid, "\\ud800")}, status="pending")
    try:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
        rows = {
            r.pk: r for r in ReceivedReport.objects.only("pk", "status", "duplicate_of", "report_id", "error")
        }
    finally:
        # Back to the latest schema, whatever happened, for the tests that follow.
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert (rows[a.pk].status, rows[a.pk].duplicate_of_id) == ("processed", None)
    assert (rows[b.pk].status, rows[b.pk].duplicate_of_id) == ("duplicate", a.pk)
    assert (rows[c.pk].status, rows[c.pk].duplicate_of_id, rows[c.pk].report_id) == ("duplicate", a.pk, rid)
    assert rows[d.pk].status == "failed" and "stored before checks" in rows[d.pk].error


def test_a_database_outage_leaves_the_report_pending_for_the_next_sweep(client, demo, monkeypatch):
    from django.db import OperationalError

    stored = [_post(client, {**EVENT_BODY, "report_id": f"r-{i}"})["stored"] for i in range(2)]
    real = processing._event_level

    def unreachable_for_the_first(report, body):
        if report.pk == stored[0]:
            raise OperationalError("sorry, too many clients already")
        return real(report, body)

    monkeypatch.setattr(processing, "_event_level", unreachable_for_the_first)
    services.process_pending(older_than=timedelta(0))
    statuses = dict(ReceivedReport.objects.values_list("pk", "status"))
    assert statuses == {stored[0]: "pending", stored[1]: "processed"}  # not failed: nothing is wrong with it
    monkeypatch.setattr(processing, "_event_level", real)
    services.process_pending(older_than=timedelta(0))
    assert ReceivedReport.objects.get(pk=stored[0]).status == "processed"


@pytest.mark.parametrize("poison", ['"\\udc00http://shop.localhost"', "NaN", "1e999"])
def test_a_poison_row_stored_before_the_door_checked_is_marked_invalid_and_pages_work(client, poison):
    body = json.dumps({**EVENT_BODY, "attribution_destination": "x"}).replace('"x"', poison)
    report = ReceivedReport.objects.create(
        kind="event-level", body=body, reporting_origin="o", path="p", report_id=EVENT_BODY["report_id"]
    )
    services.process_pending(older_than=timedelta(0))
    report.refresh_from_db()
    assert report.status == "invalid", report.error
    assert client.get("/api/reports/", HTTP_HOST=HOST).status_code == 200
    assert client.get("/api/dashboard", HTTP_HOST=HOST).status_code == 200
