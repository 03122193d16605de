"""The virtual clock: real time plus a stored offset, so a workshop can skip days.

Everything the simulated browser does (registrations, report times, delivery) reads
:func:`now_ms`; each profile has a clock of its own (:mod:`browser.profiles`, one attendee
skipping days moves no one else's); only the offset is stored, so the clock keeps running between requests and
across restarts. Celery ETAs are real times, converted with :func:`to_real_ms`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from . import models, profiles


def _row():
    return models.BrowserState.objects.filter(profile=profiles.current())


def state() -> models.BrowserState:
    """The current profile's state row (created on first use)."""
    row, _ = models.BrowserState.objects.get_or_create(profile=profiles.current())
    return row


def real_ms() -> int:
    return int(time.time() * 1000)


def offset_ms() -> int:
    return profiles.setting(
        "clock_offset_ms", lambda: _row().values_list("clock_offset_ms", flat=True).first() or 0
    )


def now_ms() -> int:
    """The simulated browser's current time, in milliseconds since the epoch."""
    return real_ms() + offset_ms()


def to_real_ms(virtual_ms: int) -> int:
    """The real time at which the virtual clock reads ``virtual_ms``."""
    return virtual_ms - offset_ms()


def as_datetime(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz=UTC)


def advance(by_ms: int) -> int:
    """Moves the clock forward by ``by_ms``; returns the new virtual time."""
    if by_ms < 0:
        raise ValueError("the clock only moves forward; use reset to go back to real time")
    row = state()
    row.clock_offset_ms += by_ms
    row.save(update_fields=["clock_offset_ms", "updated_at"])
    profiles.remember("clock_offset_ms", row.clock_offset_ms)
    return real_ms() + row.clock_offset_ms


def reset() -> int:
    """Back to real time (reports already sent stay sent)."""
    row = state()
    row.clock_offset_ms = 0
    row.save(update_fields=["clock_offset_ms", "updated_at"])
    profiles.remember("clock_offset_ms", 0)
    return real_ms()


def debug_mode() -> bool:
    return profiles.setting("debug_mode", lambda: bool(_row().values_list("debug_mode", flat=True).first()))


def set_debug_mode(enabled: bool) -> None:
    row = state()
    row.debug_mode = enabled
    row.save(update_fields=["debug_mode", "updated_at"])
    profiles.remember("debug_mode", enabled)
