"""Report retry policy (Chromium: 5 minutes, then 15 minutes, then give up)."""

from __future__ import annotations

from attribution_reporting.delivery import after_failure, after_success, retry_delay_ms
from attribution_reporting.reports import (
    AGGREGATABLE,
    EVENT_LEVEL,
    FAILED,
    PENDING,
    SENT,
    VERBOSE_DEBUG,
    Report,
)


def test_retry_delays() -> None:
    assert retry_delay_ms(EVENT_LEVEL, 1) == 5 * 60_000
    assert retry_delay_ms(AGGREGATABLE, 2) == 15 * 60_000
    assert retry_delay_ms(EVENT_LEVEL, 3) is None
    assert retry_delay_ms(VERBOSE_DEBUG, 1) is None


def test_failure_reschedules_then_gives_up() -> None:
    report = Report("r", EVENT_LEVEL, "u", "o", 1000)
    after_failure(report, 1000, "down")
    assert (report.status, report.report_time_ms, report.attempts) == (PENDING, 301_000, 1)
    after_failure(report, 301_000, "down")
    assert report.report_time_ms == 1_201_000
    after_failure(report, 1_201_000, "down")
    assert report.status == FAILED
    assert report.original_report_time_ms == 1000
    assert report.last_error == "down"


def test_success_marks_sent() -> None:
    report = after_success(Report("r", EVENT_LEVEL, "u", "o", 1000), 1200)
    assert (report.status, report.attempts) == (SENT, 1)
