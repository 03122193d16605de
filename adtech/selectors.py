"""The ad tech's read operations: what the dashboard, the API and the batching read."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from django.db.models import Count, QuerySet

from . import browsers
from .keyscheme import KeyScheme
from .models import AggregationSettings, Campaign, ConversionEvent, Creative, ReceivedReport, Registration
from .statuses import RegistrationStatus, ReportStatus

# ?type= values of the API: the kinds, plus a few friendly aliases.
TYPE_ALIASES = {
    "event": ReceivedReport.EVENT_LEVEL,
    "aggregate": ReceivedReport.AGGREGATABLE,
    "verbose": ReceivedReport.VERBOSE_DEBUG,
    "aggregatable-debug": ReceivedReport.AGGREGATE_DEBUG,
}
KINDS = [k for k, _ in ReceivedReport.KIND_CHOICES]


def campaigns() -> QuerySet[Campaign]:
    """Every campaign with its creatives, in code order (the dashboard, the settings list, the API)."""
    return Campaign.objects.prefetch_related("creatives")


def creative_to_serve(slug: str | None) -> Creative | None:
    """The ad to serve: the named active creative, else any active one; None when none is active."""
    creatives = Creative.objects.filter(active=True, campaign__active=True).select_related("campaign")
    creative = creatives.filter(slug=slug).first() if slug else None
    if creative is None:
        choices = list(creatives)
        if not choices:
            return None
        creative = random.choice(choices)  # noqa: S311 - which ad to show is not a secret
    return creative


def aggregation_settings() -> AggregationSettings:
    """The stored key scheme and value scaling, or the defaults (unsaved) before anything is saved."""
    return AggregationSettings.objects.first() or AggregationSettings(
        source_dimensions=list(KeyScheme().source_dimensions),
        trigger_dimensions=list(KeyScheme().trigger_dimensions),
    )


def conversion_events() -> QuerySet[ConversionEvent]:
    return ConversionEvent.objects.all()


def unbatched_aggregatable_reports() -> QuerySet[ReceivedReport]:
    """Processed, non-duplicate aggregatable attribution reports not yet in an aggregation job."""
    return ReceivedReport.objects.filter(
        kind=ReceivedReport.AGGREGATABLE, status=ReceivedReport.PROCESSED, batch_job_id__isnull=True
    ).order_by("pk")


def reports(kind: str | None = None, browser: str | None = None) -> QuerySet[ReceivedReport]:
    """Received reports, newest first, optionally of one kind and one sender (ValueError for unknown ones)."""
    qs = ReceivedReport.objects.select_related("campaign", "creative").order_by("-pk")
    if browser:
        senders = (browsers.CHROME, browsers.SIMULATED, browsers.OTHER)
        if browser not in senders:
            raise ValueError(f"unknown browser {browser!r}; use one of {', '.join(senders)}")
        qs = qs.filter(browser=browser)
    if kind:
        kind = TYPE_ALIASES.get(kind, kind)
        if kind not in KINDS:
            raise ValueError(f"unknown report type {kind!r}; use one of {', '.join(KINDS)}")
        qs = qs.filter(kind=kind)
    return qs


def conversions_by_campaign() -> list[dict[str, Any]]:
    """Per campaign and conversion event: event-level reports and aggregatable contributions seen."""
    table: dict[tuple[str, str], Counter] = {}
    counted = ReceivedReport.objects.filter(
        status=ReceivedReport.PROCESSED, kind__in=[ReceivedReport.EVENT_LEVEL, ReceivedReport.AGGREGATABLE]
    ).select_related("campaign")
    for report in counted.only("kind", "event", "campaign__slug", "debug_contributions"):
        key = (report.campaign.slug if report.campaign else "", report.event or "")
        row = table.setdefault(key, Counter())
        if report.kind == ReceivedReport.EVENT_LEVEL:
            row["event_level_reports"] += 1
        else:
            row["aggregatable_reports"] += 1
            for c in report.debug_contributions or []:
                measure = (c["bucket"] >> 120) & 0xFF
                row["debug_value_sum" if measure == 2 else "debug_count_sum"] += c["value"]
    return [
        {
            "campaign": campaign or None,
            "campaign_note": None if campaign else UNKNOWN_CAMPAIGN,
            "event": event or None,
            **counts,
        }
        for (campaign, event), counts in sorted(table.items())
    ]


def by_browser() -> dict[str, dict[str, Any]]:
    """Per sender (chrome, simulated, other): registrations by kind and reports by kind.

    The guide reads this to tick steps off for a real Chrome, whose sources and reports never
    pass through the simulated browser.
    """
    out: dict[str, dict[str, Any]] = {}

    def entry(key: str) -> dict[str, Any]:
        return out.setdefault(key or "unknown", {"registrations": {}, "reports": {}})

    answered = Registration.objects.filter(status=RegistrationStatus.ANSWERED)
    for row in answered.values("browser", "kind").annotate(n=Count("id")):
        entry(row["browser"])["registrations"][row["kind"]] = row["n"]
    for row in answered.filter(kind="source").values("browser", "eligibility"):
        # A source answered to a request eligible for navigation sources is one (registrations.py).
        kind = "navigation" if "navigation-source" in (row["eligibility"] or []) else "event"
        counts = entry(row["browser"])["registrations"]
        counts[f"source:{kind}"] = counts.get(f"source:{kind}", 0) + 1
    for row in ReceivedReport.objects.values("browser", "kind").annotate(n=Count("id")):
        entry(row["browser"])["reports"][row["kind"]] = row["n"]
    return out


def latest_reports(per_browser: int = 3) -> list[dict[str, Any]]:
    """Each sender's newest event-level and aggregatable reports, for the guide's "which browser sent what"."""
    rows = []
    for key in (browsers.CHROME, browsers.SIMULATED, browsers.OTHER):
        mine = ReceivedReport.objects.filter(
            browser=key, kind__in=[ReceivedReport.EVENT_LEVEL, ReceivedReport.AGGREGATABLE]
        ).select_related("campaign")
        rows += list(mine.order_by("-pk")[:per_browser])
    return [
        {
            "id": r.pk,
            "kind": r.kind,
            "kind_label": r.get_kind_display(),
            "received_at": r.received_at.isoformat(),
            "campaign": r.campaign.slug if r.campaign else None,
            "event": r.event or None,
            "browser": sender_as_json(r.user_agent),
        }
        for r in rows
    ]


def sender_as_json(user_agent: str) -> dict[str, str]:
    sender = browsers.identify(user_agent)
    return {"key": sender.key or "unknown", "label": sender.label, "explanation": sender.explanation}


# Why a report can have no campaign: the dashboard says it in the campaign's place.
UNKNOWN_CAMPAIGN = (
    "not known: an aggregatable report without debug cleartext is encrypted, and only a summary report "
    "can tell its campaign (through the key scheme's campaign byte)"
)


def dashboard_summary() -> dict[str, Any]:
    """Reports received by kind (and status), conversions per campaign, registrations answered.

    ``reports_by_kind`` counts distinct reports: a later copy of a report (same kind and
    report_id) is listed under its status ``duplicate`` but not counted again.
    """
    by_kind, by_status = _reports_by_kind_and_status()
    registrations = {
        f"{row['kind']}:{row['status']}": row["n"]
        for row in Registration.objects.values("kind", "status").annotate(n=Count("id"))
    }
    return {
        "by_browser": by_browser(),
        "latest_reports": latest_reports(),
        "reports_by_kind": by_kind,
        "reports_by_status": by_status,
        "conversions": conversions_by_campaign(),
        "registrations": registrations,
        "unbatched_aggregatable": unbatched_aggregatable_reports().count(),
        "campaigns": list(Campaign.objects.values_list("slug", flat=True)),
    }


def _reports_by_kind_and_status() -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Distinct reports by kind (copies not counted again), and every report by kind and status."""
    by_kind = {k: 0 for k in KINDS}
    by_status: dict[str, dict[str, int]] = {k: {} for k in KINDS}
    for row in ReceivedReport.objects.values("kind", "status").annotate(n=Count("id")):
        if row["status"] != ReceivedReport.DUPLICATE:
            by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + row["n"]
        by_status.setdefault(row["kind"], {})[row["status"]] = row["n"]
    return by_kind, by_status


