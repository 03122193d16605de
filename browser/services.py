"""What other code may ask the simulated browser to do: register, move the clock, send, clear.

Views and other apps call these; the work itself lives in :mod:`browser.registration`,
:mod:`browser.delivery` and :mod:`browser.clock`.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from django.db import transaction

from attribution_reporting import reports as R

from . import attribution, clock, delivery, models, selectors, storage, testing
from .registration import Context, RegistrationError, outcome_json, register

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS

__all__ = [
    "Context",
    "RegistrationError",
    "advance_clock",
    "clear_all_data",
    "outcome_json",
    "register",
    "reset_clock",
    "send_all_pending",
    "send_now",
    "set_debug_mode",
]


@dataclass
class ClockMove:
    """The result of moving the clock: the new time and the reports that became due."""

    now_ms: int
    moved_by_ms: int
    due_report_ids: list[str]
    explanation: str


def clear_all_data() -> dict[str, int]:
    """Forgets every source, report, registration and cached key; resets the clock and debug mode.

    Process-wide memory goes too (the attribution-scope sets of navigations, the test receiver's
    list), so nothing of the last attendee can shape the next one's attributions.
    """
    with transaction.atomic():
        reports = models.Report.objects.count()
        registrations = models.Registration.objects.count()
        storage.clear()
        models.RegistrationHop.objects.all().delete()
        models.Registration.objects.all().delete()
        models.CoordinatorKeys.objects.all().delete()
        models.BrowserState.objects.all().delete()
    attribution.forget_navigations()
    testing.clear_received()
    return {"reports": reports, "registrations": registrations, "clock_offset_ms": 0}


def _due_now() -> list[str]:
    return list(
        models.Report.objects.filter(status=R.PENDING, report_time_ms__lte=clock.now_ms()).values_list(
            "report_id", flat=True
        )
    )


def advance_clock(*, by_ms: int | None = None, to_next_report: bool = False) -> ClockMove:
    """Moves the virtual clock forward and queues the reports that became due."""
    before_due = set(_due_now())
    if to_next_report:
        next_time = selectors.next_report_time()
        if next_time is None:
            return ClockMove(clock.now_ms(), 0, [], "No report is waiting, so the clock did not move.")
        by_ms = max(0, next_time - clock.now_ms())
    if by_ms is None or by_ms < 0:
        raise ValueError("give a positive amount of time to move the clock by")
    now = clock.advance(by_ms)
    became_due = [rid for rid in _due_now() if rid not in before_due]
    for report_id in _due_now():
        delivery.enqueue(report_id)
    n = len(became_due)
    words = f"{n} report{'s' if n != 1 else ''} became due and {'are' if n != 1 else 'is'} being sent."
    return ClockMove(now, by_ms, became_due, f"The clock moved forward by {_duration(by_ms)}. {words}")


def reset_clock() -> ClockMove:
    before = clock.offset_ms()
    now = clock.reset()
    return ClockMove(now, -before, [], "The clock is back to real time.")


def set_debug_mode(enabled: bool) -> None:
    clock.set_debug_mode(enabled)


def send_now(report_id: str, *, transport: httpx.BaseTransport | None = None) -> str:
    """Sends one pending report right away, whatever its scheduled time (internals' "send now")."""
    return delivery.send_report(report_id, force=True, transport=transport)


def send_all_pending(*, transport: httpx.BaseTransport | None = None) -> dict[str, str]:
    ids = (
        models.Report.objects.filter(status=R.PENDING)
        .order_by("report_time_ms")
        .values_list("report_id", flat=True)
    )
    return {rid: send_now(rid, transport=transport) for rid in list(ids)}


def _duration(ms: int) -> str:
    seconds = ms // 1000
    days, rem = divmod(seconds, 86400)
    hours, rem = divmod(rem, 3600)
    minutes, secs = divmod(rem, 60)
    parts = [
        f"{v} {u}{'s' if v != 1 else ''}" for v, u in ((days, "day"), (hours, "hour"), (minutes, "minute"))
    ]
    parts = [p for p, v in zip(parts, (days, hours, minutes), strict=True) if v]
    if secs or not parts:
        parts.append(f"{secs} second{'s' if secs != 1 else ''}")
    return ", ".join(parts)
