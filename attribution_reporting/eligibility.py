"""``Attribution-Reporting-Eligible`` (what a response may register) and ``-Support``.

Both are structured-header dictionaries of bare keys; a key's presence is what counts, so
values and parameters are ignored with a warning. ``navigation-source`` cannot be combined
with ``event-source`` or ``trigger``.
"""

from __future__ import annotations

from typing import Any

from .issues import Context, ValidationResult
from .structured_headers import bare_value, params, parse_dictionary, validate_dictionary

NAVIGATION_SOURCE = "navigation-source"
EVENT_SOURCE = "event-source"
TRIGGER = "trigger"
ELIGIBLE_KEYS = (EVENT_SOURCE, NAVIGATION_SOURCE, TRIGGER)


def _presence(member: Any, ctx: Context) -> bool:
    if member is None:
        return False
    if bare_value(member) is not True:
        ctx.warning("ignoring dictionary value")
    if params(member):
        ctx.warning("ignoring parameters")
    return True


def _exclusive(value: dict[str, Any], ctx: Context) -> bool:
    if value["navigation_source"] and (value["event_source"] or value["trigger"]):
        ctx.error(f"{NAVIGATION_SOURCE} is mutually exclusive with {EVENT_SOURCE} and {TRIGGER}")
        return False
    return True


def validate_eligible(text: str) -> ValidationResult:
    """Value: ``{"navigation_source": bool, "event_source": bool, "trigger": bool}``."""
    return validate_dictionary(
        text,
        [
            (NAVIGATION_SOURCE, "navigation_source", _presence),
            (EVENT_SOURCE, "event_source", _presence),
            (TRIGGER, "trigger", _presence),
        ],
        _exclusive,
    )


def eligible_keys(text: str) -> frozenset[str] | None:
    """The spec's keys present in an ``Attribution-Reporting-Eligible`` value; None when unparsable.

    What a reporting origin reads: browsers grease the header with unknown keys
    (``not-event-source``), values and parameters, all of which are ignored. An empty value is
    an empty dictionary (eligible for nothing).
    """
    members = parse_dictionary(text)
    if members is None:
        return None
    return frozenset(key for key in members if key in ELIGIBLE_KEYS)


def validate_support(text: str) -> ValidationResult:
    """``Attribution-Reporting-Support``: value ``{"web": bool, "os": bool}``."""
    return validate_dictionary(text, [("web", "web", _presence), ("os", "os", _presence)])


def serialize_eligible(value: dict[str, bool]) -> str:
    keys = [(NAVIGATION_SOURCE, "navigation_source"), (EVENT_SOURCE, "event_source"), (TRIGGER, "trigger")]
    return ", ".join(key for key, name in keys if value.get(name))
