"""Reading ``Attribution-Reporting-Eligible`` the way a reporting origin should.

The header is an RFC 8941 structured-field Dictionary. Only its keys mean anything
(``event-source``, ``navigation-source``, ``trigger``); browsers grease it with unknown
keys (``not-event-source``), values and parameters, which a server must ignore.
"""

from __future__ import annotations

from dataclasses import dataclass

import http_sfv

KNOWN_KEYS = ("event-source", "navigation-source", "trigger")


@dataclass(frozen=True)
class Eligibility:
    present: bool
    raw: str
    keys: frozenset[str]
    error: str = ""

    @property
    def may_register_navigation_source(self) -> bool:
        return "navigation-source" in self.keys and not (self.keys & {"event-source", "trigger"})

    @property
    def may_register_event_source(self) -> bool:
        return "event-source" in self.keys and "navigation-source" not in self.keys

    @property
    def may_register_trigger(self) -> bool:
        return "trigger" in self.keys and "navigation-source" not in self.keys

    def describe(self) -> str:
        if not self.present:
            return (
                "no Attribution-Reporting-Eligible header (a plain request: the element's own load in a "
                "browser without the API, or a request not made for attribution)"
            )
        if self.error:
            return f"Attribution-Reporting-Eligible {self.raw!r} is not a structured-field dictionary"
        if not self.keys:
            return f"Attribution-Reporting-Eligible {self.raw!r} allows nothing"
        return f"Attribution-Reporting-Eligible allows {', '.join(sorted(self.keys))}"


def parse_eligible(raw: str | None) -> Eligibility:
    """The known keys of the header; unknown (greased) keys, values and parameters are ignored."""
    if raw is None:
        return Eligibility(False, "", frozenset())
    parsed = http_sfv.Dictionary()
    try:
        parsed.parse(raw.encode("latin-1", "replace"))
    except ValueError as exc:
        return Eligibility(True, raw, frozenset(), error=str(exc) or "parse error")
    return Eligibility(True, raw, frozenset(k for k in parsed if k in KNOWN_KEYS))
