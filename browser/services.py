"""What other code may ask the simulated browser to do: register, move the clock, send, clear.

Views and other apps call these; the work itself lives in :mod:`browser.registration`,
:mod:`browser.delivery` and :mod:`browser.clock`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction

from attribution_reporting.reports import PENDING
from attribution_reporting.time_units import DAY_S, HOUR_S, MINUTE_S

from . import attribution, clock, cookies, delivery, models, profiles, selectors, storage, testing
from .network import fetch, register
from .registration import (
    NAVIGATION_MECHANISMS,
    NAVIGATION_ONLY,
    Context,
    RegistrationError,
    check_context,
    outcome_json,
)
from .request_envelope import PageRequest, PageResponse

__all__ = [
    "Context",
    "PageRequest",
    "PageResponse",
    "fetch_for_page",
    "page_outcome",
    "page_request",
    "RegistrationError",
    "advance_clock",
    "clear_all_data",
    "clear_data",
    "clear_profile_data",
    "outcome_json",
    "register",
    "reset_clock",
    "send_all_pending",
    "send_now",
    "set_debug_mode",
    "set_third_party_cookies",
]


OUTCOME_TTL_S = 300


def _text(data: dict, key: str, default: str = "") -> str:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise RegistrationError(f'"{key}" must be a string')
    return value


def page_request(envelope: str, body: bytes, content_type: str = "") -> PageRequest:
    """Parses what the service worker or the shim says about the page's request (JSON) into one.

    ``content_type`` is the Content-Type the body came with: an XHR's body sets its own
    (``body_type_from_request``), which is then the page request's when the page set none.
    """
    try:
        data = json.loads(envelope or "null")
    except ValueError as exc:
        raise RegistrationError(f"the request description (r=) is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise RegistrationError('describe the page\'s request as a JSON object in "r", e.g. {"url": ...}')
    url = _text(data, "url")
    if not url:
        raise RegistrationError('give the URL of the page\'s request as "url"')
    headers = data.get("headers") or []
    if not isinstance(headers, list) or not all(
        isinstance(h, list) and len(h) == 2 and all(isinstance(x, str) for x in h) for h in headers
    ):
        raise RegistrationError('"headers" must be a list of [name, value] pairs of strings')
    ctx = Context(
        mechanism=_text(data, "mechanism", "plain") or "plain",
        context_origin=_text(data, "context_origin"),
        frame_origin=_text(data, "frame_origin"),
        event_source_eligible=data.get("event_source_eligible") is True,
        trigger_eligible=data.get("trigger_eligible") is True,
    )
    check_context(ctx)
    if ctx.mechanism in NAVIGATION_MECHANISMS:
        raise RegistrationError(NAVIGATION_ONLY)
    mode = _text(data, "mode", "no-cors") or "no-cors"
    credentials = _text(data, "credentials") or ("same-origin" if mode == "cors" else "include")
    if credentials not in ("omit", "same-origin", "include"):
        raise RegistrationError('"credentials" must be "omit", "same-origin" or "include"')
    if (
        data.get("body_type_from_request") is True
        and body
        and content_type
        and not any(k.lower() == "content-type" for k, _ in headers)
    ):
        headers = [*headers, ["Content-Type", content_type]]
    return PageRequest(
        url=url,
        context=ctx,
        method=_text(data, "method", "GET").upper() or "GET",
        headers=tuple((k, v) for k, v in headers),
        body=body,
        destination=_text(data, "destination"),
        mode=mode,
        referrer=_text(data, "referrer"),
        user_agent=_text(data, "user_agent"),
        credentials=credentials,
    )


def fetch_for_page(
    page: PageRequest, *, rid: str = "", transport: httpx.BaseTransport | None = None
) -> PageResponse:
    """Makes the page's request; keeps what it registered under the page's request id for a while."""
    try:
        result = fetch(page, transport=transport)
    except DatabaseError as exc:
        return PageResponse(
            url=page.url, error=f"The simulated browser's storage is busy ({exc}); try again."
        )
    if _REQUEST_ID.fullmatch(rid) and result.registration is not None:
        cache.set(_outcome_key(rid), outcome_json(result.registration), OUTCOME_TTL_S)
    return result


def page_outcome(rid: str) -> dict | None:
    """What the page's request ``rid`` registered; None when unknown (or not a request id at all)."""
    return cache.get(_outcome_key(rid)) if _REQUEST_ID.fullmatch(rid) else None


# The shim's and the worker's request ids: letters and digits (base 36); nothing else reaches a key.
_REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


# Page outcomes live in the cache under a generation number: the reset starts a new generation,
# so no outcome of the last attendee's requests is found by the next one (old entries expire).
_OUTCOME_GENERATION = "browser:outcome-generation"


def _outcome_key(rid: str) -> str:
    generation = cache.get_or_set(_OUTCOME_GENERATION, 0, timeout=None)
    # Kept per profile too: one attendee cannot read another's by its request id.
    return f"browser:outcome:{generation}:{profiles.current()}:{rid}"


def forget_page_outcomes() -> None:
    """Makes every outcome kept so far unreachable (the reset for the next attendee)."""
    try:
        cache.incr(_OUTCOME_GENERATION)
    except ValueError:  # no generation yet: nothing was kept
        cache.set(_OUTCOME_GENERATION, 1, timeout=None)