def sender_summary() -> dict[str, Any]:
    """What the guide's steps read: reports by kind, each sender's registrations and reports, the
    newest reports.

    Every attendee's guide polls it every few seconds, so it leaves out what only the dashboard
    shows (the per-campaign table is a pass over every processed report of the room).
    """
    by_kind, _ = _reports_by_kind_and_status()
    return {"by_browser": by_browser(), "latest_reports": latest_reports(), "reports_by_kind": by_kind}


def received_by_kind(report_ids: list[str]) -> dict[str, int]:
    """How many of ``report_ids`` arrived, by kind (distinct reports, copies not counted again).

    The ad tech knows reports only by their ``report_id``, as from Chrome: whoever sent them can
    ask which of its own arrived.
    """
    counts: dict[str, int] = {}
    rows = ReceivedReport.objects.filter(report_id__in=report_ids).exclude(status=ReceivedReport.DUPLICATE)
    for kind, n in rows.values_list("kind").annotate(n=Count("id")).order_by():
        counts[kind] = counts.get(kind, 0) + n
    return counts


def summary_jobs_for(report_ids: list[str]) -> dict[str, int]:
    """The aggregation jobs that batched any of ``report_ids``, with how many of them each took.

    A sender that knows its own report ids (an attendee's browser in room mode) can tell which
    summary reports its contributions went into, without the ad tech knowing who it is.
    """
    rows = (
        ReceivedReport.objects.filter(
            kind=ReceivedReport.AGGREGATABLE, report_id__in=report_ids, batch_job_id__isnull=False
        )
        .exclude(status=ReceivedReport.DUPLICATE)
        .values_list("batch_job_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


def report_as_json(report: ReceivedReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "kind": report.kind,
        "kind_label": report.get_kind_display(),
        "received_at": report.received_at.isoformat(),
        "reporting_origin": report.reporting_origin,
        "status": report.status,
        "category": ReportStatus.category_of(report.status),
        "error": report.error,
        "report_id": report.report_id,
        "duplicate_of": report.duplicate_of_id,
        "campaign": report.campaign.slug if report.campaign else None,
        "creative": report.creative.slug if report.creative else None,
        "event": report.event or None,
        "decoded": report.decoded,
        "batch_job_id": report.batch_job_id,
        "body": report.body,
        "browser": sender_as_json(report.user_agent),
        "user_agent": report.user_agent,
    }


def registration_as_json(reg: Registration) -> dict[str, Any]:
    return {
        "id": reg.pk,
        "received_at": reg.received_at.isoformat(),
        "kind": reg.kind,
        "url": reg.url,
        "status": reg.status,
        "category": RegistrationStatus.category_of(reg.status),
        "reporting_origin": reg.reporting_origin,
        "context_origin": reg.context_origin,
        "eligible_header": reg.eligible_header if reg.eligible_present else None,
        "answered_header": reg.answered_header,
        "header_value": reg.header_value,
        "redirect_to": reg.redirect_to,
        "reason": reg.reason,
        "campaign": reg.campaign.slug if reg.campaign else None,
        "event": reg.event or None,
        "browser": sender_as_json(reg.user_agent),
        "user_agent": reg.user_agent,
    }


def dashboard_data(limit: int = 40) -> dict[str, Any]:
    """Everything the live dashboard shows, in one JSON-able dict."""
    recent = list(reports()[:limit])
    regs = list(Registration.objects.select_related("campaign").order_by("-pk")[:limit])
    return {
        "summary": dashboard_summary(),
        "reports": [report_as_json(r) for r in recent],
        "registrations": [registration_as_json(r) for r in regs],
    }
