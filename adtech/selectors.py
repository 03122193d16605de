"""The ad tech's read operations: what the dashboard, the API and the batching read."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from config.room_cache import ROOM_WIDE

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
KIND_LABELS = dict(ReceivedReport.KIND_CHOICES)


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
    ).order_by()
    # Plain rows, not model instances: the dashboard polls this, and it reads every counted report.
    for kind, slug, event, contributions in counted.values_list(
        "kind", "campaign__slug", "event", "debug_contributions"
    ):
        row = table.setdefault((slug or "", event or ""), Counter())
        if kind == ReceivedReport.EVENT_LEVEL:
            row["event_level_reports"] += 1
        else:
            row["aggregatable_reports"] += 1
            for c in contributions or []:
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
    return _by_browser(_registration_counts(), _report_counts())


def _registration_counts() -> list[tuple[str, str, str, Any, int]]:
    """Registrations by sender, kind, status and eligibility, in one query (a few rows, however many)."""
    return list(
        Registration.objects.values_list("browser", "kind", "status", "eligibility")
        .annotate(n=Count("id"))
        .order_by()
    )


def _report_counts() -> list[tuple[str, str, str, int, int]]:
    """Received reports by sender, kind and status, with how many of each are in no batch yet."""
    return list(
        ReceivedReport.objects.values_list("browser", "kind", "status")
        .annotate(n=Count("id"), unbatched=Count("id", filter=Q(batch_job_id__isnull=True)))
        .order_by()
    )


def _by_browser(registrations: list[tuple], reports: list[tuple]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}

    def entry(key: str) -> dict[str, Any]:
        return out.setdefault(key or "unknown", {"registrations": {}, "reports": {}})

    for browser, kind, status, eligibility, n in registrations:
        if status != RegistrationStatus.ANSWERED:
            continue
        counts = entry(browser)["registrations"]
        counts[kind] = counts.get(kind, 0) + n
        if kind == "source":
            # A source answered to a request eligible for navigation sources is one (registrations.py).
            source = "navigation" if "navigation-source" in (eligibility or []) else "event"
            counts[f"source:{source}"] = counts.get(f"source:{source}", 0) + n
    for browser, kind, _status, n, _unbatched in reports:
        counts = entry(browser)["reports"]
        counts[kind] = counts.get(kind, 0) + n
    return out


def latest_reports(per_browser: int = 3) -> list[dict[str, Any]]:
    """Each sender's newest event-level and aggregatable reports, for the guide's "which browser sent what"."""
    senders = (browsers.CHROME, browsers.SIMULATED, browsers.OTHER)
    newest = (
        ReceivedReport.objects.filter(
            browser__in=senders, kind__in=[ReceivedReport.EVENT_LEVEL, ReceivedReport.AGGREGATABLE]
        )
        .annotate(rank=Window(RowNumber(), partition_by=[F("browser")], order_by=F("pk").desc()))
        .filter(rank__lte=per_browser)
        .values_list("pk", "browser", "kind", "received_at", "campaign__slug", "event", "user_agent")
    )
    rows = sorted(newest, key=lambda r: (senders.index(r[1]), -r[0]))
    return [
        {
            "id": pk,
            "kind": kind,
            "kind_label": KIND_LABELS.get(kind, kind),
            "received_at": received_at.isoformat(),
            "campaign": campaign,
            "event": event or None,
            "browser": sender_as_json(user_agent),
        }
        for pk, _browser, kind, received_at, campaign, event, user_agent in rows
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
    registration_counts, report_counts = _registration_counts(), _report_counts()
    by_kind, by_status = _reports_by_kind_and_status(report_counts)
    registrations: dict[str, int] = {}
    for _browser, kind, status, _eligibility, n in registration_counts:
        registrations[f"{kind}:{status}"] = registrations.get(f"{kind}:{status}", 0) + n
    return {
        "by_browser": _by_browser(registration_counts, report_counts),
        "latest_reports": latest_reports(),
        "reports_by_kind": by_kind,
        "reports_by_status": by_status,
        "conversions": conversions_by_campaign(),
        "registrations": registrations,
        "unbatched_aggregatable": sum(
            unbatched
            for _browser, kind, status, _n, unbatched in report_counts
            if kind == ReceivedReport.AGGREGATABLE and status == ReceivedReport.PROCESSED
        ),
        "campaigns": list(Campaign.objects.values_list("slug", flat=True)),
    }


def _reports_by_kind_and_status(rows: list[tuple]) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Distinct reports by kind (copies not counted again), and every report by kind and status."""
    by_kind = {k: 0 for k in KINDS}
    by_status: dict[str, dict[str, int]] = {k: {} for k in KINDS}
    for _browser, kind, status, n, _unbatched in rows:
        if status != ReceivedReport.DUPLICATE:
            by_kind[kind] = by_kind.get(kind, 0) + n
        statuses = by_status.setdefault(kind, {})
        statuses[status] = statuses.get(status, 0) + n
    return by_kind, by_status


def sender_summary() -> dict[str, Any]:
    """What the guide's steps read: reports by kind, each sender's registrations and reports, the
    newest reports.

    Every attendee's guide polls it every few seconds, so it leaves out what only the dashboard
    shows (the per-campaign table is a pass over every processed report of the room).
    """
    registration_counts, report_counts = _registration_counts(), _report_counts()
    by_kind, _ = _reports_by_kind_and_status(report_counts)
    return {
        "by_browser": _by_browser(registration_counts, report_counts),
        "latest_reports": latest_reports(),
        "reports_by_kind": by_kind,
    }


def received_reports(report_ids: list[str]) -> list[dict[str, Any]]:
    """Which of ``report_ids`` arrived: per report id, kind and the aggregation job that batched
    it (None before one did), how many received reports count (a later copy is not counted again).

    The ad tech knows reports only by their ``report_id``, as from Chrome: whoever sent them can
    ask which of its own arrived, and which summary reports took them, without saying who it is.
    """
    rows = (
        ReceivedReport.objects.filter(report_id__in=report_ids)
        .exclude(status=ReceivedReport.DUPLICATE)
        .values_list("report_id", "kind", "batch_job_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [{"report_id": r, "kind": k, "batch_job_id": job, "count": n} for r, k, job, n in rows]


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
    """Everything the live dashboard shows, in one JSON-able dict.

    In a room every attendee's dashboard polls it, and it is the same for all of them: each
    process works it out at most once per ``ARA_ROOM_SHARED_TTL`` seconds (``config.room_cache``).
    """
    return ROOM_WIDE.get(f"adtech.dashboard:{limit}", lambda: _dashboard_data(limit))


# What a report row holds that the dashboard does not show (the encrypted payload is most of it).
NOT_ON_THE_DASHBOARD = ("payload", "key_id", "shared_info", "debug_contributions")


def _dashboard_data(limit: int) -> dict[str, Any]:
    recent = list(reports().defer(*NOT_ON_THE_DASHBOARD)[:limit])
    regs = list(Registration.objects.select_related("campaign").order_by("-pk")[:limit])
    return {
        "summary": dashboard_summary(),
        "reports": [report_as_json(r) for r in recent],
        "registrations": [registration_as_json(r) for r in regs],
    }
