"""Which profile of the simulated browser a piece of work belongs to.

Every record of the simulated browser (sources, reports, rate limits, registrations, cookies,
the clock) belongs to a profile, as each Chrome profile keeps its own. The profile is
ambient: a request to the browser host, a delivery task or a navigation thread names it once
(:func:`using`) and storage, clock and cookies read :func:`current`. Outside any
:func:`using` it is ``default``: the one-person demo never names one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

DEFAULT = "default"

T = TypeVar("T")

_current: ContextVar[str] = ContextVar("browser_profile", default=DEFAULT)
# The profile's settings (clock offset, debug mode, third-party cookies) as read by the work at
# hand; None outside any :func:`using`, where every read goes to the database.
_settings: ContextVar[dict[str, Any] | None] = ContextVar("browser_profile_settings", default=None)


def current() -> str:
    """The profile the work at hand belongs to."""
    return _current.get()


@contextmanager
def using(key: str) -> Iterator[str]:
    """Runs the enclosed work as profile ``key``, with a fresh view of its settings."""
    token = _current.set(key or DEFAULT)
    settings_token = _settings.set({})
    try:
        yield key or DEFAULT
    finally:
        _settings.reset(settings_token)
        _current.reset(token)


def setting(name: str, load: Callable[[], T]) -> T:
    """The current profile's setting ``name``, read with ``load`` once per piece of work.

    A registration reads the clock a dozen times; one request or task sees one offset (as it
    should: its times agree) and the database is asked once. Writes go through :func:`remember`.
    """
    known = _settings.get()
    if known is None:
        return load()
    if name not in known:
        known[name] = load()
    return known[name]


def remember(name: str, value: object) -> None:
    """Records a setting the work at hand has just written, so its later reads see it."""
    known = _settings.get()
    if known is not None:
        known[name] = value


def forget_settings() -> None:
    """After a reset: the work at hand reads the profile's settings afresh."""
    known = _settings.get()
    if known is not None:
        known.clear()
