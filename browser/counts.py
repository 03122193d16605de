"""The simulated browser's counts for the guide: one profile's, or every attendee's at once.

Every attendee's guide polls them every few seconds and the instructor's page reads the whole
room's, so each is a fixed number of grouped queries however many profiles are asked about.
Read through :mod:`browser.selectors`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from attribution_reporting.reports import FAILED, PENDING, SENT

from . import clock, models, profiles


def summary() -> dict[str, Any]:
    """Counts for the guide's checks: sources by type, registrations, reports by kind and status."""
    profile = profiles.current()
    return summaries([profile])[profile]


def _virtual_now() -> Any:
    """Each row's profile's clock in SQL, as :func:`browser.clock.now_ms` reads it: real time plus
    the offset stored for that profile (none stored: 0)."""
    offset = models.BrowserState.objects.filter(profile=OuterRef("profile")).values("clock_offset_ms")[:1]
    return Value(clock.real_ms()) + Coalesce(Subquery(offset), Value(0))


def summaries(profile_keys: list[str]) -> dict[str, dict[str, Any]]:
    """:func:`summary` of each profile in ``profile_keys``, in three queries however many there are.

    Every attendee's guide polls it, and the instructor's page reads every attendee at once.
    """
    out = {
        key: {"sources": Counter(), "active": 0, "hops": Counter(), "registrations": 0, "reports": {}}
        for key in profile_keys
    }
    sources = (
        models.Source.objects.filter(profile__in=profile_keys)
        .values_list("profile", "source_type")
        .annotate(n=Count("id"), active=Count("id", filter=Q(active=True, expiry_time_ms__gt=_virtual_now())))
        .order_by()
    )
    for profile, source_type, n, active in sources:
        out[profile]["sources"][source_type] += n
        out[profile]["active"] += active
    registrations = (
        models.Registration.objects.filter(profile__in=profile_keys)
        .values_list("profile")
        .annotate(
            n=Count("id", distinct=True),
            source=Count("hops", filter=Q(hops__kind="source")),
            trigger=Count("hops", filter=Q(hops__kind="trigger")),
        )
        .order_by()
    )
    for profile, n, source, trigger in registrations:
        out[profile]["registrations"] = n
        out[profile]["hops"].update(source=source, trigger=trigger)
    reports = (
        models.Report.objects.filter(profile__in=profile_keys)
        .values_list("profile", "kind", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for profile, kind, status, n in reports:
        out[profile]["reports"].setdefault(kind, {})[status] = n
    return {key: _summary(counts) for key, counts in out.items()}


def _summary(counts: dict[str, Any]) -> dict[str, Any]:
    reports: dict[str, dict[str, int]] = counts["reports"]
    return {
        "sources": {"navigation": counts["sources"]["navigation"], "event": counts["sources"]["event"]},
        "active_sources": counts["active"],
        "source_registrations": counts["hops"]["source"],
        "trigger_registrations": counts["hops"]["trigger"],
        "registrations": counts["registrations"],
        "reports": reports,
        "reports_total": sum(sum(v.values()) for v in reports.values()),
        "reports_pending": sum(by_status.get(PENDING, 0) for by_status in reports.values()),
        "reports_sent": sum(by_status.get(SENT, 0) for by_status in reports.values()),
        "reports_failed": sum(by_status.get(FAILED, 0) for by_status in reports.values()),
    }


def sent_report_ids() -> list[str]:
    """The current profile's reports that were delivered: what the reporting origin got from it."""
    mine = models.Report.objects.filter(profile=profiles.current(), status=SENT)
    return list(mine.values_list("report_id", flat=True))


def sent_report_ids_of(profile_keys: list[str]) -> dict[str, list[str]]:
    """:func:`sent_report_ids` of each profile in ``profile_keys``, in one query."""
    out: dict[str, list[str]] = {key: [] for key in profile_keys}
    sent = models.Report.objects.filter(profile__in=profile_keys, status=SENT).order_by()
    for profile, report_id in sent.values_list("profile", "report_id"):
        out[profile].append(report_id)
    return out
