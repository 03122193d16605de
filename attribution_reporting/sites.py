"""Origins, sites and "suitable" origins, as the API defines them.

A site is ``scheme://eTLD+1`` from the Public Suffix List (IP hosts are kept whole). A
suitable origin is HTTPS, or HTTP on a potentially trustworthy host (``localhost``,
``*.localhost``, loopback addresses), which is what makes a local demo on ``*.localhost``
work without certificates.

The URL parsing here is the subset of the WHATWG URL Standard the API needs: hosts are
lower-cased (and IDNA-encoded), default ports dropped, and an empty path becomes ``/``.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache

from publicsuffixlist import PublicSuffixList

from .issues import Context
from .parsing import INVALID

_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):(.*)", re.DOTALL)
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}
_FORBIDDEN_HOST = set(" #%/:<>?@[\\]^|\t\n\r\x00")


class InvalidURL(ValueError):
    """The string is not an absolute URL with a host."""


@dataclass(frozen=True)
class URL:
    scheme: str
    host: str
    port: int | None
    path: str
    query: str | None
    fragment: str | None

    @property
    def origin(self) -> str:
        port = f":{self.port}" if self.port is not None else ""
        return f"{self.scheme}://{self.host}{port}"

    @property
    def href(self) -> str:
        query = f"?{self.query}" if self.query is not None else ""
        fragment = f"#{self.fragment}" if self.fragment is not None else ""
        if not self.host and self.scheme not in _DEFAULT_PORTS:
            return f"{self.scheme}:{self.path}{query}{fragment}"  # opaque: mailto:, data:, ...
        return f"{self.origin}{self.path}{query}{fragment}"


def _parse_host(raw: str) -> str:
    if raw.startswith("[") and raw.endswith("]"):
        try:
            return f"[{ipaddress.IPv6Address(raw[1:-1]).compressed}]"
        except ValueError as e:
            raise InvalidURL("invalid IPv6 host") from e
    if not raw or any(c in _FORBIDDEN_HOST for c in raw):
        raise InvalidURL("invalid host")
    host = raw.lower()
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as e:
            raise InvalidURL("invalid host") from e
    return host


@lru_cache(maxsize=4096)
def parse_url(s: str) -> URL:
    """Parses an absolute URL; raises ``InvalidURL`` when it is not one."""
    s = s.strip(
        "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
        "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "
    )
    s = s.replace("\t", "").replace("\n", "").replace("\r", "")
    m = _SCHEME_RE.fullmatch(s)
    if m is None:
        raise InvalidURL("missing scheme")
    scheme, rest = m.group(1).lower(), m.group(2)
    fragment = query = None
    if "#" in rest:
        rest, fragment = rest.split("#", 1)
    if "?" in rest:
        rest, query = rest.split("?", 1)
    if scheme not in _DEFAULT_PORTS and scheme != "file":
        # Opaque URL (mailto:, data:, ...): valid, but without a host.
        return URL(scheme, "", None, rest, query, fragment)
    rest = rest.replace("\\", "/").lstrip("/")
    authority, _, path = rest.partition("/")
    authority = authority.rpartition("@")[2]
    port: int | None = None
    host_part = authority
    m_port = re.fullmatch(r"(.*?):([0-9]*)", authority) if not authority.endswith("]") else None
    if m_port is not None:
        host_part, digits = m_port.group(1), m_port.group(2)
        if digits:
            port = int(digits)
            if port > 65535:
                raise InvalidURL("invalid port")
    elif ":" in authority and not authority.startswith("["):
        raise InvalidURL("invalid port")
    host = _parse_host(host_part)
    if port == _DEFAULT_PORTS.get(scheme):
        port = None
    return URL(scheme, host, port, "/" + path, query, fragment)


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


def is_ip_host(host: str) -> bool:
    if host.startswith("["):
        return True
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str | None:
    """eTLD+1 of ``host``; the host itself for IP addresses; None for a public suffix."""
    if is_ip_host(host) or host == "localhost":
        return host
    return _psl().privatesuffix(host.rstrip("."))


def is_potentially_trustworthy(url: URL) -> bool:
    if url.scheme == "https":
        return True
    if url.scheme != "http":
        return False
    host = url.host
    if host == "localhost" or host.endswith(".localhost") or host == "[::1]":
        return True
    try:
        return ipaddress.IPv4Address(host).is_loopback
    except ValueError:
        return False


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL; raises ``InvalidURL``."""
    return parse_url(url).origin


def site_of(origin_or_url: str) -> str:
    """``scheme://eTLD+1`` of an origin or URL (IP hosts kept); raises ``InvalidURL``."""
    url = parse_url(origin_or_url)
    return f"{url.scheme}://{registrable_domain(url.host) or url.host}"


def is_suitable_origin(origin: str) -> bool:
    """True for HTTPS origins and HTTP origins on potentially trustworthy hosts."""
    try:
        return is_potentially_trustworthy(parse_url(origin))
    except InvalidURL:
        return False


def _suitable(s: str, ctx: Context, label: str, site: bool) -> str:
    try:
        url = parse_url(s)
    except InvalidURL:
        ctx.error("invalid URL")
        return INVALID
    if not is_potentially_trustworthy(url):
        ctx.error("URL must use HTTP/HTTPS and be potentially trustworthy")
        return INVALID
    if site:
        domain = registrable_domain(url.host)
        if domain is None:
            ctx.warning(
                f"{url.host} is a public suffix: only triggers from {url.scheme}://{url.host} itself will "
                f"match, not e.g. {url.scheme}://example.{url.host}"
            )
            domain = url.host
        scoped = f"{url.scheme}://{domain}"
    else:
        scoped = url.origin
    if url.href != parse_url(scoped).href:
        ctx.warning(f"URL components other than {label} ({scoped}) will be ignored")
    return scoped


def suitable_origin(s: str, ctx: Context) -> str:
    """Validates a string as a suitable origin, warning when parts of the URL are dropped."""
    return _suitable(s, ctx, "origin", site=False)


def suitable_site(s: str, ctx: Context) -> str:
    """Validates a string as a suitable site, warning when parts of the URL are dropped."""
    return _suitable(s, ctx, "site", site=True)
