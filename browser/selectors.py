"""Read-only views of the simulated browser's state, as JSON-ready dicts.

The internals pages, the JSON API and the workshop guide's checks all read through here.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from django.conf import settings

from attribution_reporting.reports import AGGREGATABLE, EVENT_LEVEL

from . import attribution, clock, cookies, coordinator, models, profiles
from .counts import sent_report_ids as sent_report_ids  # re-exported: the guide reads the counts here
from .counts import sent_report_ids_of as sent_report_ids_of  # re-exported
from .counts import summaries as summaries  # re-exported
from .counts import summary as summary  # re-exported (state() reads it too)
from .statuses import NavigationState, ReportStatus, SourceStatus, hop_category
from .storage import DatabaseStorage


def jsonable(value: Any) -> Any:
    """Strict-JSON copy: non-finite floats (an infinite epsilon) become strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return "Infinity" if value > 0 else ("-Infinity" if value < 0 else "NaN")
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _mine(model: type) -> Any:
    """The current profile's rows of ``model``: a profile sees only its own state."""
    return model.objects.filter(profile=profiles.current())


def _my_hops() -> Any:
    return models.RegistrationHop.objects.filter(registration__profile=profiles.current())


def _iso(ms: int | None) -> str | None:
    dt = clock.as_datetime(ms)
    return dt.isoformat().replace("+00:00", "Z") if dt else None


def next_report_time() -> int | None:
    """When the earliest pending report is due (virtual clock ms), or None when none waits."""
    return DatabaseStorage().next_report_time()


def activity(profile: str, *, within_s: int = 60) -> dict[str, int]:
    """How much one profile holds and did lately: room mode's per-attendee limits read this."""
    from datetime import timedelta

    from django.utils import timezone

    since = timezone.now() - timedelta(seconds=within_s)
    return {
        "sources": models.Source.objects.filter(profile=profile).count(),
        "registrations_last_minute": models.Registration.objects.filter(
            profile=profile, created_at__gte=since
        ).count(),
    }


def state() -> dict[str, Any]:
    """The API state block of the internals page."""
    offset = clock.offset_ms()
    now = clock.real_ms() + offset
    next_time = next_report_time()
    return {
        "now_ms": now,
        "now": _iso(now),
        "real_now_ms": now - offset,
        "clock_offset_ms": offset,
        "debug_mode": clock.debug_mode(),
        "third_party_cookies": cookies.third_party_cookies_allowed(),
        "next_report_time_ms": next_time,
        "next_report_time": _iso(next_time),
        "coordinator_origins": list(attribution.demo_config().aggregation_coordinator_origins),
        "coordinator_keys_url": coordinator.keys_url(),
        "summary": summary(),
    }


def _source_status(data: dict[str, Any], now: int) -> SourceStatus:
    if not data.get("active", True):
        return SourceStatus.DEACTIVATED
    if data["expiry_time_ms"] <= now:
        return SourceStatus.EXPIRED
    if not data.get("event_level_attributable", True):
        return SourceStatus.NOISED
    if data.get("num_event_reports", 0) >= data.get("max_event_level_reports", 0) > 0:
        return SourceStatus.REPORT_LIMIT
    return SourceStatus.ACTIVE


def source_json(row: models.Source, now: int) -> dict[str, Any]:
    data = json.loads(row.data)
    data = {
        **data,
        "status": (status := _source_status(data, now)),
        "category": status.category,
        "source_time": _iso(data["source_time_ms"]),
        "expiry_time": _iso(data["expiry_time_ms"]),
        "event_report_window_ends": [_iso(t) for t in data.get("event_report_window_ends_ms", [])],
        "aggregatable_report_window_end": _iso(data.get("aggregatable_report_window_end_ms")),
        "aggregation_keys": dict(data.get("aggregation_keys", [])),
    }
    return jsonable(data)


def sources(*, include_inactive: bool = True, limit: int = 500) -> list[dict[str, Any]]:
    now = clock.now_ms()
    qs = _mine(models.Source).order_by("-id")
    if not include_inactive:
        qs = qs.filter(active=True, expiry_time_ms__gt=now)
    return [source_json(row, now) for row in qs[:limit]]


def hop_json(hop: models.RegistrationHop) -> dict[str, Any]:
    reg = hop.registration
    return jsonable(
        {
            "id": hop.pk,
            "registration_id": reg.pk,
            "time_ms": reg.time_ms,
            "time": _iso(reg.time_ms),
            "mechanism": reg.mechanism,
            "context_origin": reg.context_origin,
            "frame_origin": reg.frame_origin,
            "eligible": reg.eligible,
            "hop": hop.index,
            "url": hop.url,
            "reporting_origin": hop.reporting_origin,
            "request_headers": json.loads(hop.request_headers),
            "response_status": hop.response_status,
            "response_headers": json.loads(hop.response_headers),
            "kind": hop.kind,
            "status": hop.status,
            "category": hop_category(hop.kind, hop.status),
            "explanation": hop.explanation,
            "detail": json.loads(hop.detail),
        }
    )


HOP_GROUPS = {"source": ("source", "os-source"), "trigger": ("trigger", "os-trigger")}


def registration_hops(*, kind: str | None = None, limit: int = 300) -> list[dict[str, Any]]:
    """Registration hops, newest first; ``kind`` "source", "trigger", "none" or "error"."""
    qs = _my_hops().select_related("registration").order_by("-registration_id", "index")
    if kind in HOP_GROUPS:
        qs = qs.filter(kind__in=HOP_GROUPS[kind])
    elif kind:
        qs = qs.filter(kind=kind)
    return [hop_json(h) for h in qs[:limit]]


