"""Joining the room, carrying the profile to every party, resetting; the instructor's key."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import connection, transaction
from django.utils.crypto import salted_hmac

from browser import services as browser_services
from config.hosts import PARTIES, origin_for_host, party

from . import limits, tokens
from .models import Attendee

PROFILE_PATH = "/.well-known/attributionlab/profile"
COOKIE_MAX_AGE_S = 7 * 86_400
JOIN_SALT = "attributionlab.room.join-client"
JOIN_LOCK = 0x41524A4E  # the advisory lock joins take on PostgreSQL ("ARJN")


class RoomOff(Exception):
    """Room mode is off: everyone is the ``default`` profile, there is nothing to join."""


class JoinRefused(Exception):
    """Over the joins per address per minute, or the room is full; the message says which."""


@dataclass(frozen=True)
class Joined:
    profile: str
    token: str

    def cookies(self) -> dict[str, str]:
        """The ``attributionlab-profile`` cookie every party host holds for this attendee."""
        return {host: self.token for host in party_hosts()}


def party_hosts() -> list[str]:
    """Every host the attendee's profile is carried to (each party is a site of its own)."""
    hosts = []
    for p in PARTIES:
        hosts.append(p.host)
        hosts += [f"{alias}.{settings.ARA_DOMAIN}" for alias in p.aliases]
    return hosts


def join(client_address: str = "") -> Joined:
    """A new attendee: a fresh profile and its signed token, within the room's join limits.

    Raises :class:`JoinRefused` over ``ARA_ROOM_JOINS_PER_MINUTE`` joins from the address in
    the last minute or ``ARA_ROOM_MAX_ATTENDEES`` in all. The check and the new row commit
    together, under a lock on PostgreSQL, so concurrent joins cannot all slip under a limit.
    """
    if not settings.ARA_ROOM:
        raise RoomOff("room mode is off (set ARA_ROOM=1): everyone shares the default profile")
    client = client_key(client_address)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [JOIN_LOCK])
        reason = limits.join_refusal(client)
        if reason:
            raise JoinRefused(reason)
        profile = tokens.new_profile_id()
        Attendee.objects.create(profile=profile, client=client)
    return Joined(profile, tokens.sign(profile))


def client_key(address: str) -> str:
    """A keyed hash of a client's address: joins are counted per address, the address is not kept."""
    return salted_hmac(JOIN_SALT, address or "unknown", algorithm="sha256").hexdigest()[:32]


def chain_url(token: str, final: str | None = None) -> str:
    """The first hop of the redirect chain that stores ``token`` on every party host but the guide.

    Each hop is ``/.well-known/attributionlab/profile?token=...&next=...`` on one host, which
    sets that host's first-party cookie and goes on; the last goes to ``final`` (the guide).
    """
    url = final or party("guide").url("/")
    guide_host = party("guide").host
    for host in reversed(party_hosts()):
        if host == guide_host:
            continue
        url = origin_for_host(host) + PROFILE_PATH + "?" + urlencode({"token": token, "next": url})
    return url


def is_party_url(url: str) -> bool:
    """Whether ``url`` is on one of the parties' origins (the chain redirects nowhere else)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    origin = f"{parts.scheme}://{parts.netloc}"
    return any(origin == origin_for_host(host) for host in party_hosts())


def set_profile_cookie(response, token: str) -> None:
    """The first-party cookie: sent in cross-site frames too (an ad tech's iframe needs it)."""
    response.set_cookie(
        tokens.COOKIE, token, max_age=COOKIE_MAX_AGE_S, secure=True, samesite="None", httponly=False
    )


def reset_attendee(profile: str) -> dict[str, int]:
    """One attendee starts over: their simulated browser only (the ad tech's data is shared)."""
    return browser_services.clear_profile_data(profile)


def reset_room() -> dict[str, dict]:
    """The instructor's reset: every party's data, every attendee's browser; attendees stay joined."""
    from guide import services as guide_services

    return guide_services.clear_parties()


def instructor_key() -> str:
    """``ARA_ROOM_INSTRUCTOR_KEY``, or one generated once into the var directory."""
    if settings.ARA_ROOM_INSTRUCTOR_KEY:
        return settings.ARA_ROOM_INSTRUCTOR_KEY
    path = Path(settings.VAR_DIR) / "room-instructor-key"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(18)
    try:
        with open(path, "x", encoding="ascii") as f:  # another process may win the race
            f.write(key)
        path.chmod(0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    return key


def instructor_key_matches(given: str) -> bool:
    return bool(given) and secrets.compare_digest(given.encode(), instructor_key().encode())
