"""The page's request and the response it gets back, with the headers Chrome put on every hop.

A page hands its request over (through the service worker or the shim) as a :class:`PageRequest`:
its method, headers, body, destination, mode and credentials. The browser drops the headers a
page may not set, adds its own (``Accept``, ``Referer``, ``Origin``, ``Sec-Fetch-*``) on each hop
and, for a cross-origin ``cors`` request that is not simple, asks the CORS preflight first. What
goes back to the page is a :class:`PageResponse`: the final response, or why there is none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from . import cookies, cors, http_client, models
from .registration import Context

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

    @property
    def initiator(self) -> str:
        """The origin the request comes from: the frame's, else the context's."""
        return self.context.frame_origin or self.context.context_origin

    def jar(self, url: str) -> cookies.ProfileJar | None:
        """The profile's cookie jar if this hop carries credentials, else None."""
        if self.credentials == "include" or (
            self.credentials == "same-origin" and cors.same_origin(self.initiator, url)
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


def page_headers(req: PageRequest) -> dict[str, str]:
    """The headers the page set; an element's Accept is the browser's (Chrome 149's), not the one passed on."""
    # The user agent is the browser's own (``req.user_agent``), never a header the page set.
    dropped = FORBIDDEN | {"user-agent"} | ({"accept"} if req.destination in ACCEPT else set())
    return {
        k: v
        for k, v in req.headers
        if k.lower() not in dropped and not k.lower().startswith(("sec-", "proxy-"))
    }


def hop_headers(req: PageRequest, url: str, method: str, page_headers: dict[str, str]) -> dict[str, str]:
    """What Chrome sent on one hop, besides the attribution headers and cookies."""
    initiator = req.initiator
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


def preflight_refusal(
    req: PageRequest,
    transport: httpx.BaseTransport,
    url: str,
    method: str,
    page_headers: dict[str, str],
) -> str | None:
    """Why the CORS preflight refused this hop, or None (also when the hop needs none).

    Only a cross-origin ``cors`` request with a method or headers beyond the simple ones is
    preflighted; network failures are raised, as for the request itself.
    """
    initiator = req.initiator
    unsafe = cors.unsafe_headers(page_headers)
    if (
        req.mode != "cors"
        or cors.same_origin(initiator, url)
        or (method in ("GET", "HEAD", "POST") and not unsafe)
    ):
        return None
    return cors.preflight(
        transport,
        url,
        method,
        unsafe,
        initiator=initiator,
        referrer=req.referrer,
        user_agent=req.user_agent,
    )
