"""The simulated browser's network service: the page's own request, made once, as Chrome made it.

Chrome did not make a second request for ``<img attributionsrc src>``, ``<script attributionsrc
src>``, ``fetch(url, {attributionReporting})`` or an XHR with ``setAttributionReporting``: the
page's request itself carried ``Attribution-Reporting-Eligible``, every redirect hop's response
could register, and the real response went back to the page. :func:`fetch` does the same for a
request the page hands over (through the service worker or the shim): the page's method,
headers and body, the headers a browser adds, redirects followed hop by hop with each hop fed
to the engine, and the final response returned. A plain request (no eligibility) goes the same
way and may still register a trigger, as Chrome's compatibility waiver allowed.

:func:`register` is a background registration request (each URL of a non-empty
``attributionsrc``; ``window.open``'s features) and :func:`navigate` a navigation's redirect
chain with ``navigation-source`` on every hop. Failures (bad URL, unreachable host, too many
redirects, an oversized body) come back as an error the page and internals show, never raised.

A ``no-cors`` request's final response from another origin passes Chrome's opaque-response
blocking first (:mod:`browser.orb`): a blocked one registers nothing, as in Chrome, where the
Attribution API never sees it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin

import httpx

from config.loopback import LoopbackTransport

from . import clock, cookies, cors, http_client, models, orb, profiles
from .http_client import Exchange, describe_error, send_as_chrome
from .registration import (
    MAX_REDIRECTS,
    NAVIGATION_MECHANISMS,
    NAVIGATION_ONLY,
    REGISTRATION_HEADERS,
    Context,
    RegistrationError,
    _finish,
    _http_url,
    _record_hop,
    _save_hop,
    check_context,
)

MAX_BODY_BYTES = 1_000_000
ACCEPT = {
    "image": "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
    "script": "*/*",
    "document": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
}
# Headers a page may not set (the fetch standard's forbidden names and what the browser owns).
FORBIDDEN = {
    "accept-charset",
    "accept-encoding",
    "access-control-request-headers",
    "access-control-request-method",
    "connection",
    "content-length",
    "cookie",
    "cookie2",
    "date",
    "dnt",
    "expect",
    "host",
    "keep-alive",
    "origin",
    "referer",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
    "attribution-reporting-eligible",
    "attribution-reporting-support",
}


@dataclass(frozen=True)
class PageRequest:
    """A request the page made, as the service worker or the shim hands it over."""

    url: str
    context: Context
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    destination: str = ""  # "image", "script", "" (fetch / XHR), "document"
    mode: str = "no-cors"  # the page's request mode: "cors", "no-cors", "same-origin", "navigate"
    referrer: str = ""  # the URL of the document that made the request
    user_agent: str = ""
    # The page's credentials mode: "include" sends the profile's cookies everywhere, "same-origin"
    # only to the page's own origin, "omit" never. Elements and attributionsrc requests include.
    credentials: str = "include"

    def jar(self, url: str) -> cookies.ProfileJar | None:
        """The profile's cookie jar if this hop carries credentials, else None."""
        initiator = self.context.frame_origin or self.context.context_origin
        if self.credentials == "include" or (
            self.credentials == "same-origin" and cors.same_origin(initiator, url)
        ):
            return cookies.ProfileJar(self.context.profile)
        return None


@dataclass
class PageResponse:
    """The final response (after redirects), what it registered, or why there is none."""

    url: str
    status: int = 0
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    redirected: bool = False
    registration: models.Registration | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def _hop_headers(req: PageRequest, url: str, method: str, page_headers: dict[str, str]) -> dict[str, str]:
    """What Chrome sent on one hop, besides the attribution headers and cookies."""
    initiator = req.context.frame_origin or req.context.context_origin
    headers = {k: v for k, v in page_headers.items()}
    if req.user_agent:
        headers["User-Agent"] = http_client.user_agent(req.user_agent)
    if not any(k.lower() == "accept" for k in headers):
        headers["Accept"] = ACCEPT.get(req.destination, "*/*")
    referer = cors.referer(req.referrer, url)
    if referer:
        headers["Referer"] = referer
    if initiator and (
        (req.mode == "cors" and not cors.same_origin(initiator, url)) or method not in ("GET", "HEAD")
    ):
        headers["Origin"] = initiator
    headers["Sec-Fetch-Dest"] = req.destination or "empty"
    headers["Sec-Fetch-Mode"] = req.mode
    headers["Sec-Fetch-Site"] = cors.fetch_site(initiator, url)
    return headers


