"""The parties' host names and origins for the configured scheme, domain suffix and port.

Every party is a separate *site* (its own registrable domain under ``.localhost`` by
default), which the Attribution Reporting API needs. The table itself is ``config.parties``;
this module applies it to the settings (``ARA_SCHEME``, ``ARA_DOMAIN``, ``ARA_PORT``), read
at each call so a test that changes them sees the change.
"""

from __future__ import annotations

from dataclasses import asdict

from django.conf import settings

from . import parties
from .parties import PARTNER_LABEL, Site

__all__ = [
    "BY_KEY",
    "PARTIES",
    "PARTNER_LABEL",
    "Party",
    "alias_origin",
    "current_site",
    "origin_for_host",
    "party",
    "party_for_host",
    "party_host",
    "party_origin",
    "party_site",
    "party_url",
    "partner_origin",
]


def current_site() -> Site:
    """The demo's scheme, domain suffix and port from the settings."""
    return Site(scheme=settings.ARA_SCHEME, domain=settings.ARA_DOMAIN, port=settings.ARA_PORT)


class Party(parties.Party):
    """A row of the party table placed on the configured site (for templates and routing)."""

    @property
    def host(self) -> str:
        return current_site().host(self.label)

    @property
    def origin(self) -> str:
        return current_site().origin(self.label)

    def url(self, path: str = "/") -> str:
        return self.origin + path


PARTIES: tuple[Party, ...] = tuple(Party(**asdict(p)) for p in parties.PARTIES)
BY_KEY: dict[str, Party] = {p.key: p for p in PARTIES}


def origin_for_host(host: str) -> str:
    return current_site().origin_for_host(host)


def party(key: str) -> Party:
    return BY_KEY[key]


def party_host(key: str) -> str:
    """``news.localhost`` for the publisher (no port)."""
    return current_site().host(BY_KEY[key].label)


def party_origin(key: str) -> str:
    return current_site().party_origin(key)


def party_site(key: str) -> str:
    """``http://shop.localhost`` for the advertiser: what a browser records as its site."""
    return current_site().party_site(key)


def party_url(key: str, path: str = "/") -> str:
    """Absolute URL of ``path`` on a party's host, e.g. ``party_url("adtech", "/ads/1")``."""
    return party_origin(key) + path


def alias_origin(key: str, alias: str) -> str:
    """Origin of one of a party's alias hosts, e.g. ``alias_origin("adtech", "measure")``."""
    if alias not in BY_KEY[key].aliases:
        raise KeyError(f"{alias!r} is not an alias of {key!r}")
    return current_site().origin(alias)


def partner_origin() -> str:
    """The measurement partner's origin (``http://measure.localhost:8000`` by default)."""
    return current_site().partner_origin()


def party_for_host(hostname: str) -> Party | None:
    """The party served on ``hostname`` (no port), or None for an unknown host."""
    found = current_site().party_for_host(hostname)
    if found is not None:
        return BY_KEY[found.key]
    if hostname.lower().rstrip(".") in settings.ARA_GUIDE_ALIASES:
        return BY_KEY["guide"]
    return None