@dataclass
class ClockMove:
    """The result of moving the clock: the new time and the reports that became due."""

    now_ms: int
    moved_by_ms: int
    due_report_ids: list[str]
    explanation: str


def clear_all_data() -> dict[str, int]:
    """Forgets every source, report, registration, cookie and cached key; resets the clock and debug mode.

    Process-wide memory goes too (the attribution-scope sets of navigations, the test receiver's
    list, the outcomes kept for pages' requests), so nothing of the last attendee can shape, or
    be shown to, the next one.
    """
    with transaction.atomic():
        reports = models.Report.objects.count()
        registrations = models.Registration.objects.count()
        storage.clear()
        cookies.clear()
        models.Profile.objects.all().delete()
        models.RegistrationHop.objects.all().delete()
        models.Registration.objects.all().delete()
        models.CoordinatorKeys.objects.all().delete()
        models.BrowserState.objects.all().delete()
    profiles.forget_settings()
    attribution.forget_navigations()
    testing.clear_received()
    forget_page_outcomes()
    return {"reports": reports, "registrations": registrations, "clock_offset_ms": 0}


def clear_profile_data(profile: str) -> dict[str, int]:
    """Forgets one profile's sources, reports, registrations, cookies, settings and clock.

    Room mode's reset: one attendee starts over, everyone else's browser stays as it is.
    """
    with transaction.atomic():
        reports = models.Report.objects.filter(profile=profile).count()
        registrations = models.Registration.objects.filter(profile=profile)
        count = registrations.count()
        storage.clear(profile)
        cookies.clear(profile)
        models.Profile.objects.filter(key=profile).delete()
        models.RegistrationHop.objects.filter(registration__profile=profile).delete()
        registrations.delete()
        models.BrowserState.objects.filter(profile=profile).delete()
    profiles.forget_settings()
    return {"reports": reports, "registrations": count, "clock_offset_ms": 0}


def clear_data() -> dict[str, int]:
    """The caller's reset: the whole browser for one person, only the current profile in room mode."""
    if settings.ARA_ROOM:
        return clear_profile_data(profiles.current())
    return clear_all_data()


def _due_now() -> list[str]:
    return list(
        models.Report.objects.filter(
            profile=profiles.current(), status=PENDING, report_time_ms__lte=clock.now_ms()
        ).values_list("report_id", flat=True)
    )


def advance_clock(*, by_ms: int | None = None, to_next_report: bool = False) -> ClockMove:
    """Moves the virtual clock forward and queues the reports that became due."""
    before_due = set(_due_now())
    if to_next_report:
        next_time = selectors.next_report_time()
        if next_time is None:
            return ClockMove(clock.now_ms(), 0, [], "No report is waiting, so the clock did not move.")
        by_ms = max(0, next_time - clock.now_ms())
    if by_ms is None or by_ms < 0:
        raise ValueError("give a positive amount of time to move the clock by")
    now = clock.advance(by_ms)
    due = _due_now()
    became_due = [rid for rid in due if rid not in before_due]
    delivery.enqueue_due(due)
    n = len(became_due)
    words = f"{n} report{'s' if n != 1 else ''} became due and {'are' if n != 1 else 'is'} being sent."
    return ClockMove(now, by_ms, became_due, f"The clock moved forward by {_duration(by_ms)}. {words}")


def reset_clock() -> ClockMove:
    before = clock.offset_ms()
    now = clock.reset()
    return ClockMove(now, -before, [], "The clock is back to real time.")


def set_debug_mode(enabled: bool) -> None:
    clock.set_debug_mode(enabled)


def set_third_party_cookies(allowed: bool) -> None:
    """The profile's third-party-cookie setting: it also decides cookie-based debugging."""
    cookies.set_third_party_cookies(allowed)


def send_now(report_id: str, *, transport: httpx.BaseTransport | None = None) -> str:
    """Sends one pending report of the current profile right away, whatever its scheduled time."""
    if not models.Report.objects.filter(report_id=report_id, profile=profiles.current()).exists():
        return "skipped: no such report in this profile"
    return delivery.send_report(report_id, force=True, transport=transport)


def send_all_pending(*, transport: httpx.BaseTransport | None = None) -> dict[str, str]:
    ids = (
        models.Report.objects.filter(profile=profiles.current(), status=PENDING)
        .order_by("report_time_ms")
        .values_list("report_id", flat=True)
    )
    return delivery.send_reports_of_current_profile(list(ids), force=True, transport=transport)


def _duration(ms: int) -> str:
    seconds = ms // 1000
    days, rem = divmod(seconds, DAY_S)
    hours, rem = divmod(rem, HOUR_S)
    minutes, secs = divmod(rem, MINUTE_S)
    parts = [
        f"{v} {u}{'s' if v != 1 else ''}" for v, u in ((days, "day"), (hours, "hour"), (minutes, "minute"))
    ]
    parts = [p for p, v in zip(parts, (days, hours, minutes), strict=True) if v]
    if secs or not parts:
        parts.append(f"{secs} second{'s' if secs != 1 else ''}")
    return ", ".join(parts)