def _page_headers(req: PageRequest) -> dict[str, str]:
    """The headers the page set; an element's Accept is the browser's (Chrome 149's), not the one passed on."""
    # The user agent is the browser's own (``req.user_agent``), never a header the page set.
    dropped = FORBIDDEN | {"user-agent"} | ({"accept"} if req.destination in ACCEPT else set())
    return {
        k: v
        for k, v in req.headers
        if k.lower() not in dropped and not k.lower().startswith(("sec-", "proxy-"))
    }


def _carries_registration(response: httpx.Response) -> bool:
    return any(name in response.headers for name in REGISTRATION_HEADERS)


def fetch(
    req: PageRequest,
    *,
    transport: httpx.BaseTransport | None = None,
    registration: models.Registration | None = None,
) -> PageResponse:
    """Makes the page's request chain once, registering on every hop; never raises for the network.

    A navigation source's chain only runs with ``registration``: the row :mod:`browser.navigation`
    created for a user-activated navigation it saw (a page cannot ask for one). Everything it
    stores belongs to the request context's profile.
    """
    with profiles.using(req.context.profile):
        return _fetch(req, transport=transport, registration=registration)


def _fetch(
    req: PageRequest,
    *,
    transport: httpx.BaseTransport | None,
    registration: models.Registration | None,
) -> PageResponse:
    ctx = req.context
    check_context(ctx)
    if ctx.mechanism in NAVIGATION_MECHANISMS and registration is None:
        raise RegistrationError(NAVIGATION_ONLY)
    eligible = ctx.eligible()
    method = (req.method or "GET").upper()
    result = PageResponse(url=req.url)

    def record() -> models.Registration:
        nonlocal registration
        if registration is None:
            registration = models.Registration.objects.create(
                time_ms=clock.now_ms(),
                mechanism=ctx.mechanism,
                url=req.url,
                context_origin=ctx.context_origin,
                frame_origin=ctx.frame_origin,
                eligible=eligible if eligible is not None else "",
                profile=ctx.profile,
            )
        return registration

    def fail(message: str, *, url: str = "", recorded: bool = False) -> PageResponse:
        """The request chain stops; internals list why (as a hop of kind "error")."""
        result.error = message
        if eligible is not None or registration is not None:
            found = record()
            if not recorded:
                _save_hop(
                    found,
                    found.hops.count(),
                    url or req.url,
                    {},
                    None,
                    kind="error",
                    status="requestNotMade",
                    explanation=message,
                )
            result.registration = _finish(found, error=message)
        return result

    # An eligible request is always shown in internals; a plain one only when it registered.
    if eligible is not None:
        record()
    if len(req.body) > MAX_BODY_BYTES:
        return fail(
            f"The request body is {len(req.body):,} bytes; the simulated browser forwards at most "
            f"{MAX_BODY_BYTES:,}, so the request was not made."
        )
    problem = _http_url(req.url)
    if problem:
        return fail(problem)
    page_headers = _page_headers(req)
    body = req.body
    current = req.url
    seen: set[tuple[str, str]] = set()
    transport = transport or LoopbackTransport()
    top_level_site = ctx.top_level_site()
    for index in range(MAX_REDIRECTS + 1):
        seen.add((method, current))
        headers = _hop_headers(req, current, method, page_headers)
        initiator = ctx.frame_origin or ctx.context_origin
        unsafe = cors.unsafe_headers(page_headers)
        try:
            if (
                req.mode == "cors"
                and not cors.same_origin(initiator, current)
                and (method not in ("GET", "HEAD", "POST") or unsafe)
            ):
                refused = cors.preflight(
                    transport,
                    current,
                    method,
                    unsafe,
                    initiator=initiator,
                    referrer=req.referrer,
                    user_agent=req.user_agent,
                )
                if refused:
                    return fail(
                        f"The request to {current} was not made: {refused}. The page gets a network error, "
                        "as in Chrome, and nothing was registered.",
                        url=current,
                    )
            exchange = send_as_chrome(
                transport,
                method,
                current,
                headers=headers,
                body=body,
                eligible=eligible,
                jar=req.jar(current),
                top_level_site=top_level_site,
            )
            response = exchange.response
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            failure = describe_error(exc, current, consequence="The page gets a network error.")
            if registration is not None:
                _save_hop(
                    registration,
                    index,
                    current,
                    headers,
                    None,
                    kind="error",
                    status="requestFailed",
                    explanation=failure,
                )
            return fail(failure, recorded=registration is not None)
        location = response.headers.get("location") if response.is_redirect else None
        dropped = (
            orb.blocked(response.status_code, response.headers.multi_items(), response.content)
            if not location and orb.applies(req.mode, initiator, current)
            else None
        )
        if dropped:
            return _blocked_by_orb(
                req, result, current, index, exchange, dropped, record, registration, eligible
            )
        if eligible is not None or _carries_registration(response):
            _record_hop(record(), index, current, exchange, ctx, eligible)
        if not location:
            result.url, result.status, result.reason = (
                current,
                response.status_code,
                response.reason_phrase,
            )
            result.headers = list(response.headers.multi_items())
            result.body = response.content
            result.redirected = index > 0
            if registration is not None:
                result.registration = _finish(registration)
            return result
        target = urljoin(current, location.strip())
        problem = _http_url(target)
        if problem:
            return fail(f"The redirect chain stops: {problem}", url=target)
        if (
            response.status_code == 303
            and method != "HEAD"
            or (response.status_code in (301, 302) and method == "POST")
        ):
            method, body = "GET", b""
            page_headers = {k: v for k, v in page_headers.items() if k.lower() != "content-type"}
        if (method, target) in seen:
            return fail(
                f"Redirect loop: {target} was already requested in this chain, so it stops here.",
                url=target,
            )
        current = target
    return fail(
        f"More than {MAX_REDIRECTS} redirects: Chrome gives up on such a chain, and so does this browser."
    )


