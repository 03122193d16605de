"""Template context shared by every party: the navigation and the current party."""

from django.http import HttpRequest

from .hosts import PARTIES, party_url


def parties(request: HttpRequest) -> dict:
    current = getattr(request, "party", None)
    return {
        "parties": PARTIES,
        "current_party": current,
        "party_url": {p.key: p.url("/") for p in PARTIES},
        "shim_url": party_url("browser", "/shim.js"),
    }
