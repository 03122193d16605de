"""What the guide reads from the other parties, each call guarded.

The guide must keep working while a party is missing, broken or being rebuilt: every call returns a
``PartyState`` that says whether the answer came, and why not when it did not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from adtech import selectors as adtech_selectors
from aggregation import selectors as aggregation_selectors
from browser import selectors as browser_selectors

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PartyState:
    ok: bool
    data: dict[str, Any]
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "error": self.error}


def call_party(name: str, func: Callable[[], Any]) -> PartyState:
    """Calls a party's selector; an exception becomes an explanation, so one party cannot break the guide."""
    try:
        with transaction.atomic():  # a failing query must not break the caller's transaction
            data = func()
    except Exception as exc:
        logger.exception("guide: %s failed", name)
        return PartyState(False, {}, f"{name} failed: {exc}")
    return PartyState(True, data if isinstance(data, dict) else {"value": data})


def browser_summary() -> PartyState:
    return call_party("browser.selectors.summary()", browser_selectors.summary)


def adtech_summary() -> PartyState:
    return call_party("adtech.selectors.sender_summary()", adtech_selectors.sender_summary)


def adtech_summary_for_profile(state: PartyState) -> PartyState:
    """The ad tech's summary ``state`` as one attendee's steps count it (room mode).

    The ad tech is shared and never learns who sent a report, so the attendee's counts are
    the reports their own simulated browser delivered that the ad tech received (by report id).
    """
    if not state.ok:
        return state
    mine = call_party(
        "adtech.selectors.received_by_kind()",
        lambda: adtech_selectors.received_by_kind(browser_selectors.sent_report_ids()),
    )
    if not mine.ok:
        return mine
    return PartyState(True, {**state.data, "reports_by_kind": mine.data, "by_browser": {}})


def aggregation_summary_for_profile(state: PartyState) -> PartyState:
    """The aggregation service's summary ``state`` as one attendee's step 7 counts it (room mode).

    The room shares one summary report; the attendee's step is done once a finished one took
    aggregatable reports their own browser delivered (the ad tech's batch knows them by id).
    """
    if not state.ok:
        return state

    def mine() -> dict[str, Any]:
        batched = adtech_selectors.summary_jobs_for(browser_selectors.sent_report_ids())
        done = aggregation_selectors.succeeded_among(list(batched))
        return {
            "covering": len(done),
            "my_reports_summarized": sum(batched[job] for job in done),
            "room_succeeded": number(state.data, "succeeded"),
        }

    return call_party("adtech.selectors.summary_jobs_for()", mine)


def aggregation_summary() -> PartyState:
    return call_party("aggregation.selectors.summary()", aggregation_selectors.summary)


def number(data: dict[str, Any], *path: str) -> int:
    """The integer at ``path`` in a nested dict, 0 where absent or not a number."""
    value: Any = data
    for key in path:
        if not isinstance(value, dict):
            return 0
        value = value.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def number_map(data: dict[str, Any], *path: str) -> dict[str, Any]:
    """The dict at ``path`` in a nested dict, empty where absent."""
    value: Any = data
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else {}


def sum_counts(value: Any) -> int:
    """Sum of every integer in a nested dict (e.g. reports by kind and status)."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, dict):
        return sum(sum_counts(v) for v in value.values())
    return 0
