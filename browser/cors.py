"""CORS and request metadata as Chrome computed them for a page's request.

The referrer (``strict-origin-when-cross-origin``), ``Sec-Fetch-Site``, which headers a page
may send without a preflight, the preflight itself, and whether a response may be shown to
the page. The network service calls these; they decide nothing about attribution.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import httpx

from attribution_reporting.sites import InvalidURL, origin_of, site_of

from .http_client import send_as_chrome
from .http_client import user_agent as browser_user_agent


def same_origin(a: str, b: str) -> bool:
    try:
        return origin_of(a) == origin_of(b)
    except InvalidURL:
        return False


def referer(referrer: str, target: str) -> str | None:
    """``strict-origin-when-cross-origin``, Chrome's default referrer policy."""
    if not referrer:
        return None
    try:
        parts = urlsplit(referrer)
        if parts.scheme == "https" and urlsplit(target).scheme == "http":
            return None
        if same_origin(referrer, target):
            return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
        return origin_of(referrer) + "/"
    except (InvalidURL, ValueError):
        return None


def fetch_site(initiator: str, target: str) -> str:
    if not initiator:
        return "none"
    if same_origin(initiator, target):
        return "same-origin"
    try:
        return "same-site" if site_of(initiator) == site_of(target) else "cross-site"
    except InvalidURL:
        return "cross-site"


SAFELISTED_HEADERS = {"accept", "accept-language", "content-language", "content-type", "range"}
SAFELISTED_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}


def unsafe_headers(page_headers: dict[str, str]) -> list[str]:
    """The page's headers that are not CORS-safelisted (lower-case, sorted, as a preflight lists them)."""

    def safe(name: str, value: str) -> bool:
        if name not in SAFELISTED_HEADERS or len(value) > 128:
            return False
        return name != "content-type" or value.split(";")[0].strip().lower() in SAFELISTED_CONTENT_TYPES

    return sorted({name.lower() for name, value in page_headers.items() if not safe(name.lower(), value)})


def _listed(value: str | None) -> set[str]:
    return {v.strip().lower() for v in (value or "").split(",") if v.strip()}


def preflight(
    transport: httpx.BaseTransport,
    url: str,
    method: str,
    unsafe: list[str],
    *,
    initiator: str,
    referrer: str = "",
    user_agent: str = "",
) -> str | None:
    """Chrome's CORS preflight (``OPTIONS``, no cookies, no attribution headers); why it failed, or None."""
    headers = {"Accept": "*/*", "Access-Control-Request-Method": method, "Origin": initiator}
    if unsafe:
        headers["Access-Control-Request-Headers"] = ",".join(unsafe)
    if user_agent:
        headers["User-Agent"] = browser_user_agent(user_agent)
    sent_referer = referer(referrer, url)
    if sent_referer:
        headers["Referer"] = sent_referer
    headers |= {
        "Sec-Fetch-Mode": "cors",
        "Sec-Fetch-Site": fetch_site(initiator, url),
        "Sec-Fetch-Dest": "empty",
    }
    response = send_as_chrome(transport, "OPTIONS", url, headers=headers).response
    allow_origin = response.headers.get("access-control-allow-origin")
    methods = _listed(response.headers.get("access-control-allow-methods"))
    allowed_headers = _listed(response.headers.get("access-control-allow-headers"))
    if not 200 <= response.status_code < 300:
        return f"the CORS preflight (OPTIONS {url}) was answered with HTTP {response.status_code}"
    if allow_origin not in ("*", initiator):
        return f"the CORS preflight's Access-Control-Allow-Origin ({allow_origin or 'none'}) does not allow {initiator}"
    if method not in ("GET", "HEAD", "POST") and "*" not in methods and method.lower() not in methods:
        return f"the CORS preflight does not allow the method {method}"
    missing = [h for h in unsafe if "*" not in allowed_headers and h not in allowed_headers]
    if missing:
        return f"the CORS preflight does not allow the header{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
    return None


def hidden_from_page(mode: str, initiator: str, url: str, headers: list[tuple[str, str]]) -> bool:
    """Whether Chrome would hide this response from the page (a cross-origin CORS-mode request)."""
    if mode != "cors" or not initiator or same_origin(initiator, url):
        return False
    allowed = {v for k, v in headers if k.lower() == "access-control-allow-origin"}
    return not ({"*", initiator} & allowed)
