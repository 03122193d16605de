"""Per-attendee limits in room mode: a clear 429 for one attendee, never a slower room."""

from __future__ import annotations

from django.conf import settings

from browser import selectors as browser_selectors

RETRY_AFTER_S = 60


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
