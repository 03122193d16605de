"""The party table: every party, its host label, Django app and role, and the origins they make.

This is the one place the suite's host names come from. Settings (allowed and trusted origins),
host routing (``config/hosts.py``), the shim's trusted origins, the pages' links, native mode's
Chrome flags and the tests all derive from it. It imports nothing of Django, so settings and
Django-free code (``native/``) can use it: each function takes the scheme, the domain suffix and
the port (``Site``), and ``config.hosts`` supplies them from the settings.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Party:
    """A party of the demo: one Django app served on one host (plus aliases)."""

    key: str
    label: str  # host label: <label>.<domain>; "" for the guide, which lives on the bare domain
    app: str  # the Django app serving it; its urlconf is <app>.urls
    title: str
    role: str
    # Further host labels served by the same app, e.g. a second reporting origin.
    aliases: tuple[str, ...] = ()

    @property
    def urlconf(self) -> str:
        return f"{self.app}.urls"


# The ad tech's measurement partner: another reporting origin on a site of its own.
PARTNER_LABEL = "measure"

PARTIES: tuple[Party, ...] = (
    Party("guide", "", "guide", "Workshop guide", "Steps, live checks and links to every party"),
    Party(
        "publisher",
        "news",
        "publisher",
        "The Daily Byte",
        "Publisher: a news site whose ads register sources",
    ),
    Party(
        "advertiser",
        "shop",
        "advertiser",
        "Trailhead Outfitters",
        "Advertiser: a shop whose pages register triggers",
    ),
    Party(
        "adtech",
        "adtech",
        "adtech",
        "Adtech",
        "Ad tech: serves ads, answers registrations, receives reports",
        # A measurement partner on a site of its own, for redirect chains that register twice.
        aliases=(PARTNER_LABEL,),
    ),
    Party(
        "browser",
        "browser",
        "browser",
        "Simulated browser",
        "Plays Chrome's part: sources, triggers, reports",
    ),
    Party(
        "aggregation",
        "aggregation",
        "aggregation",
        "Aggregation service",
        "Coordinator keys and summary reports",
    ),
)

BY_KEY: dict[str, Party] = {p.key: p for p in PARTIES}

# The parties whose pages call other parties from the page (the shim, ad frames, a page's
# XMLHttpRequest to the ad tech): the origins CORS and CSRF trust besides loopback.
PAGE_PARTIES = ("publisher", "advertiser", "adtech", "guide")


@dataclass(frozen=True)
class Site:
    """Where the demo is served: ``http``, ``localhost``, ``8000`` by default."""

    scheme: str = "http"
    domain: str = "localhost"
    port: int = 8000

    def host(self, label: str) -> str:
        """``news`` → ``news.localhost``; ``""`` → the bare domain."""
        return f"{label}.{self.domain}" if label else self.domain

    def origin_for_host(self, host: str) -> str:
        """The origin of ``host``, with the port left out when it is the scheme's default."""
        default_port = 443 if self.scheme == "https" else 80
        suffix = "" if self.port == default_port else f":{self.port}"
        return f"{self.scheme}://{host}{suffix}"

    def origin(self, label: str) -> str:
        return self.origin_for_host(self.host(label))

    def party_origin(self, key: str) -> str:
        return self.origin(BY_KEY[key].label)

    def party_site(self, key: str) -> str:
        """A party's site, ``http://shop.localhost``: scheme and host, never a port (a site has none)."""
        return f"{self.scheme}://{self.host(BY_KEY[key].label)}"

    def partner_origin(self) -> str:
        """The measurement partner's origin (``http://measure.localhost:8000`` by default)."""
        return self.origin(PARTNER_LABEL)

    def all_origins(self) -> list[str]:
        """Every party's origin and every alias's, in table order."""
        origins = [self.origin(p.label) for p in PARTIES]
        origins += [self.origin(alias) for p in PARTIES for alias in p.aliases]
        return origins

    def page_origins(self) -> list[str]:
        """The origins of the parties whose pages call other parties (CORS and CSRF trust them)."""
        return [self.party_origin(key) for key in PAGE_PARTIES]

    def reporting_origins(self) -> tuple[str, ...]:
        """The reporting origins a real Chrome must enroll: the ad tech and its measurement partner."""
        return (self.party_origin("adtech"), self.partner_origin())

    def coordinator_origin(self) -> str:
        """The local aggregation coordinator (its public keys, the aggregation service)."""
        return self.party_origin("aggregation")

    def party_for_host(self, hostname: str) -> Party | None:
        """The party served on ``hostname`` (no port), or None for a host of no party."""
        hostname = hostname.lower().rstrip(".")
        for p in PARTIES:
            if hostname == self.host(p.label) or any(hostname == self.host(a) for a in p.aliases):
                return p
        return None
