"""Registrations as Chrome recorded them: the context, the eligibility, every hop and its outcome.

:mod:`browser.network` makes the requests (the page's own, background ones, navigations);
this module says which ``Attribution-Reporting-Eligible`` value Chrome sent for a mechanism,
feeds each hop's response to the engine and records what it saw, so attribution internals
can show it and the page can explain it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import httpx
from django.db import transaction
from django.db.models import prefetch_related_objects

from attribution_reporting.sites import InvalidURL, is_suitable_origin, origin_of, parse_url, site_of

from . import attribution, clock, cookies, delivery, models, navigation_wait, profiles
from .http_client import Exchange
from .statuses import hop_category

log = logging.getLogger("browser.registration")

MAX_REDIRECTS = 20

NAVIGATION_MECHANISMS = ("anchor", "window-open")
EVENT_MECHANISMS = ("img", "script")
FLAG_MECHANISMS = ("fetch", "xhr")
# "plain": a request without attributionsrc or attributionReporting, which carried no
# Eligible header and could still register a trigger (Chrome's compatibility waiver).
PLAIN = "plain"
MECHANISMS = NAVIGATION_MECHANISMS + EVENT_MECHANISMS + FLAG_MECHANISMS + ("manual", PLAIN)

MECHANISM_LABELS = {
    "anchor": "<a attributionsrc> click",
    "window-open": 'window.open(..., "attributionsrc=...")',
    "img": "<img attributionsrc>",
    "script": "<script attributionsrc>",
    "fetch": "fetch(..., {attributionReporting})",
    "xhr": "XMLHttpRequest.setAttributionReporting()",
    "manual": "request from attribution internals",
    "plain": "plain request (no attributionsrc): trigger-eligible by default",
}

REGISTRATION_HEADERS = (
    "attribution-reporting-register-source",
    "attribution-reporting-register-trigger",
    "attribution-reporting-register-os-source",
    "attribution-reporting-register-os-trigger",
)

# Response headers worth showing: the registration headers and what explains the response.
SHOWN_RESPONSE_HEADERS = (
    "attribution-reporting-register-source",
    "attribution-reporting-register-trigger",
    "attribution-reporting-register-os-source",
    "attribution-reporting-register-os-trigger",
    "attribution-reporting-info",
    "set-cookie",
    "location",
    "content-type",
)


TRIGGER_HEADER = "attribution-reporting-register-trigger"


class RegistrationError(ValueError):
    """The request to register cannot be made as described (bad mechanism or context)."""


@dataclass(frozen=True)
class Context:
    """Where a registration comes from, as the page reports it."""

    mechanism: str
    context_origin: str  # the top-level page's origin
    frame_origin: str = ""  # the origin of the frame holding the element (an ad iframe)
    event_source_eligible: bool = False  # fetch / XHR only
    trigger_eligible: bool = False  # fetch / XHR only
    profile: str = field(default_factory=profiles.current)  # whose storage, cookie jar and settings

    def top_level_site(self) -> str:
        return site_of(self.context_origin)

    def eligible(self) -> str | None:
        """The ``Attribution-Reporting-Eligible`` value Chrome sent for this mechanism (None: no header)."""
        if self.mechanism == PLAIN:
            return None
        if self.mechanism in NAVIGATION_MECHANISMS:
            return "navigation-source"
        if self.mechanism in EVENT_MECHANISMS:
            return "event-source, trigger"
        keys = [
            k
            for k, on in (("event-source", self.event_source_eligible), ("trigger", self.trigger_eligible))
            if on
        ]
        return ", ".join(keys)


MAX_ORIGIN_LENGTH = 255  # the width of the columns that store them


def check_context(ctx: Context) -> None:
    if ctx.mechanism not in MECHANISMS:
        raise RegistrationError(
            f"unknown mechanism {ctx.mechanism!r}; expected one of {', '.join(MECHANISMS)}"
        )
    for name, origin in (("context origin", ctx.context_origin), ("frame origin", ctx.frame_origin)):
        if len(origin) > MAX_ORIGIN_LENGTH:
            raise RegistrationError(f"the {name} is longer than {MAX_ORIGIN_LENGTH} characters")
    if not is_suitable_origin(ctx.context_origin):
        raise RegistrationError(
            f"context origin {ctx.context_origin!r} is not a secure origin (https, or http on localhost), "
            "so Chrome would not register anything from it"
        )


def http_url(url: str) -> str | None:
    """Why ``url`` cannot be requested, or None when it is a fine http(s) URL."""
    try:
        parsed = parse_url(url)
    except InvalidURL:
        return f"{url!r} is not a valid absolute URL, so no registration request was made."
    if parsed.scheme not in ("http", "https"):
        return (
            f"{url!r} uses the {parsed.scheme}: scheme; attribution registrations are only requested over "
            "http:// or https://, so nothing was registered."
        )
    if not is_suitable_origin(parsed.origin):
        return (
            f"{parsed.origin} is not potentially trustworthy (plain http on a public host); Chrome only "
            "registers with https origins or http on localhost, so no request was made."
        )
    return None


NAVIGATION_ONLY = (
    "a navigation source is only registered by a navigation the person started: a click on an "
    '<a attributionsrc> (or <area>) the page did not cancel, or window.open(..., "attributionsrc=...") '
    "with user activation; the shim sends such a navigation through the simulated browser, which checks "
    "the browser's Sec-Fetch-User header. A page script cannot register one by calling the API"
)


def _shown_headers(response: httpx.Response) -> dict[str, str]:
    return {
        name: ", ".join(response.headers.get_list(name)) if name == "set-cookie" else response.headers[name]
        for name in SHOWN_RESPONSE_HEADERS
        if name in response.headers
    }


def save_hop(
    registration: models.Registration,
    index: int,
    url: str,
    request_headers: dict,
    response: httpx.Response | None,
    **outcome: str,
) -> models.RegistrationHop:
    """Stores one hop: the request, the response when there was one, and what came of it."""
    if response is not None:
        outcome["response_status"] = response.status_code
        outcome["response_headers"] = json.dumps(_shown_headers(response))
    return models.RegistrationHop.objects.create(
        registration=registration,
        index=index,
        url=url,
        reporting_origin=_origin_or_blank(url),
        request_headers=json.dumps(request_headers),
        **outcome,
    )


def _origin_or_blank(url: str) -> str:
    try:
        return origin_of(url)
    except InvalidURL:
        return ""


def record_hop(
    registration: models.Registration,
    index: int,
    url: str,
    exchange: Exchange,
    ctx: Context,
    eligible: str | None,
) -> None:
    """Feeds one response to the engine and stores the hop, in one transaction."""
    response = exchange.response
    save = partial(save_hop, registration, index, url, exchange.request_headers, response)
    # The hops of one navigation's redirect chain share an id (the per-navigation scope limit).
    navigation_id = (
        f"registration-{registration.pk}-{registration.created_at.timestamp()}"
        if ctx.mechanism in NAVIGATION_MECHANISMS
        else None
    )
    set_cookies = [o.to_json() for o in exchange.cookies_set]
    try:
        _process_hop(save, url, response, ctx, eligible, navigation_id, set_cookies)
    except Exception as exc:  # a bug must not cost the page its explanation
        log.exception("processing %s failed", url)
        save(
            kind="error",
            status="internalError",
            explanation=f"The simulated browser could not process this response ({exc!r}); nothing was stored.",
        )


def _process_hop(
    save: Callable[..., models.RegistrationHop],
    url: str,
    response: httpx.Response,
    ctx: Context,
    eligible: str | None,
    navigation_id: str | None = None,
    set_cookies: list[dict] | None = None,
) -> None:
    waited = ""
    if ctx.mechanism not in NAVIGATION_MECHANISMS and TRIGGER_HEADER in response.headers:
        waited = navigation_wait.wait_for_navigations(ctx.top_level_site(), profile=ctx.profile)
    top_level_site = ctx.top_level_site()
    debug = cookies.debug_allowed(origin_of(url), top_level_site, ctx.profile)
    with transaction.atomic():
        now = clock.now_ms()
        result = attribution.process_response(
            context_origin=ctx.context_origin,
            eligible=eligible,
            url=url,
            headers=response.headers,
            now_ms=now,
            navigation_id=navigation_id,
            debug_permission=debug,
        )
        detail = dict(result.detail, cookie_based_debugging=debug, set_cookies=set_cookies or [])
        save(
            kind=result.kind,
            status=result.status,
            explanation=" ".join(p for p in (waited, result.explanation) if p),
            detail=json.dumps(detail, default=str),
        )
        transaction.on_commit(lambda: delivery.schedule(result.reports))


def finish_registration(registration: models.Registration, error: str = "") -> models.Registration:
    # Read once: the page's outcome (:func:`outcome_json`) lists the same hops.
    prefetch_related_objects([registration], "hops")
    hops = list(registration.hops.all())
    parts = [
        h.explanation for h in hops if h.explanation and h.status not in ("requestFailed", "requestNotMade")
    ]
    if error:
        parts.append(error)
    registration.error = error
    registration.summary = (
        " ".join(parts) or "The response carried no attribution headers: nothing registered."
    )
    registration.pending = False
    registration.save(update_fields=["error", "summary", "pending"])
    return registration


def outcome_json(registration: models.Registration) -> dict:
    """What the shim dispatches as the ``attributionlab:registration`` event's detail."""
    hops = [
        {
            "url": h.url,
            "reporting_origin": h.reporting_origin,
            "request_headers": json.loads(h.request_headers),
            "response_status": h.response_status,
            "response_headers": json.loads(h.response_headers),
            "kind": h.kind,
            "status": h.status,
            "category": hop_category(h.kind, h.status),
            "explanation": h.explanation,
        }
        for h in registration.hops.all()
    ]
    return {
        "id": registration.pk,
        "mechanism": registration.mechanism,
        "url": registration.url,
        "context_origin": registration.context_origin,
        "eligible": registration.eligible,
        "time_ms": registration.time_ms,
        "hops": hops,
        "error": registration.error or None,
        "summary": registration.summary,
    }
