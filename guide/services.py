"""Worker liveness: the heartbeat the worker writes and what the guide says about it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from adtech import services as adtech_services
from advertiser import services as advertiser_services
from aggregation import services as aggregation_services
from browser import services as browser_services
from config.broker import current_broker
from config.room_cache import ROOM_WIDE

from . import selectors, steps
from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

ALIVE_WITHIN = timedelta(seconds=45)


@dataclass(frozen=True)
class WorkerStatus:
    alive: bool
    last_seen: datetime | None
    hostname: str | None
    broker_kind: str
    broker_explanation: str

    def as_dict(self) -> dict:
        return {
            "alive": self.alive,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "hostname": self.hostname,
            "broker": self.broker_kind,
            "broker_explanation": self.broker_explanation,
        }


def record_heartbeat(hostname: str, source: str = "beat", now: datetime | None = None) -> WorkerHeartbeat:
    now = now or timezone.now()
    beat = WorkerHeartbeat.objects.create(hostname=hostname, seen_at=now, source=source)
    # Keep the table small: only recent heartbeats matter.
    WorkerHeartbeat.objects.filter(seen_at__lt=now - timedelta(hours=1)).delete()
    return beat


def worker_status(now: datetime | None = None) -> WorkerStatus:
    """Whether a worker beat lately; in a room every guide page asks, so the answer is shared a moment."""
    if now is None:
        return ROOM_WIDE.get("guide.worker", lambda: _worker_status(timezone.now()))
    return _worker_status(now)


def _worker_status(now: datetime) -> WorkerStatus:
    last = WorkerHeartbeat.objects.order_by("-seen_at").first()
    broker = current_broker()
    alive = bool(last and now - last.seen_at <= ALIVE_WITHIN)
    return WorkerStatus(
        alive=alive,
        last_seen=last.seen_at if last else None,
        hostname=last.hostname if last else None,
        broker_kind=broker.kind,
        broker_explanation=broker.explanation,
    )


# --- The workshop: live step checks and the reset for the next attendee ---------------------------------


def _reset_targets() -> tuple[tuple[str, Callable[[], Any]], ...]:
    """Each party's own public ``services.clear_all_data()``, in the order the reset runs them.

    The browser goes first, so nothing it still holds is delivered to an ad tech that was just
    emptied; the ad tech before the aggregation service, so no job is submitted in between.
    """
    return (
        ("browser", browser_services.clear_all_data),
        ("adtech", adtech_services.clear_all_data),
        ("aggregation", aggregation_services.clear_all_data),
        ("advertiser", advertiser_services.clear_all_data),
    )


def workshop_status(flags: dict) -> dict:
    """The seven steps with live checks, and whether each party could be asked.

    In room mode the browser's checks read the current profile (the attendee's own browser) and
    the ad tech's the reports that browser delivered; summary reports are the room's.
    """
    browser = selectors.browser_summary()
    shared, aggregation = selectors.adtech_summary(), selectors.aggregation_summary()
    mine = done = None
    if settings.ARA_ROOM:
        mine = selectors.delivered(browser)
        done = selectors.succeeded(selectors.summary_jobs([mine]))
    return _status(flags, browser, shared, aggregation, mine, done)


def attendees_status(profile_keys: list[str]) -> list[tuple[str, dict, dict]]:
    """Each profile's steps and its browser's counts (the instructor's page lists them).

    Each party is asked once for the whole room, not once per attendee.
    """
    shared, aggregation = selectors.adtech_summary(), selectors.aggregation_summary()
    browsers = selectors.browser_summaries(profile_keys)
    mine = selectors.delivered_of(profile_keys)
    done = selectors.succeeded(selectors.summary_jobs(list(mine.values())))
    return [
        (key, _status({}, browsers[key], shared, aggregation, mine[key], done), browsers[key].data)
        for key in profile_keys
    ]


def _status(
    flags: dict,
    browser: selectors.PartyState,
    shared: selectors.PartyState,
    aggregation: selectors.PartyState,
    mine: selectors.PartyState | None,
    done: selectors.PartyState | None,
) -> dict:
    """The steps from the parties' answers; ``mine`` and ``done`` (room mode) say what of the
    shared parties is the attendee's own (:func:`guide.selectors.delivered`)."""
    adtech = shared
    if mine is not None and done is not None:
        adtech = selectors.adtech_summary_for_profile(shared, mine)
        aggregation = selectors.aggregation_summary_for_profile(aggregation, mine, done)
    items = steps.evaluate(browser, adtech, aggregation, flags, room=mine is not None)
    return {
        "steps": items,
        "done": sum(1 for s in items if s["done"]),
        "total": len(items),
        "senders": steps.senders(shared),
        "parties": {
            "browser": browser.as_dict(),
            "adtech": adtech.as_dict(),
            "aggregation": aggregation.as_dict(),
        },
    }


def mark_internals_visited(session) -> None:
    session[steps.INTERNALS_VISITED] = True


def reset_all(session, profile: str | None = None) -> dict[str, dict]:
    """The guide's reset: every party for one person; in room mode only ``profile``'s browser.

    In a room the ad tech, the aggregation service and the shop are shared, as real ones are:
    one attendee starting over must not wipe what the others sent.
    """
    if settings.ARA_ROOM:
        results = {"browser": {"cleared": True, "detail": browser_services.clear_profile_data(profile or "")}}
    else:
        results = clear_parties()
    session.pop(steps.INTERNALS_VISITED, None)
    results["guide"] = {"cleared": True, "detail": {"progress": "forgotten"}}
    return results


def clear_parties() -> dict[str, dict]:
    """Clears every party's data; a party whose clear fails is reported with the reason, the rest go on."""
    results: dict[str, dict] = {}
    for party, clear in _reset_targets():
        try:
            with transaction.atomic():
                detail = clear()
        except Exception as exc:  # one party's failure must not keep the others from being cleared
            logger.exception("reset: %s could not be cleared", party)
            results[party] = {"cleared": False, "error": f"{party} could not be cleared: {exc}"}
            continue
        results[party] = {"cleared": True, "detail": detail if isinstance(detail, dict) else None}
    ROOM_WIDE.clear()  # this process's next poll shows the emptied room at once
    return results
