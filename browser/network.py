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

The request and response themselves, with the headers Chrome added on each hop, are
:mod:`browser.request_envelope`; what a chain leaves in attribution internals is
:mod:`browser.chain_record`.
"""

from __future__ import annotations

from urllib.parse import urljoin

import httpx

from config.loopback import LoopbackTransport

from . import models, orb, profiles
from .chain_record import ChainRecord
from .http_client import Exchange, describe_error, send_as_chrome
from .registration import (
    MAX_REDIRECTS,
    NAVIGATION_MECHANISMS,
    NAVIGATION_ONLY,
    Context,
    RegistrationError,
    check_context,
    http_url,
)
from .request_envelope import (
    MAX_BODY_BYTES,
    PageRequest,
    PageResponse,
    hop_headers,
    page_headers,
    preflight_refusal,
)


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
    chain = ChainRecord(ctx, req.url, eligible, registration)

    # An eligible request is always shown in internals; a plain one only when it registered.
    if eligible is not None:
        chain.record()
    if len(req.body) > MAX_BODY_BYTES:
        return chain.fail(
            result,
            f"The request body is {len(req.body):,} bytes; the simulated browser forwards at most "
            f"{MAX_BODY_BYTES:,}, so the request was not made.",
        )
    problem = http_url(req.url)
    if problem:
        return chain.fail(result, problem)
    sent_headers = page_headers(req)
    body = req.body
    current = req.url
    seen: set[tuple[str, str]] = set()
    transport = transport or LoopbackTransport()
    top_level_site = ctx.top_level_site()
    for index in range(MAX_REDIRECTS + 1):
        seen.add((method, current))
        headers = hop_headers(req, current, method, sent_headers)
        try:
            refused = preflight_refusal(req, transport, current, method, sent_headers)
            if refused:
                return chain.fail(
                    result,
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
            recorded = chain.request_failed(index, current, headers, failure)
            return chain.fail(result, failure, recorded=recorded)
        location = response.headers.get("location") if response.is_redirect else None
        dropped = (
            orb.blocked(response.status_code, response.headers.multi_items(), response.content)
            if not location and orb.applies(req.mode, req.initiator, current)
            else None
        )
        if dropped:
            return _blocked_by_orb(req, result, chain, current, index, exchange, dropped)
        chain.hop(index, current, exchange)
        if not location:
            result.url, result.status, result.reason = (
                current,
                response.status_code,
                response.reason_phrase,
            )
            result.headers = list(response.headers.multi_items())
            result.body = response.content
            result.redirected = index > 0
            return chain.finish(result)
        target = urljoin(current, location.strip())
        problem = http_url(target)
        if problem:
            return chain.fail(result, f"The redirect chain stops: {problem}", url=target)
        if (
            response.status_code == 303
            and method != "HEAD"
            or (response.status_code in (301, 302) and method == "POST")
        ):
            method, body = "GET", b""
            sent_headers = {k: v for k, v in sent_headers.items() if k.lower() != "content-type"}
        if (method, target) in seen:
            return chain.fail(
                result,
                f"Redirect loop: {target} was already requested in this chain, so it stops here.",
                url=target,
            )
        current = target
    return chain.fail(
        result,
        f"More than {MAX_REDIRECTS} redirects: Chrome gives up on such a chain, and so does this browser.",
    )


def _blocked_by_orb(
    req: PageRequest,
    result: PageResponse,
    chain: ChainRecord,
    url: str,
    index: int,
    exchange: Exchange,
    reason: str,
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
    chain.blocked(index, url, exchange, explanation)
    result.url, result.redirected = url, index > 0
    if req.destination:
        result.error = explanation
    else:
        result.status, result.reason = exchange.response.status_code, exchange.response.reason_phrase
    return chain.finish(result)


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