def _blocked_by_orb(
    req: PageRequest,
    result: PageResponse,
    url: str,
    index: int,
    exchange: Exchange,
    reason: str,
    record: Callable[[], models.Registration],
    registration: models.Registration | None,
    eligible: str | None,
) -> PageResponse:
    """Chrome dropped the final response before anyone saw it: no registration from it.

    An element (image, script) gets a network error; a fetch or a background request an empty
    response without headers (Chrome's "empty response" for a blocked ``no-cors`` fetch).
    """
    explanation = (
        f"Opaque-response blocking dropped this response: it answers a no-cors request from another origin, "
        f"and {reason}. Chrome removes such a response, headers and all, before the Attribution API sees it, "
        "so nothing was registered from it. Answer with an image, a script, a 204 or no body labelled HTML, "
        "JSON or XML."
    )
    if eligible is not None or _carries_registration(exchange.response):
        registration = record()
        _save_hop(
            registration,
            index,
            url,
            exchange.request_headers,
            exchange.response,
            kind="none",
            status="blockedByOrb",
            explanation=explanation,
        )
    result.url, result.redirected = url, index > 0
    if req.destination:
        result.error = explanation
    else:
        result.status, result.reason = exchange.response.status_code, exchange.response.reason_phrase
    if registration is not None:
        result.registration = _finish(registration)
    return result


def register(
    ctx: Context,
    url: str,
    *,
    referrer: str = "",
    user_agent: str = "",
    transport: httpx.BaseTransport | None = None,
    registration: models.Registration | None = None,
) -> models.Registration:
    """A background registration request (``GET``, keepalive, no page body), recorded hop by hop.

    Navigation sources only come with ``registration`` (see :func:`fetch`).
    """
    req = PageRequest(
        url=url,
        context=ctx,
        destination="",
        mode="no-cors",
        referrer=referrer or (ctx.frame_origin or ctx.context_origin) + "/",
        user_agent=user_agent,
    )
    response = fetch(req, transport=transport, registration=registration)
    assert response.registration is not None  # an eligible request is always recorded
    return response.registration


def navigate(
    ctx: Context,
    url: str,
    *,
    referrer: str = "",
    user_agent: str = "",
    transport: httpx.BaseTransport | None = None,
    registration: models.Registration | None = None,
) -> PageResponse:
    """A navigation request chain as Chrome made it for ``<a attributionsrc>`` / ``window.open``.

    Only for a navigation whose user activation was seen: ``registration`` is the row
    :mod:`browser.navigation` created for it (see :func:`fetch`).

    Every hop carries ``Attribution-Reporting-Eligible: navigation-source`` and may register a
    navigation source; the final response (the landing page) is returned, so the caller can
    show it or send the tab to ``.url``. ``ctx.mechanism`` must be a navigation mechanism.
    """
    if ctx.mechanism not in NAVIGATION_MECHANISMS:
        raise ValueError(f"navigate() is for {', '.join(NAVIGATION_MECHANISMS)}, not {ctx.mechanism!r}")
    req = PageRequest(
        url=url,
        context=ctx,
        destination="document",
        mode="navigate",
        referrer=referrer or ctx.context_origin + "/",
        user_agent=user_agent,
    )
    return fetch(req, transport=transport, registration=registration)
