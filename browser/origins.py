"""Which page origins may use the simulated browser (its shim, its API, its network service).

The demo's party origins, every loopback origin (``localhost``, ``*.localhost``, ``127.x.x.x``,
``[::1]``, any port and scheme: an engineer's own pages and servers on this machine), and the
origins listed in ``ARA_BROWSER_ALLOWED_ORIGINS``. Not the world: a public web page must not
be able to drive the browser's network service, which makes requests from this machine.
"""

from __future__ import annotations

import re

from django.conf import settings

LOOPBACK_ORIGIN = (
    r"^https?://(localhost|([a-z0-9-]+\.)+localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:\d{1,5})?$"
)
_LOOPBACK = re.compile(LOOPBACK_ORIGIN)


def is_loopback_origin(origin: str) -> bool:
    return bool(_LOOPBACK.match(origin.lower()))


def party_origins() -> list[str]:
    from config.hosts import PARTIES, origin_for_host

    origins = [p.origin for p in PARTIES]
    for p in PARTIES:
        origins += [origin_for_host(f"{alias}.{settings.ARA_DOMAIN}") for alias in p.aliases]
    return origins


def listed_origins() -> list[str]:
    """The party origins, CORS's configured list and ``ARA_BROWSER_ALLOWED_ORIGINS``."""
    extra = getattr(settings, "ARA_BROWSER_ALLOWED_ORIGINS", [])
    return list(dict.fromkeys([*party_origins(), *settings.CORS_ALLOWED_ORIGINS, *extra]))


def is_allowed_page_origin(origin: str) -> bool:
    return origin in listed_origins() or is_loopback_origin(origin)
