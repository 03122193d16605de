"""A piece of work reads its profile's settings once: the clock, debug mode, third-party cookies.

A room's server is CPU-bound; a registration used to read the clock offset eight times. These
tests pin the read-once behaviour and that a write in the same piece of work is seen at once.
"""

from __future__ import annotations

import httpx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attribution_reporting.reports import EVENT_LEVEL, SENT, Report, report_url
from browser import clock, cookies, models, profiles, services
from browser.storage import DatabaseStorage

pytestmark = pytest.mark.django_db

ADTECH = "http://adtech.localhost:8000"


def _state_reads(queries: CaptureQueriesContext) -> int:
    return sum(
        1 for q in queries.captured_queries if "browser_browserstate" in q["sql"] and "SELECT" in q["sql"]
    )


def test_the_clock_is_read_once_per_piece_of_work():
    with profiles.using("alice"):
        clock.advance(60_000)
    with profiles.using("alice"), CaptureQueriesContext(connection) as queries:
        first = clock.offset_ms()
        for _ in range(5):
            clock.now_ms()
            clock.debug_mode()
    assert first == 60_000
    assert _state_reads(queries) == 2  # the offset once, the debug switch once


def test_a_write_is_seen_by_the_same_piece_of_work():
    with profiles.using("bob"):
        assert clock.offset_ms() == 0
        clock.advance(1_000)
        assert clock.offset_ms() == 1_000
        clock.set_debug_mode(True)
        assert clock.debug_mode() is True
        assert cookies.third_party_cookies_allowed() is True
        cookies.set_third_party_cookies(False)
        assert cookies.third_party_cookies_allowed() is False
        services.clear_profile_data("bob")
        assert clock.offset_ms() == 0 and clock.debug_mode() is False


def test_each_piece_of_work_reads_afresh_and_profiles_stay_apart():
    with profiles.using("carol"):
        assert clock.offset_ms() == 0
    models.BrowserState.objects.update_or_create(profile="carol", defaults={"clock_offset_ms": 5_000})
    with profiles.using("carol"):
        assert clock.offset_ms() == 5_000
        with profiles.using("dave"):
            assert clock.offset_ms() == 0
        assert clock.offset_ms() == 5_000


def test_outside_any_profile_scope_every_read_goes_to_the_database():
    assert clock.offset_ms() == 0
    models.BrowserState.objects.update_or_create(profile=profiles.DEFAULT, defaults={"clock_offset_ms": 7})
    assert clock.offset_ms() == 7


def test_another_profiles_cookie_setting_is_not_taken_from_the_current_one():
    with profiles.using("erin"):
        cookies.set_third_party_cookies(False)
        assert cookies.third_party_cookies_allowed("frank") is True
        assert cookies.third_party_cookies_allowed() is False


def test_send_all_reads_the_profile_once_for_every_report(network):
    with profiles.using("gina"):
        for i in range(6):
            report = Report(
                report_id=f"r-{i}",
                kind=EVENT_LEVEL,
                url=report_url(ADTECH, EVENT_LEVEL),
                reporting_origin=ADTECH,
                report_time_ms=clock.now_ms() + 3_600_000,
                body={"source_event_id": str(i), "trigger_data": "1", "report_id": f"r-{i}"},
                destination_site="http://shop.localhost",
            )
            DatabaseStorage().add_report(report)
        network.add(report.url, httpx.Response(200))
    with profiles.using("gina"), CaptureQueriesContext(connection) as queries:
        outcome = services.send_all_pending(transport=network.transport)
    assert outcome == {f"r-{i}": "sent" for i in range(6)}
    assert set(models.Report.objects.filter(profile="gina").values_list("status", flat=True)) == {SENT}
    assert _state_reads(queries) == 2
    # Claim, read, mark sent (read and write) and record the answer: five per report, plus the list.
    assert len(queries.captured_queries) <= 1 + 2 + 5 * 6
