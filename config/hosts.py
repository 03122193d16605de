"""The parties and the host names they are served on.

Every party is a separate *site* (its own registrable domain under ``.localhost`` by
default), which the Attribution Reporting API needs. The domain suffix, port and scheme
come from settings so the same code runs on real host names.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Party:
    key: str
    subdomain: str  # "" for the guide, which lives on the bare domain
    urlconf: str
    title: str
    role: str
    # Further subdomains served by the same app, e.g. a second reporting origin.
    aliases: tuple[str, ...] = ()

    @property
    def host(self) -> str:
        domain = settings.ARA_DOMAIN
        return f"{self.subdomain}.{domain}" if self.subdomain else domain

    @property
    def origin(self) -> str:
        return origin_for_host(self.host)

    def url(self, path: str = "/") -> str:
        return self.origin + path


# The ad tech's measurement partner: another reporting origin on another site.
PARTNER_SUBDOMAIN = "measure"

PARTIES: tuple[Party, ...] = (
    Party("guide", "", "guide.urls", "Workshop guide", "Steps, live checks and links to every party"),
    Party(
        "publisher",
        "news",
        "publisher.urls",
        "The Daily Byte",
        "Publisher: a news site whose ads register sources",
    ),
    Party(
        "advertiser",
        "shop",
        "advertiser.urls",
        "Trailhead Outfitters",
        "Advertiser: a shop whose pages register triggers",
    ),
    Party(
        "adtech",
        "adtech",
        "adtech.urls",
        "Adtech",
        "Ad tech: serves ads, answers registrations, receives reports",
        # A measurement partner on a site of its own, for redirect chains that register twice.
        aliases=(PARTNER_SUBDOMAIN,),
    ),
    Party(
        "browser",
        "browser",
        "browser.urls",
        "Simulated browser",
        "Plays Chrome's part: sources, triggers, reports",
    ),
    Party(
        "aggregation",
        "aggregation",
        "aggregation.urls",
        "Aggregation service",
        "Coordinator keys and summary reports",
    ),
)

BY_KEY: dict[str, Party] = {p.key: p for p in PARTIES}


def origin_for_host(host: str) -> str:
    port = settings.ARA_PORT
    default_port = 443 if settings.ARA_SCHEME == "https" else 80
    suffix = "" if port == default_port else f":{port}"
    return f"{settings.ARA_SCHEME}://{host}{suffix}"


def party(key: str) -> Party:
    return BY_KEY[key]


def party_url(key: str, path: str = "/") -> str:
    """Absolute URL of ``path`` on a party's host, e.g. ``party_url("adtech", "/ads/1")``."""
    return BY_KEY[key].url(path)


def alias_origin(key: str, alias: str) -> str:
    """Origin of one of a party's alias hosts, e.g. ``alias_origin("adtech", "measure")``."""
    assert alias in BY_KEY[key].aliases
    return origin_for_host(f"{alias}.{settings.ARA_DOMAIN}")


def partner_origin() -> str:
    """The measurement partner's origin (``http://measure.localhost:8000`` by default)."""
    return alias_origin("adtech", PARTNER_SUBDOMAIN)


def party_for_host(hostname: str) -> Party | None:
    """The party served on ``hostname`` (no port), or None for an unknown host."""
    hostname = hostname.lower().rstrip(".")
    for p in PARTIES:
        if p.host == hostname:
            return p
        if any(f"{alias}.{settings.ARA_DOMAIN}" == hostname for alias in p.aliases):
            return p
    if hostname in settings.ARA_GUIDE_ALIASES:
        return BY_KEY["guide"]
    return None
