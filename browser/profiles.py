"""Which profile of the simulated browser a piece of work belongs to.

Every record of the simulated browser (sources, reports, rate limits, registrations, cookies,
the clock) belongs to a profile, as each Chrome profile keeps its own. The profile is
ambient: a request to the browser host, a delivery task or a navigation thread names it once
(:func:`using`) and storage, clock and cookies read :func:`current`. Outside any
:func:`using` it is ``default``: the one-person demo never names one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

DEFAULT = "default"

_current: ContextVar[str] = ContextVar("browser_profile", default=DEFAULT)


def current() -> str:
    """The profile the work at hand belongs to."""
    return _current.get()


@contextmanager
def using(key: str) -> Iterator[str]:
    """Runs the enclosed work as profile ``key``."""
    token = _current.set(key or DEFAULT)
    try:
        yield key or DEFAULT
    finally:
        _current.reset(token)
