"""Behaviours checked against more of Chromium's interop suite, each built here as its own case.

Chromium's navigation-based retry experiment (``retry_after_new_navigation`` in an interop
``api_config``; off by default): the k-th retry of a failed attribution report is its last,
and it is not timed but sent 5 minutes after the next committed navigation.
"""

from __future__ import annotations

from typing import Any

import pytest

from attribution_reporting.delivery import AWAITING_NAVIGATION_MS, after_failure, after_navigation
from attribution_reporting.interop import InteropError, run
from attribution_reporting.reports import EVENT_LEVEL, FAILED, PENDING, VERBOSE_DEBUG, Report

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
MINUTE_MS = 60_000
# A navigation source's only event-level window ends 2 days after registration; a trigger
# 5 s later than the source therefore yields one report due at 2 days.
DUE_MS = 2 * DAY_MS
EVENT_URL = "https://adtech.example/.well-known/attribution-reporting/report-event-attribution"


def _case(mode: str | None, *events: dict[str, Any]) -> dict[str, Any]:
    registrations: list[dict[str, Any]] = [
        {
            "timestamp": "0",
            "registration_request": {
                "context_origin": "https://news.example",
                "Attribution-Reporting-Eligible": "navigation-source",
            },
            "responses": [
                {
                    "url": "https://adtech.example/src",
                    "response": {
                        "Attribution-Reporting-Register-Source": {
                            "destination": "https://shop.example",
                            "source_event_id": "42",
                        }
                    },
                }
            ],
        },
        {
            "timestamp": "5000",
            "registration_request": {"context_origin": "https://shop.example"},
            "responses": [
                {
                    "url": "https://adtech.example/trg",
                    "response": {
                        "Attribution-Reporting-Register-Trigger": {
                            "event_trigger_data": [{"trigger_data": "3"}]
                        }
                    },
                }
            ],
        },
        *events,
    ]
    case: dict[str, Any] = {"input": {"registrations": registrations}}
    if mode is not None:
        case["api_config"] = {"retry_after_new_navigation": mode}
    return case


def _offline(at: int) -> dict[str, Any]:
    return {"timestamp": str(at), "connection": False}


def _online(at: int) -> dict[str, Any]:
    return {"timestamp": str(at), "connection": True}


def _navigation(at: int) -> dict[str, Any]:
    return {"timestamp": str(at), "navigation": True}


def _sent_times(case: dict[str, Any]) -> list[int]:
    reports = run(case)["reports"]
    assert all(r["report_url"] == EVENT_URL for r in reports)
    return [int(r["report_time"]) for r in reports]


def test_first_retry_waits_for_a_navigation_instead_of_the_timer() -> None:
    # Online again right after the failure: a timed retry would go out at +5 minutes.
    case = _case(
        "first_retry", _offline(DUE_MS - 1000), _online(DUE_MS + 1), _navigation(DUE_MS + 3 * HOUR_MS)
    )
    assert _sent_times(case) == [DUE_MS + 3 * HOUR_MS + 5 * MINUTE_MS]


def test_without_the_experiment_the_same_failure_is_retried_on_the_timer() -> None:
    case = _case(None, _offline(DUE_MS - 1000), _online(DUE_MS + 1), _navigation(DUE_MS + 3 * HOUR_MS))
    assert _sent_times(case) == [DUE_MS + 5 * MINUTE_MS]


def test_second_retry_keeps_the_first_timed_retry() -> None:
    timed_first = DUE_MS + 5 * MINUTE_MS
    # The first (timed) retry fails too; the second waits for the navigation, not 15 minutes.
    case = _case(
        "second_retry", _offline(DUE_MS - 1000), _online(timed_first + 1), _navigation(DUE_MS + 2 * HOUR_MS)
    )
    assert _sent_times(case) == [DUE_MS + 2 * HOUR_MS + 5 * MINUTE_MS]


def test_third_retry_adds_a_last_attempt_after_both_timed_retries() -> None:
    after_timed = DUE_MS + 20 * MINUTE_MS  # both timed retries (at +5 and +20 minutes) failed
    case = _case(
        "third_retry", _offline(DUE_MS - 1000), _online(after_timed + 1), _navigation(DUE_MS + HOUR_MS)
    )
    assert _sent_times(case) == [DUE_MS + HOUR_MS + 5 * MINUTE_MS]
    # Without the experiment, the third failure is final.
    assert _sent_times(_case(None, _offline(DUE_MS - 1000), _online(after_timed + 1))) == []


def test_a_waiting_report_is_never_sent_without_a_navigation() -> None:
    assert _sent_times(_case("first_retry", _offline(DUE_MS - 1000), _online(DUE_MS + 1))) == []


def test_the_navigation_retry_is_the_last_one() -> None:
    report = Report("r", EVENT_LEVEL, "u", "o", 1000)
    after_failure(report, 1000, "down", navigation_retry_attempt=1)
    assert (report.status, report.report_time_ms) == (PENDING, AWAITING_NAVIGATION_MS)
    after_navigation(report, 50_000)
    assert report.report_time_ms == 50_000 + 5 * MINUTE_MS
    after_failure(report, report.report_time_ms, "down", navigation_retry_attempt=1)
    assert report.status == FAILED


def test_debug_reports_are_not_held_for_a_navigation() -> None:
    report = Report("r", VERBOSE_DEBUG, "u", "o", 1000)
    after_failure(report, 1000, "down", navigation_retry_attempt=1)
    assert report.status == FAILED


def test_an_unknown_retry_mode_is_a_clear_error() -> None:
    with pytest.raises(InteropError, match="retry_after_new_navigation"):
        run(_case("fourth_retry"))
