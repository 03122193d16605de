"""The simulated browser's cookie jar, one per profile, with Chrome's third-party-cookie rules.

Chrome sent the reporting origin's cookies on attribution registration requests (credentials
"include") and stored the ``Set-Cookie`` of their responses; reports went out with credentials
"omit" (no cookies sent, none stored). Which cookies go where follows RFC 6265bis as Chrome
applies it:

- A registration request is cross-site when the request URL's site differs from the top-level
  page's site (the "site for cookies"). Cross-site, only ``SameSite=None`` cookies are sent or
  stored; a cookie without ``SameSite`` counts as ``Lax`` (Chrome's default since 2020).
- ``SameSite=None`` needs ``Secure``. ``Secure`` needs a secure origin: https, or http on a
  potentially trustworthy host such as ``*.localhost`` (Chrome 149 stores and sends a
  ``Secure`` cookie on ``http://adtech.localhost``; the tests check it).
- With third-party cookies blocked (the profile's setting), nothing is sent or stored
  cross-site; same-site cookies are unaffected.

The same setting decides cookie-based debugging (debug keys, verbose debug reports): allowed
only where the reporting origin could use third-party cookies on the page's site, which is
Chrome 149's rule (:func:`debug_allowed`). Partitioned (CHIPS) cookies are stored as plain
ones; the demo never sets them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from django.db import transaction

from attribution_reporting.sites import InvalidURL, is_potentially_trustworthy, parse_url, site_of
from attribution_reporting.time_units import DAY_S

from . import clock, models, profiles

DEFAULT_PROFILE = profiles.DEFAULT
MAX_COOKIE_BYTES = 4096
MAX_AGE_CAP_S = 400 * DAY_S  # Chrome caps expiry at 400 days


def profile(key: str | None = None) -> models.Profile:
    row, _ = models.Profile.objects.get_or_create(key=key or profiles.current())
    return row


def third_party_cookies_allowed(key: str | None = None) -> bool:
    def load() -> bool:
        value = (
            models.Profile.objects.filter(key=key or profiles.current())
            .values_list("third_party_cookies", flat=True)
            .first()
        )
        return True if value is None else value

    if key is not None and key != profiles.current():
        return load()
    return profiles.setting("third_party_cookies", load)


def set_third_party_cookies(allowed: bool, key: str | None = None) -> None:
    row = profile(key)
    row.third_party_cookies = allowed
    row.save(update_fields=["third_party_cookies"])
    if key is None or key == profiles.current():
        profiles.remember("third_party_cookies", allowed)


def _same_site(url: str, top_level_site: str) -> bool:
    try:
        return site_of(url) == top_level_site
    except InvalidURL:
        return False


def debug_allowed(reporting_origin: str, top_level_site: str, key: str | None = None) -> bool:
    """Cookie-based debugging: could ``reporting_origin`` use cookies on ``top_level_site``?

    Chrome 149: debug keys and verbose debug reports only where the browser would allow the
    reporting origin third-party cookies in that context (a same-site reporting origin's
    cookies are first-party, so always). Until Chrome 127-ish the reporting origin also had to
    have set an ``ar_debug`` cookie; that requirement was dropped (spec PR #1441, 2024-10).
    """
    return _same_site(reporting_origin, top_level_site) or third_party_cookies_allowed(key)


@dataclass(frozen=True)
class SetCookieOutcome:
    """What became of one ``Set-Cookie`` header: stored or not, and why, in words."""

    name: str
    stored: bool
    reason: str

    def to_json(self) -> dict:
        return {"name": self.name, "stored": self.stored, "reason": self.reason}


class ProfileJar:
    """A profile's cookies, stored in the database; what :func:`http_client.send` takes."""

    def __init__(self, key: str | None = None) -> None:
        self.key = key or profiles.current()

    def cookie_header(self, url: str, top_level_site: str) -> str | None:
        """The ``Cookie`` header for a request to ``url`` from a page on ``top_level_site``."""
        try:
            parsed = parse_url(url)
        except InvalidURL:
            return None
        same_site = _same_site(url, top_level_site)
        if not same_site and not third_party_cookies_allowed(self.key):
            return None
        secure = is_potentially_trustworthy(parsed)
        now = clock.now_ms()
        host = parsed.host
        path = parsed.path or "/"
        rows = models.Cookie.objects.filter(profile=self.key).order_by("-path", "created_ms", "id")
        pairs = []
        for c in rows:
            if c.expires_ms is not None and c.expires_ms <= now:
                continue
            if not (host == c.domain if c.host_only else _domain_match(host, c.domain)):
                continue
            if not _path_match(path, c.path) or (c.secure and not secure):
                continue
            if not same_site and c.same_site != "none":
                continue
            pairs.append(f"{c.name}={c.value}" if c.name else c.value)
        return "; ".join(pairs) or None

    def store(self, url: str, set_cookie_values: list[str], top_level_site: str) -> list[SetCookieOutcome]:
        """Stores the response's cookies as Chrome would; says for each what happened."""
        return [self._store_one(url, value, top_level_site) for value in set_cookie_values]

    def _store_one(self, url: str, value: str, top_level_site: str) -> SetCookieOutcome:
        now = clock.now_ms()
        parsed_cookie = parse_set_cookie(value, url, now)
        if isinstance(parsed_cookie, str):
            return SetCookieOutcome(value.split("=", 1)[0].strip()[:64], False, parsed_cookie)
        c = parsed_cookie
        same_site = _same_site(url, top_level_site)
        if not same_site and not third_party_cookies_allowed(self.key):
            return SetCookieOutcome(
                c.name, False, "blocked: third-party cookies are blocked and this response is cross-site"
            )
        if not same_site and c.same_site != "none":
            label = c.same_site.capitalize() if c.same_site else "no SameSite (so Lax)"
            return SetCookieOutcome(
                c.name, False, f"blocked: {label} cookies cannot be set by a cross-site response"
            )
        with transaction.atomic():
            models.Cookie.objects.filter(profile=self.key, name=c.name, domain=c.domain, path=c.path).delete()
            if c.expires_ms is not None and c.expires_ms <= now:
                return SetCookieOutcome(c.name, False, "deleted: its expiry is in the past")
            models.Cookie.objects.create(profile=self.key, created_ms=now, **c.fields())
        return SetCookieOutcome(c.name, True, "stored")


@dataclass(frozen=True)
class ParsedCookie:
    name: str
    value: str
    domain: str
    host_only: bool
    path: str
    secure: bool
    http_only: bool
    same_site: str  # "none", "lax", "strict" or "" (unspecified: treated as lax)
    expires_ms: int | None

    def fields(self) -> dict:
        return {
            "name": self.name,
            "value": self.value,
            "domain": self.domain,
            "host_only": self.host_only,
            "path": self.path,
            "secure": self.secure,
            "http_only": self.http_only,
            "same_site": self.same_site,
            "expires_ms": self.expires_ms,
        }


def parse_set_cookie(header: str, url: str, now_ms: int) -> ParsedCookie | str:
    """RFC 6265bis §5.6 for one ``Set-Cookie`` value; a reason string when it is refused."""
    if len(header.encode("utf-8", "replace")) > MAX_COOKIE_BYTES:
        return "refused: larger than 4096 bytes"
    try:
        parsed = parse_url(url)
    except InvalidURL:
        return "refused: the response URL is not valid"
    pair, *attributes = header.split(";")
    if "=" in pair:
        name, value = (part.strip() for part in pair.split("=", 1))
    else:
        name, value = "", pair.strip()
    if not name and not value:
        return "refused: no name and no value"
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name + value):
        return "refused: control characters in the name or value"
    attrs: dict[str, str] = {}
    for attribute in attributes:
        key, _, val = attribute.partition("=")
        attrs[key.strip().lower()] = val.strip()
    host = parsed.host
    domain = attrs.get("domain", "").lstrip(".").lower()
    host_only = not domain
    if domain:
        if not _domain_match(host, domain):
            return f"refused: Domain={domain} does not cover {host}"
        if "." not in domain and domain != host:
            return f"refused: Domain={domain} is a public suffix"
    secure_origin = is_potentially_trustworthy(parsed)
    secure = "secure" in attrs
    if secure and not secure_origin:
        return "refused: Secure cookies need a secure origin (https, or http on localhost)"
    same_site = attrs.get("samesite", "").lower()
    if same_site not in ("none", "lax", "strict"):
        same_site = ""
    if same_site == "none" and not secure:
        return "refused: SameSite=None needs Secure"
    if name.startswith("__Secure-") and not secure:
        return "refused: a __Secure- cookie needs Secure"
    path = attrs.get("path", "")
    if not path.startswith("/"):
        path = _default_path(parsed.path)
    if name.startswith("__Host-") and (not secure or not host_only or path != "/"):
        return "refused: a __Host- cookie needs Secure, no Domain and Path=/"
    return ParsedCookie(
        name=name,
        value=value,
        domain=host if host_only else domain,
        host_only=host_only,
        path=path,
        secure=secure,
        http_only="httponly" in attrs,
        same_site=same_site,
        expires_ms=_expiry(attrs, now_ms),
    )


