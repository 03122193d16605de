"""Report delivery policy: when a failed report is tried again (as Chromium does).

A stored attribution report that fails to send is retried 5 minutes after the first failure
and 15 minutes after the second; after a third failure it is dropped. Debug reports are
sent once, immediately, and never retried.
"""

from __future__ import annotations

from . import reports as R

INITIAL_RETRY_DELAY_MS = 5 * 60_000
MAX_FAILED_ATTEMPTS_RETRIED = 2
RETRIED_KINDS = (R.EVENT_LEVEL, R.AGGREGATABLE)


def retry_delay_ms(kind: str, failed_attempts: int) -> int | None:
    """Delay before the next attempt after ``failed_attempts`` failures, or None to give up."""
    if kind not in RETRIED_KINDS or failed_attempts < 1 or failed_attempts > MAX_FAILED_ATTEMPTS_RETRIED:
        return None
    return INITIAL_RETRY_DELAY_MS * 3 ** (failed_attempts - 1)


def after_failure(report: R.Report, now_ms: int, reason: str) -> R.Report:
    """The report with one more failed attempt: rescheduled, or marked failed for good."""
    report.attempts += 1
    report.last_error = reason
    delay = retry_delay_ms(report.kind, report.attempts)
    if delay is None:
        report.status = R.FAILED
    else:
        report.report_time_ms = now_ms + delay
    return report


def after_success(report: R.Report, now_ms: int) -> R.Report:
    report.attempts += 1
    report.status = R.SENT
    report.report_time_ms = now_ms
    return report
