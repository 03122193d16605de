"""Reading ``Attribution-Reporting-Eligible`` the way a reporting origin should.

The header is an RFC 8941 structured-field Dictionary. Only its keys mean anything
(``event-source``, ``navigation-source``, ``trigger``); browsers grease it with unknown
keys (``not-event-source``), values and parameters, which a server must ignore.
"""

from __future__ import annotations

from dataclasses import dataclass

from attribution_reporting.eligibility import eligible_keys


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
    keys = eligible_keys(raw)
    if keys is None:
        return Eligibility(True, raw, frozenset(), error="not a structured-field dictionary")
    return Eligibility(True, raw, keys)