def _hops_by_group(limit: int) -> dict[str, list[dict[str, Any]]]:
    """What the internals page lists: the newest ``limit`` source hops and trigger hops, and the
    hops that are neither among the newest ``limit`` of all.

    The page polls every two seconds: one query serves the three lists, unless the source or
    trigger list was cut short by the others filling the window; that one then gets its own.
    """
    window = 3 * limit
    ordered = _my_hops().select_related("registration").order_by("-registration_id", "index")
    hops = [hop_json(h) for h in ordered[:window]]
    lists = {group: [h for h in hops if h["kind"] in kinds][:limit] for group, kinds in HOP_GROUPS.items()}
    if len(hops) == window:
        for group, rows in lists.items():
            if len(rows) < limit:
                lists[group] = registration_hops(kind=group, limit=limit)
    lists["other"] = [h for h in hops[:limit] if h["kind"] not in ("source", "trigger")]
    return lists


def registrations(*, limit: int = 100) -> list[dict[str, Any]]:
    from .registration import outcome_json

    qs = _mine(models.Registration).prefetch_related("hops").order_by("-id")[:limit]
    return [jsonable(outcome_json(r)) for r in qs]


def navigations(*, limit: int = 50) -> list[dict[str, Any]]:
    """Navigation-source registrations, newest first: registered, still running, or refused."""
    qs = _mine(models.Registration).filter(mechanism__in=("anchor", "window-open")).order_by("-id")[:limit]
    return [
        jsonable(
            {
                "id": r.pk,
                "time_ms": r.time_ms,
                "time": _iso(r.time_ms),
                "mechanism": r.mechanism,
                "url": r.url,
                "navigation_url": r.navigation_url,
                "context_origin": r.context_origin,
                "state": (state := _navigation_state(r)),
                "category": state.category,
                "summary": r.summary,
            }
        )
        for r in qs
    ]


def _navigation_state(registration: models.Registration) -> NavigationState:
    if registration.pending:
        return NavigationState.RUNNING
    return NavigationState.NOT_REGISTERED if registration.error else NavigationState.DONE


def report_json(row: models.Report) -> dict[str, Any]:
    data = json.loads(row.data)
    if row.sent_body:
        body = json.loads(row.sent_body)
    elif data.get("aggregatable"):
        agg = data["aggregatable"]
        body = {
            "note": "Assembled and encrypted when sent; the cleartext contributions are shown here.",
            "contributions": [
                {"bucket": hex(int(b)), "value": v, "filtering_id": f}
                for b, v, f in agg.get("contributions", [])
            ],
            "shared_info": {
                "api": agg.get("api"),
                "attribution_destination": agg.get("attribution_destination"),
                "reporting_origin": agg.get("reporting_origin"),
                "scheduled_report_time": str(agg.get("scheduled_report_time")),
            },
            "aggregation_coordinator_origin": agg.get("aggregation_coordinator_origin"),
        }
    else:
        body = data.get("body")
    return jsonable(
        {
            "report_id": row.report_id,
            "kind": row.kind,
            "status": row.status,
            "category": ReportStatus.category_of(row.status),
            "url": data.get("url"),
            "reporting_origin": row.reporting_origin,
            "report_time_ms": row.report_time_ms,
            "report_time": _iso(row.report_time_ms),
            "original_report_time": _iso(data.get("original_report_time_ms")),
            "trigger_time": _iso(data.get("trigger_time_ms")),
            "source_id": row.source_id,
            "destination_site": row.destination_site,
            "attempts": data.get("attempts", 0),
            "last_error": data.get("last_error"),
            "response_status": row.response_status,
            "sent_at": _iso(row.sent_at_ms),
            "delivery_note": row.delivery_note,
            "is_null": bool((data.get("aggregatable") or {}).get("is_null")),
            "body": body,
        }
    )


def reports(*, kind: str | None = None, status: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """Reports, newest first; ``kind`` may be "debug" for every debug kind."""
    qs = _mine(models.Report).order_by("-id")
    if kind == "debug":
        qs = qs.exclude(kind__in=(EVENT_LEVEL, AGGREGATABLE))
    elif kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return [report_json(r) for r in qs[:limit]]


def report(report_id: str) -> dict[str, Any] | None:
    row = _mine(models.Report).filter(report_id=report_id).first()
    return report_json(row) if row else None


def internals() -> dict[str, Any]:
    """Everything the attribution internals page shows: its first render and each poll."""
    hops = _hops_by_group(200)
    return {
        "state": state(),
        "sources": sources(limit=300),
        "source_registrations": hops["source"],
        "trigger_registrations": hops["trigger"],
        "other_registrations": hops["other"],
        "reports": reports(limit=500),
        "navigations": navigations(),
        "cookies": cookies.cookies_json(),
    }


def fidelity() -> dict[str, Any]:
    """The last published differential run against Chrome 149 (``docs/fidelity.json``, written by
    ``manage.py fidelity``): how many scenarios look the same to the ad tech, and each that differs."""
    path = Path(settings.BASE_DIR) / "docs" / "fidelity.json"
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"available": False, "total": 0, "same": 0, "differences": []}
    differs = [r for r in rows if r.get("status") == "differs"]
    return {"available": True, "total": len(rows), "same": len(rows) - len(differs), "differences": differs}