def _expiry(attrs: dict[str, str], now_ms: int) -> int | None:
    if "max-age" in attrs:
        try:
            seconds = int(attrs["max-age"])
        except ValueError:
            seconds = None
        if seconds is not None:
            return now_ms + min(seconds, MAX_AGE_CAP_S) * 1000 if seconds > 0 else 0
    if "expires" in attrs:
        try:
            when = parsedate_to_datetime(attrs["expires"])
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        # Expires is an absolute real time; the simulated browser's clock may run ahead.
        real_now_ms = clock.real_ms()
        delta_ms = int((when - datetime.fromtimestamp(real_now_ms / 1000, tz=UTC)).total_seconds() * 1000)
        return now_ms + min(delta_ms, MAX_AGE_CAP_S * 1000) if delta_ms > 0 else 0
    return None  # a session cookie: kept until the data is cleared


def _domain_match(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def _path_match(request_path: str, cookie_path: str) -> bool:
    if request_path == cookie_path:
        return True
    if request_path.startswith(cookie_path):
        return cookie_path.endswith("/") or request_path[len(cookie_path)] == "/"
    return False


def _default_path(path: str) -> str:
    if not path.startswith("/") or path.count("/") == 1:
        return "/"
    return path[: path.rfind("/")]


def cookies_json(key: str | None = None) -> list[dict]:
    """The profile's unexpired cookies, for attribution internals."""
    now = clock.now_ms()
    rows = models.Cookie.objects.filter(profile=key or profiles.current()).order_by("domain", "path", "name")
    return [
        {
            "name": c.name,
            "value": c.value,
            "domain": c.domain,
            "host_only": c.host_only,
            "path": c.path,
            "secure": c.secure,
            "http_only": c.http_only,
            "same_site": c.same_site or "unspecified (Lax)",
            "expires_ms": c.expires_ms,
        }
        for c in rows
        if c.expires_ms is None or c.expires_ms > now
    ]


def clear(key: str | None = None) -> None:
    qs = models.Cookie.objects.all()
    models.Cookie.objects.filter(profile=key).delete() if key else qs.delete()
