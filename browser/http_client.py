"""The simulated browser's network stack: ``httpx`` with ``*.localhost`` sent to loopback.

Browsers resolve ``localhost`` and every ``*.localhost`` name to loopback themselves; the
operating system's resolver (which Python uses) often does not. The transport here rewrites
the connection target to 127.0.0.1 and keeps the ``Host`` header, so the server still sees
``adtech.localhost:8000`` and routes the request to the right party.
"""

from __future__ import annotations

import httpx

USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
TIMEOUT_S = 5.0


def is_loopback_name(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == "localhost" or host.endswith(".localhost")


class LoopbackTransport(httpx.BaseTransport):
    """Sends ``*.localhost`` requests to 127.0.0.1, everything else as usual."""

    def __init__(self, inner: httpx.BaseTransport | None = None) -> None:
        self.inner = inner or httpx.HTTPTransport(retries=0)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if is_loopback_name(request.url.host):
            request.url = request.url.copy_with(host="127.0.0.1")
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def make_client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """A client as Chrome's background requests behave: no cookies kept, no redirects followed."""
    return httpx.Client(
        transport=transport or LoopbackTransport(),
        follow_redirects=False,
        timeout=httpx.Timeout(TIMEOUT_S),
        headers={"User-Agent": USER_AGENT},
        trust_env=False,
    )


def send_as_chrome(
    transport: httpx.BaseTransport,
    client: httpx.Client,
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    body: bytes = b"",
    eligible: str | None = None,
    credentials: bool = True,
) -> tuple[httpx.Response, dict[str, str]]:
    """Makes one request (one hop) the way Chrome's network service did; returns it and the headers sent.

    The one place every request of the simulated browser on a page's behalf goes through, so
    what Chrome adds there (the attribution headers; the profile's cookies) is added once:
    ``Attribution-Reporting-Eligible`` and ``-Support: web`` only when the request is eligible
    (``eligible`` not None; an empty string is the header with no keys). A plain request
    (``None``) carries neither, as in Chrome, and may still register a trigger. ``credentials``
    is False for a CORS preflight, which never carries cookies.
    """
    sent = {"User-Agent": USER_AGENT, **headers}
    if eligible is not None:
        sent["Attribution-Reporting-Eligible"] = eligible
        sent["Attribution-Reporting-Support"] = "web"
    request = client.build_request(method, url, headers=sent, content=body or None)
    response = transport.handle_request(request)
    response.read()
    return response, sent


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
