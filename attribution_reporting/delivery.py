"""Report delivery policy: when a failed report is tried again (as Chromium does).

A stored attribution report that fails to send is retried 5 minutes after the first failure
and 15 minutes after the second; after a third failure it is dropped. Debug reports are
sent once, immediately, and never retried.

Chromium can also run an experiment (off by default) where the last retry waits for the
next committed navigation, when the device is more likely to be online: with
``Config.navigation_retry_attempt`` = k, retries before the k-th keep the timed schedule,
the k-th is sent 5 minutes after the next navigation, and a failure after it is final.
"""

from __future__ import annotations

from .reports import AGGREGATABLE, EVENT_LEVEL, FAILED, PENDING, SENT, Report

INITIAL_RETRY_DELAY_MS = 5 * 60_000
MAX_FAILED_ATTEMPTS_RETRIED = 2
RETRIED_KINDS = (EVENT_LEVEL, AGGREGATABLE)

# A report waiting for a navigation stays pending with this report time, so no timer fires.
AWAITING_NAVIGATION_MS = 2**63 - 1
NAVIGATION_RETRY_DELAY_MS = 5 * 60_000
NAVIGATION_RETRY_ATTEMPTS = (1, 2, 3)


def retry_delay_ms(kind: str, failed_attempts: int) -> int | None:
    """Delay before the next attempt after ``failed_attempts`` failures, or None to give up."""
    if kind not in RETRIED_KINDS or failed_attempts < 1 or failed_attempts > MAX_FAILED_ATTEMPTS_RETRIED:
        return None
    return INITIAL_RETRY_DELAY_MS * 3 ** (failed_attempts - 1)


def after_failure(report: Report, now_ms: int, reason: str, navigation_retry_attempt: int = 0) -> Report:
    """The report with one more failed attempt: rescheduled, or marked failed for good."""
    report.attempts += 1
    report.last_error = reason
    if navigation_retry_attempt in NAVIGATION_RETRY_ATTEMPTS and report.kind in RETRIED_KINDS:
        if report.attempts == navigation_retry_attempt:
            report.report_time_ms = AWAITING_NAVIGATION_MS
            return report
        if report.attempts > navigation_retry_attempt:
            report.status = FAILED
            return report
    delay = retry_delay_ms(report.kind, report.attempts)
    if delay is None:
        report.status = FAILED
    else:
        report.report_time_ms = now_ms + delay
    return report


def is_awaiting_navigation(report: Report) -> bool:
    return report.status == PENDING and report.report_time_ms == AWAITING_NAVIGATION_MS


def after_navigation(report: Report, now_ms: int) -> Report:
    """A report that waited for a navigation, due a short while after it."""
    report.report_time_ms = now_ms + NAVIGATION_RETRY_DELAY_MS
    return report


def after_success(report: Report, now_ms: int) -> Report:
    report.attempts += 1
    report.status = SENT
    report.report_time_ms = now_ms
    return report
