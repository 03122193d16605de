"""An attendee's profile token: the profile id, signed by the server.

Every party stores it as a first-party cookie and hands it to the simulated browser with
each request (``profile=<token>``); the browser accepts only tokens this server signed, so a
made-up or altered profile id is refused and nobody reaches another attendee's browser.
"""

from __future__ import annotations

import re
import secrets

from django.core import signing

COOKIE = "attributionlab-profile"
PARAM = "profile"
SALT = "attributionlab.room.profile"
_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class BadToken(Exception):
    """The token was not signed by this server, or was altered."""


def new_profile_id() -> str:
    """A fresh profile id: 12 URL-safe characters (72 random bits)."""
    return secrets.token_urlsafe(9)


def sign(profile: str) -> str:
    return signing.Signer(salt=SALT).sign(profile)


def unsign(token: str) -> str:
    """The profile id in ``token``; :class:`BadToken` when forged, altered or malformed."""
    try:
        profile = signing.Signer(salt=SALT).unsign(token or "")
    except signing.BadSignature:
        raise BadToken("the profile token is forged or altered (its signature does not match)") from None
    if not _ID.match(profile):
        raise BadToken("the profile token names no valid profile")
    return profile


def token_from(request) -> str:
    """The token a request carries: the ``profile`` query parameter, else the first-party cookie."""
    return request.GET.get(PARAM) or request.COOKIES.get(COOKIE) or ""
