"""Triggers wait for the navigation that led to their page, as Chrome's do.

In Chrome a click's source registrations run in the background, in parallel with the
navigation; a trigger registered by the page the navigation lands on is held until those
registrations are done (at most 10 seconds, Chromium's ``kDeferredReceiversTimeout``), so the
click's source is there to be attributed. That holds whether the link opened in the same tab
or in a new one.

The simulated browser knows each navigation's destination (:mod:`browser.navigation` records
it when the navigation passes through it), not which tab the trigger's page is in; so a trigger
waits for every pending navigation registration of the same profile whose destination is the
trigger's top-level site and that started less than the timeout ago.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.utils import timezone

from . import models

TIMEOUT_S = 10.0  # Chromium: kDeferredReceiversTimeout
POLL_S = 0.05


def pending_navigations(site: str, *, profile: str) -> models.QuerySet:
    since = timezone.now() - timedelta(seconds=TIMEOUT_S)
    return models.Registration.objects.filter(
        pending=True, destination_site=site, profile=profile, created_at__gte=since
    )


def wait_for_navigations(site: str, *, profile: str, timeout_s: float = TIMEOUT_S) -> str:
    """Blocks while a navigation to ``site`` still registers sources; says what happened ("" if none)."""
    start = time.monotonic()
    if not pending_navigations(site, profile=profile).exists():
        return ""
    while time.monotonic() - start < timeout_s:
        time.sleep(POLL_S)
        if not pending_navigations(site, profile=profile).exists():
            waited_ms = int((time.monotonic() - start) * 1000)
            return (
                f"This trigger waited {waited_ms} ms for the source registrations of the navigation to "
                f"{site}, as Chrome holds a trigger until its page's navigation has registered its sources."
            )
    return (
        f"A navigation to {site} was still registering sources after {timeout_s:g} s; the trigger went "
        "ahead without waiting longer, as Chrome's does after its timeout."
    )
