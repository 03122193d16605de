"""Which page origins may use the simulated browser (its shim, its API, its network service).

The demo's party origins, every loopback origin (``localhost``, ``*.localhost``, ``127.x.x.x``,
``[::1]``, any port and scheme: an engineer's own pages and servers on this machine), and the
origins listed in ``ARA_BROWSER_ALLOWED_ORIGINS``. Not the world: a public web page must not
be able to drive the browser's network service, which makes requests from this machine.
"""

from __future__ import annotations

from django.conf import settings

from config.hosts import current_site
from config.loopback import is_loopback_origin


def party_origins() -> list[str]:
    """Every party's origin and every alias's (the shim trusts messages from these)."""
    return current_site().all_origins()


def listed_origins() -> list[str]:
    """The party origins, CORS's configured list and ``ARA_BROWSER_ALLOWED_ORIGINS``."""
    extra = settings.ARA_BROWSER_ALLOWED_ORIGINS
    return list(dict.fromkeys([*party_origins(), *settings.CORS_ALLOWED_ORIGINS, *extra]))


def is_allowed_page_origin(origin: str) -> bool:
    return origin in listed_origins() or is_loopback_origin(origin)
