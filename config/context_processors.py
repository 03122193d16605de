"""Template context shared by every party: the navigation and the current party."""

from urllib.parse import urlencode

from django.http import HttpRequest

from .hosts import PARTIES, party_url


def parties(request: HttpRequest) -> dict:
    from room.selectors import token_for

    current = getattr(request, "party", None)
    # Room mode: the attendee's token (this host's first-party cookie) goes to the shim.
    token = token_for(request)
    shim_url = party_url("browser", "/shim.js")
    return {
        "parties": PARTIES,
        "current_party": current,
        "party_url": {p.key: p.url("/") for p in PARTIES},
        "shim_url": shim_url + ("?" + urlencode({"profile": token}) if token else ""),
        "room_token": token,
    }
