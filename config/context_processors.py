"""Template context shared by every party: the navigation and the current party."""

from django.http import HttpRequest

from browser.origins import party_origins

from .hosts import PARTIES, party, party_url


def parties(request: HttpRequest) -> dict:
    from room.selectors import token_for

    current = getattr(request, "party", None)
    token = token_for(request)
    return {
        "parties": PARTIES,
        "current_party": current,
        "party_url": {p.key: p.url("/") for p in PARTIES},
        "shim_url": party_url("browser", "/shim.js"),
        # What templates/browser/_shim.html puts on the shim's script tag.
        "shim_config": {"browser_origin": party("browser").origin, "trusted_origins": party_origins()},
        # Room mode: the attendee's token (this host's first-party cookie), for the shim's tag.
        "room_token": token,
    }
