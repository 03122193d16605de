"""Who is asking (their profile, from their token) and how far every attendee got."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from browser import profiles

from . import tokens
from .models import Attendee


class NoProfile(Exception):
    """In room mode, the request carries no token, or one this server did not sign."""


def profile_for(request: HttpRequest) -> str:
    """The request's profile: ``default`` when room mode is off; else the one its token names.

    Raises :class:`NoProfile` (with the reason) in room mode for a missing or forged token.
    """
    if not settings.ARA_ROOM:
        return profiles.DEFAULT
    token = tokens.token_from(request)
    if not token:
        raise NoProfile(
            "this server runs in room mode and the request names no attendee: join the room first at "
            f"{join_url()} (pages pass the attendee's token as ?profile=... or in the "
            f"{tokens.COOKIE} cookie)"
        )
    try:
        return tokens.unsign(token)
    except tokens.BadToken as exc:
        raise NoProfile(f"{exc}; join the room again at {join_url()}") from None


def token_for(request: HttpRequest) -> str:
    """The request's valid token ('' when room mode is off or it has none): what pages pass on."""
    if not settings.ARA_ROOM:
        return ""
    token = tokens.token_from(request)
    try:
        tokens.unsign(token)
    except tokens.BadToken:
        return ""
    return token


def client_address(request: HttpRequest) -> str:
    """The joining client's address: the peer's, or behind a trusted proxy the one it appended.

    Only the last ``X-Forwarded-For`` entry is the proxy's own; earlier ones are the client's
    word and could be anything, so they are not counted on.
    """
    if settings.ARA_TRUST_X_FORWARDED_FOR:
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


def join_url() -> str:
    from config.hosts import party_url

    return party_url("guide", "/room/join")


def attendees() -> list[str]:
    return list(Attendee.objects.values_list("profile", flat=True))


def progress() -> dict[str, Any]:
    """Every attendee's steps and counts, from their own profile; the instructor page polls it."""
    from guide import services as guide_services

    rows = []
    joined = dict(Attendee.objects.values_list("profile", "joined_at"))
    for profile, status, browser in guide_services.attendees_status(list(joined)):
        reached = next((s["number"] for s in status["steps"] if not s["done"]), status["total"])
        rows.append(
            {
                "profile": profile,
                "joined_at": joined[profile].isoformat(),
                "done": status["done"],
                "total": status["total"],
                "step_reached": reached,
                "sources": sum(browser.get("sources", {}).values()),
                "triggers": browser.get("trigger_registrations", 0),
                "reports": browser.get("reports_total", 0),
                "reports_sent": browser.get("reports_sent", 0),
            }
        )
    return {
        "attendees": rows,
        "joined": len(rows),
        "finished": sum(1 for r in rows if r["done"] == r["total"]),
    }
