"""``localhost`` and ``*.localhost``: loopback names, and the one rewrite that reaches them.

Browsers resolve ``localhost`` and every ``*.localhost`` name to loopback themselves; the
operating system's resolver (which Python uses) often does not. Every HTTP client in the
project (the simulated browser's network service, the ad tech's calls to the aggregation
service) therefore connects to 127.0.0.1 for those names and keeps the ``Host`` header, so the
server still sees ``adtech.localhost:8000`` and routes the request to the right party.
"""

from __future__ import annotations

import re
import ssl
from functools import cache
from urllib.parse import urlsplit, urlunsplit

import httpx

LOOPBACK_ADDRESS = "127.0.0.1"
# Loopback origins: localhost, *.localhost, 127.x.x.x, [::1]; any port, http or https.
LOOPBACK_ORIGIN = (
    r"^https?://(localhost|([a-z0-9-]+\.)+localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:\d{1,5})?$"
)
_LOOPBACK = re.compile(LOOPBACK_ORIGIN)


def is_loopback_origin(origin: str) -> bool:
    return bool(_LOOPBACK.match(origin.lower()))


def is_localhost_name(host: str) -> bool:
    """``localhost`` or a name under it, which browsers resolve to loopback themselves."""
    host = host.lower().rstrip(".")
    return host == "localhost" or host.endswith(".localhost")


def connect_host(host: str) -> str:
    """The address to connect to for ``host``: loopback for ``*.localhost``, else ``host`` itself."""
    return LOOPBACK_ADDRESS if is_localhost_name(host) else host


def loopback_target(url: str) -> tuple[str, str]:
    """``http://aggregation.localhost:8000/x`` → (``http://127.0.0.1:8000/x``, its ``Host`` header)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    target = connect_host(host)
    if target == host:
        return url, parts.netloc
    netloc = target + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)), parts.netloc


@cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default TLS context (the CA bundle, ``SSL_CERT_FILE``), built once per process.

    Building one loads the whole CA bundle, about 30 ms of CPU; a transport is made for every
    request the network service, report delivery and the coordinator key fetch make, so a
    room's server would spend much of its time there. An ``SSLContext`` is safe to share
    across threads.
    """
    return httpx.create_ssl_context()


class LoopbackTransport(httpx.BaseTransport):
    """An httpx transport that connects ``*.localhost`` requests to 127.0.0.1 (``Host`` unchanged)."""

    def __init__(self, inner: httpx.BaseTransport | None = None) -> None:
        self.inner = inner or httpx.HTTPTransport(retries=0, verify=_tls_context())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(host=connect_host(request.url.host))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()
