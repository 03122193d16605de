"""Registration requests as Chrome made them: eligibility headers, redirects hop by hop.

The page (through the shim) says *which* element or API asked for a registration and *which*
URL; this module makes the request itself, with the ``Attribution-Reporting-Eligible`` value
Chrome sent for that mechanism and ``Attribution-Reporting-Support: web``, follows redirects
one hop at a time (each hop's response is its own registration, with its own reporting
origin) and records everything it saw, so attribution internals can show it and the page can
explain it. Network failures, bad URLs and redirect loops are recorded, never raised.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from urllib.parse import urljoin

import httpx
from django.db import transaction

from attribution_reporting.sites import InvalidURL, is_suitable_origin, origin_of, parse_url

from . import attribution, clock, delivery, models
from .http_client import USER_AGENT, LoopbackTransport, describe_error, make_client

log = logging.getLogger("browser.registration")

MAX_REDIRECTS = 20

NAVIGATION_MECHANISMS = ("anchor", "window-open")
EVENT_MECHANISMS = ("img", "script")
FLAG_MECHANISMS = ("fetch", "xhr")
MECHANISMS = NAVIGATION_MECHANISMS + EVENT_MECHANISMS + FLAG_MECHANISMS + ("manual",)

MECHANISM_LABELS = {
    "anchor": "<a attributionsrc> click",
    "window-open": 'window.open(..., "attributionsrc=...")',
    "img": "<img attributionsrc>",
    "script": "<script attributionsrc>",
    "fetch": "fetch(..., {attributionReporting})",
    "xhr": "XMLHttpRequest.setAttributionReporting()",
    "manual": "request from attribution internals",
}

# Response headers worth showing: the registration headers and what explains the response.
SHOWN_RESPONSE_HEADERS = (
    "attribution-reporting-register-source",
    "attribution-reporting-register-trigger",
    "attribution-reporting-register-os-source",
    "attribution-reporting-register-os-trigger",
    "attribution-reporting-info",
    "location",
    "content-type",
)


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

    def eligible(self) -> str:
        """The ``Attribution-Reporting-Eligible`` value Chrome sent for this mechanism."""
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


def _http_url(url: str) -> str | None:
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


def register(ctx: Context, url: str, *, transport: httpx.BaseTransport | None = None) -> models.Registration:
    """Makes the registration request chain for ``url`` and records every hop."""
    check_context(ctx)
    eligible = ctx.eligible()
    registration = models.Registration.objects.create(
        time_ms=clock.now_ms(),
        mechanism=ctx.mechanism,
        url=url,
        context_origin=ctx.context_origin,
        frame_origin=ctx.frame_origin,
        eligible=eligible,
    )
    problem = _http_url(url)
    if problem:
        return _finish(registration, error=problem)
    seen: set[str] = set()
    current = url
    # Each hop goes straight to the transport: the client's own redirect handling would
    # reject some Location values before this code could record the response.
    transport = transport or LoopbackTransport()
    with make_client(transport) as client:
        for index in range(MAX_REDIRECTS + 1):
            seen.add(current)
            request_headers = {
                "Attribution-Reporting-Eligible": eligible,
                "Attribution-Reporting-Support": "web",
                "User-Agent": USER_AGENT,
                "Referer": ctx.context_origin + "/",
            }
            try:
                response = transport.handle_request(
                    client.build_request("GET", current, headers=request_headers)
                )
                response.read()
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                failure = describe_error(exc, current)
                _save_hop(
                    registration,
                    index,
                    current,
                    request_headers,
                    None,
                    kind="error",
                    status="requestFailed",
                    explanation=failure,
                )
                return _finish(registration, error=failure)
            _record_hop(registration, index, current, request_headers, response, ctx, eligible)
            location = response.headers.get("location") if response.is_redirect else None
            if not location:
                return _finish(registration)
            target = urljoin(current, location.strip())
            problem = _http_url(target)
            if problem:
                return _finish(registration, error=f"The redirect chain stops: {problem}")
            if target in seen:
                return _finish(
                    registration,
                    error=f"Redirect loop: {target} was already requested in this chain, so it stops here.",
                )
            current = target
    return _finish(
        registration,
        error=f"More than {MAX_REDIRECTS} redirects: Chrome gives up on such a chain, and so does this browser.",
    )


def _shown_headers(response: httpx.Response) -> dict[str, str]:
    return {name: response.headers[name] for name in SHOWN_RESPONSE_HEADERS if name in response.headers}


def _save_hop(
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


def _record_hop(
    registration: models.Registration,
    index: int,
    url: str,
    request_headers: dict,
    response: httpx.Response,
    ctx: Context,
    eligible: str,
) -> None:
    """Feeds one response to the engine and stores the hop, in one transaction."""
    save = partial(_save_hop, registration, index, url, request_headers, response)
    # The hops of one navigation's redirect chain share an id (the per-navigation scope limit).
    navigation_id = (
        f"registration-{registration.pk}-{registration.created_at.timestamp()}"
        if ctx.mechanism in NAVIGATION_MECHANISMS
        else None
    )
    try:
        _process_hop(save, url, response, ctx, eligible, navigation_id)
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
    eligible: str,
    navigation_id: str | None = None,
) -> None:
    with transaction.atomic():
        now = clock.now_ms()
        result = attribution.process_response(
            context_origin=ctx.context_origin,
            eligible=eligible,
            url=url,
            headers=response.headers,
            now_ms=now,
            navigation_id=navigation_id,
        )
        save(
            kind=result.kind,
            status=result.status,
            explanation=result.explanation,
            detail=json.dumps(result.detail, default=str),
        )
        transaction.on_commit(lambda: delivery.schedule(result.reports))


def _finish(registration: models.Registration, error: str = "") -> models.Registration:
    hops = list(registration.hops.all())
    parts = [h.explanation for h in hops if h.explanation and h.status != "requestFailed"]
    if error:
        parts.append(error)
    registration.error = error
    registration.summary = (
        " ".join(parts) or "The response carried no attribution headers: nothing registered."
    )
    registration.save(update_fields=["error", "summary"])
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
