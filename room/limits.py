"""Room mode's limits: a clear 429 for one attendee or one client, never a slower room."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from browser import selectors as browser_selectors

from .models import Attendee

RETRY_AFTER_S = 60


def join_refusal(client: str) -> str | None:
    """Why a client (its keyed address hash) may not join now (None: it may).

    Every join makes a profile; without a bound a script could join until the server is full.
    """
    joined = Attendee.objects.count()
    if joined >= settings.ARA_ROOM_MAX_ATTENDEES:
        return (
            f"the room is full: {joined} attendees joined, the most this room takes "
            f"(ARA_ROOM_MAX_ATTENDEES={settings.ARA_ROOM_MAX_ATTENDEES}). Ask the instructor."
        )
    since = timezone.now() - timedelta(seconds=RETRY_AFTER_S)
    recent = Attendee.objects.filter(client=client, joined_at__gte=since).count()
    if recent >= settings.ARA_ROOM_JOINS_PER_MINUTE:
        return (
            f"{recent} joins came from your address in the last minute; the room allows "
            f"{settings.ARA_ROOM_JOINS_PER_MINUTE} per minute per address (ARA_ROOM_JOINS_PER_MINUTE). "
            "If you joined already, go on from the guide; otherwise wait a minute and join again."
        )
    return None


def refusal(profile: str) -> str | None:
    """Why ``profile`` may not register now (None: it may)."""
    activity = browser_selectors.activity(profile, within_s=60)
    if activity["registrations_last_minute"] >= settings.ARA_ROOM_REGISTRATIONS_PER_MINUTE:
        return (
            f"this attendee's browser made {activity['registrations_last_minute']} registrations in the last "
            f"minute; the room allows {settings.ARA_ROOM_REGISTRATIONS_PER_MINUTE} per minute per attendee "
            "(ARA_ROOM_REGISTRATIONS_PER_MINUTE). Wait a minute and try again."
        )
    if activity["sources"] >= settings.ARA_ROOM_MAX_SOURCES:
        return (
            f"this attendee's browser holds {activity['sources']} sources, the room's limit per attendee "
            f"(ARA_ROOM_MAX_SOURCES={settings.ARA_ROOM_MAX_SOURCES}). Reset your browser from the guide to "
            "start over."
        )
    return None
