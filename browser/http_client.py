"""The simulated browser's network stack: ``httpx`` with ``*.localhost`` sent to loopback.

Every request goes through ``send`` (or ``send_as_chrome`` on a page's behalf) over an httpx
client whose transport is ``config.loopback.LoopbackTransport``: browsers resolve
``*.localhost`` names to loopback themselves, Python's resolver often does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

# Chrome's usual string plus a product token of its own, so the ad tech can show which
# registrations and reports came from the simulated browser and which from a real Chrome.
PRODUCT_TOKEN = "AttributionLabSimulatedBrowser/1.0"
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 "
    + PRODUCT_TOKEN
)


def user_agent(page_user_agent: str) -> str:
    """The browser's own User-Agent with the product token after it, as an embedder appends its own."""
    if not page_user_agent:
        return USER_AGENT
    return page_user_agent if PRODUCT_TOKEN in page_user_agent else f"{page_user_agent} {PRODUCT_TOKEN}"


TIMEOUT_S = 5.0


class CookieJar(Protocol):
    """A profile's cookies as the network service uses them (``browser.cookies.ProfileJar``)."""

    def cookie_header(self, url: str, top_level_site: str) -> str | None: ...

    def store(self, url: str, set_cookie_values: list[str], top_level_site: str) -> list[Any]: ...


@dataclass
class Exchange:
    """One request made with Chrome's headers, its response, and what became of its cookies."""

    request_headers: dict[str, str]
    response: httpx.Response
    cookies_set: list[Any] = field(default_factory=list)


def send(
    transport: httpx.BaseTransport,
    method: str,
    url: str,
    *,
    eligible: str | None,
    jar: CookieJar | None,
    top_level_site: str,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
) -> Exchange:
    """Makes one request (no redirect following) as Chrome's network service made it.

    ``eligible`` None sends no ``Attribution-Reporting-Eligible`` (and no ``-Support``); a
    string (even empty) sends both. ``jar`` is the profile's cookie jar (credentials
    "include": its cookies go out, the response's ``Set-Cookie`` is stored under the
    third-party-cookie rules); None is credentials "omit", as for reports. The one function
    every request of the simulated browser's network service goes through, so each of them
    gets the same headers and cookies. Raises ``httpx.HTTPError`` / ``httpx.InvalidURL``.
    """
    request_headers = dict(headers or {})
    if eligible is not None:
        request_headers["Attribution-Reporting-Eligible"] = eligible
        request_headers["Attribution-Reporting-Support"] = "web"
    request_headers.setdefault("User-Agent", USER_AGENT)
    if jar is not None:
        cookie = jar.cookie_header(url, top_level_site)
        if cookie:
            request_headers["Cookie"] = cookie
    request_headers.setdefault("Accept", "*/*")
    request = httpx.Request(
        method,
        url,
        headers=request_headers,
        content=content,
        extensions={"timeout": httpx.Timeout(TIMEOUT_S).as_dict()},
    )
    response = transport.handle_request(request)
    response.read()
    outcomes: list[Any] = []
    if jar is not None:
        set_cookies = response.headers.get_list("set-cookie")
        if set_cookies:
            outcomes = jar.store(url, set_cookies, top_level_site)
    return Exchange(request_headers, response, outcomes)


def send_as_chrome(
    transport: httpx.BaseTransport,
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    body: bytes = b"",
    eligible: str | None = None,
    jar: CookieJar | None = None,
    top_level_site: str = "",
) -> Exchange:
    """One hop of a request the simulated browser makes on a page's behalf, as Chrome made it.

    ``headers`` are what the page and Chrome's fetch layer put on it (Referer, Origin,
    ``Sec-Fetch-*``, Accept); :func:`send` adds the attribution headers and, with ``jar``
    (credentials "include", or "same-origin" to the page's own origin), the profile's cookies.
    A CORS preflight passes no jar: it never carries cookies.
    """
    return send(
        transport,
        method,
        url,
        eligible=eligible,
        jar=jar,
        top_level_site=top_level_site,
        headers={"User-Agent": USER_AGENT, **headers},
        content=body or None,
    )


def describe_error(exc: Exception, url: str, *, consequence: str = "Nothing was registered.") -> str:
    """A sentence a person understands for a failed request, then what it means."""
    if isinstance(exc, httpx.TimeoutException):
        return f"The server at {url} did not answer within {TIMEOUT_S:g} seconds. {consequence}"
    if isinstance(exc, httpx.ConnectError):
        return f"Could not connect to {url} ({exc}). Is the server running and the host name right? {consequence}"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return f"{url} is not an http:// or https:// URL; attribution requests are only made over HTTP(S)."
    if isinstance(exc, httpx.HTTPError):
        return f"The request to {url} failed: {exc}. {consequence}"
    return f"The request to {url} failed unexpectedly: {exc!r}. {consequence}"
