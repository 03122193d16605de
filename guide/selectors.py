"""What the guide reads from the other parties, each call guarded.

The guide must keep working while a party is missing, broken or being rebuilt: every call returns a
``PartyState`` that says whether the answer came, and why not when it did not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from adtech import selectors as adtech_selectors
from aggregation import selectors as aggregation_selectors
from browser import selectors as browser_selectors
from config.room_cache import ROOM_WIDE

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PartyState:
    ok: bool
    data: dict[str, Any]
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "error": self.error}


def call_party(name: str, func: Callable[[], Any]) -> PartyState:
    """Calls a party's selector; an exception becomes an explanation, so one party cannot break the guide.

    Inside a transaction the call gets a savepoint, so a failing query cannot break the caller's
    transaction; outside one (a request, in autocommit) a failed query leaves nothing behind, and
    the poll is spared a transaction per party.
    """
    try:
        with transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext():
            data = func()
    except Exception as exc:
        logger.exception("guide: %s failed", name)
        return PartyState(False, {}, f"{name} failed: {exc}")
    return PartyState(True, data if isinstance(data, dict) else {"value": data})


def browser_summary() -> PartyState:
    return call_party("browser.selectors.summary()", browser_selectors.summary)


def browser_summaries(profile_keys: list[str]) -> dict[str, PartyState]:
    """:func:`browser_summary` of each attendee, asked at once (the instructor's page)."""
    state = call_party("browser.selectors.summaries()", lambda: browser_selectors.summaries(profile_keys))
    if not state.ok:
        return {key: state for key in profile_keys}
    return {key: PartyState(True, state.data[key]) for key in profile_keys}


def adtech_summary() -> PartyState:
    """The ad tech's senders and reports: the room's, shared for a moment among every attendee's poll."""
    return ROOM_WIDE.get(
        "guide.adtech",
        lambda: call_party("adtech.selectors.sender_summary()", adtech_selectors.sender_summary),
    )


def aggregation_summary() -> PartyState:
    """The aggregation service's jobs: the room's, shared for a moment like :func:`adtech_summary`."""
    return ROOM_WIDE.get(
        "guide.aggregation",
        lambda: call_party("aggregation.selectors.summary()", aggregation_selectors.summary),
    )


# --- Room mode: what of the shared parties is one attendee's ---------------------------------------
# The ad tech is shared and never learns who sent a report: an attendee's reports are the ones
# their own simulated browser delivered, which the ad tech knows by report id.

AGGREGATABLE = "aggregatable"  # the report kind, as the ad tech names it
RECEIVED = "adtech.selectors.received_reports()"


def _tally(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Received reports by kind, and per aggregation job how many aggregatable ones it batched."""
    by_kind: dict[str, int] = {}
    jobs: dict[str, int] = {}
    for row in rows:
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + row["count"]
        if row["kind"] == AGGREGATABLE and row["batch_job_id"]:
            jobs[row["batch_job_id"]] = jobs.get(row["batch_job_id"], 0) + row["count"]
    return {"reports_by_kind": by_kind, "summary_jobs": jobs}


def delivered(browser: PartyState) -> PartyState:
    """What the ad tech received of the reports the current attendee's browser sent.

    ``browser`` is that browser's summary: when it says nothing was sent, nobody is asked.
    """
    if browser.ok and number(browser.data, "reports_sent") == 0:
        return PartyState(True, _tally([]))

    def ask() -> dict[str, Any]:
        ids = browser_selectors.sent_report_ids()
        return _tally(adtech_selectors.received_reports(ids) if ids else [])

    return call_party(RECEIVED, ask)


def delivered_of(profile_keys: list[str]) -> dict[str, PartyState]:
    """:func:`delivered` of each attendee, with one question to each party for the whole room."""

    def ask() -> dict[str, Any]:
        sent = browser_selectors.sent_report_ids_of(profile_keys)
        owner = {report_id: key for key, ids in sent.items() for report_id in ids}
        rows: dict[str, list[dict[str, Any]]] = {key: [] for key in profile_keys}
        for row in adtech_selectors.received_reports(list(owner)) if owner else []:
            rows[owner[row["report_id"]]].append(row)
        return {key: _tally(mine) for key, mine in rows.items()}

    state = call_party(RECEIVED, ask)
    if not state.ok:
        return {key: state for key in profile_keys}
    return {key: PartyState(True, state.data[key]) for key in profile_keys}


def summary_jobs(states: list[PartyState]) -> set[str]:
    """Every aggregation job that batched reports of the attendees ``states`` describe."""
    return {job for state in states if state.ok for job in state.data["summary_jobs"]}


def succeeded(jobs: set[str]) -> PartyState:
    """Which of ``jobs`` made a summary report; none to ask about, no question."""
    if not jobs:
        return PartyState(True, {"jobs": []})
    return call_party(
        "aggregation.selectors.succeeded_among()",
        lambda: {"jobs": aggregation_selectors.succeeded_among(sorted(jobs))},
    )


def adtech_summary_for_profile(state: PartyState, mine: PartyState) -> PartyState:
    """The ad tech's summary ``state`` as one attendee's steps count it: ``mine`` (:func:`delivered`)."""
    if not state.ok:
        return state
    if not mine.ok:
        return mine
    return PartyState(True, {**state.data, "reports_by_kind": mine.data["reports_by_kind"], "by_browser": {}})


def aggregation_summary_for_profile(state: PartyState, mine: PartyState, done: PartyState) -> PartyState:
    """The aggregation service's summary ``state`` as one attendee's step 7 counts it.

    The room shares one summary report; the attendee's step is done once a finished one (``done``,
    :func:`succeeded`) took aggregatable reports their own browser delivered (``mine``).
    """
    for needed in (state, mine, done):
        if not needed.ok:
            return needed
    batched = mine.data["summary_jobs"]
    covering = [job for job in done.data["jobs"] if job in batched]
    return PartyState(
        True,
        {
            "covering": len(covering),
            "my_reports_summarized": sum(batched[job] for job in covering),
            "room_succeeded": number(state.data, "succeeded"),
        },
    )


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
