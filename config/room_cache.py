"""Room-wide answers shared for a moment: many attendees' polls, one computation.

In a room every attendee's page polls every few seconds, and much of what it shows is the same
for all of them: the guide's room-wide parts (the ad tech's senders, the room's summary reports,
the worker's heartbeat) and the ad tech's dashboard. Each process computes such an answer at
most once per ``ARA_ROOM_SHARED_TTL`` seconds and hands the same one to every poll in between
(callers must not change it). Outside room mode nothing is kept: one person sees every change
at once. Each party keys its own answers (``"guide.…"``, ``"adtech.…"``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings

T = TypeVar("T")


class TTLCache:
    """A thread-safe map of key to (value, expiry); a value expires ``ttl()`` seconds after its
    computation started, so it is never older than that.

    Threads asking for the same expired key wait for one computation instead of each running
    their own. ``clock`` is injectable, so tests move time without sleeping.
    """

    def __init__(self, ttl: Callable[[], float], clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[str, tuple[float, Any]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._generation = 0

    def get(self, key: str, compute: Callable[[], T]) -> T:
        ttl = self.ttl()
        if ttl <= 0:
            return compute()
        found = self._fresh(key)
        if found is not None:
            return found[1]
        with self._lock(key):
            found = self._fresh(key)  # another thread may have computed it meanwhile
            if found is not None:
                return found[1]
            generation, started = self._generation, self.clock()
            value = compute()
            with self._guard:
                if generation == self._generation:  # not cleared meanwhile: nothing newer was asked for
                    self._entries[key] = (started + ttl, value)
            return value

    def clear(self) -> None:
        """Forget every value (a reset): the next ask computes afresh."""
        with self._guard:
            self._generation += 1
            self._entries.clear()

    def _fresh(self, key: str) -> tuple[float, Any] | None:
        entry = self._entries.get(key)
        return entry if entry is not None and self.clock() < entry[0] else None

    def _lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


def room_ttl() -> float:
    """Seconds a room-wide answer is shared: ``ARA_ROOM_SHARED_TTL`` in room mode, else none."""
    return float(settings.ARA_ROOM_SHARED_TTL) if settings.ARA_ROOM else 0.0


ROOM_WIDE = TTLCache(room_ttl)
