"""Trigger attribution (spec "trigger attribution"): find the source, then attribute.

The source is the highest-priority (then most recent) unexpired source of the same
reporting origin whose destinations include the trigger's site and whose attribution scopes
meet the trigger's. The other candidates stop being attributable. Event-level and
aggregatable attribution then run independently; their debug outcomes share one verbose
report and one aggregatable debug report, and null aggregatable reports hide whether an
aggregatable report was made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import aggregatable_attribution, event_attribution, rate_limits
from .context import EngineContext, Registration
from .engine_aggregatable_debug import trigger_reports
from .engine_verbose_debug import trigger_item, trigger_verbose
from .reports import Report
from .storage import StoredSource

ORIGIN_LIMIT = "trigger-reporting-origin-limit"


@dataclass
class TriggerResult:
    event_status: str
    aggregatable_status: str
    source: StoredSource | None = None
    reports: list[Report] = field(default_factory=list)
    debug_types: list[str] = field(default_factory=list)


def _scopes_match(source: StoredSource, trigger_scopes: list[str]) -> bool:
    if not trigger_scopes:
        return True
    scopes = source.attribution_scopes
    return scopes is not None and bool(set(scopes["values"]) & set(trigger_scopes))


def find_source(
    ctx: EngineContext, reg: Registration, trigger: dict[str, Any]
) -> tuple[StoredSource | None, list[StoredSource]]:
    """The winning source and every candidate (for deactivation)."""
    candidates = ctx.storage.find_sources(
        destination_site=reg.context_site,
        reporting_origin=reg.reporting_origin,
        unexpired_at=reg.time_ms,
        active_only=True,
    )
    scopes = list(trigger.get("attribution_scopes") or [])
    eligible = [s for s in candidates if _scopes_match(s, scopes)]
    if not eligible:
        return None, candidates
    winner = max(eligible, key=lambda s: (s.priority, s.source_time_ms))
    return winner, candidates


def process_trigger(ctx: EngineContext, reg: Registration, trigger: dict[str, Any]) -> TriggerResult:
    has_event = bool(trigger.get("event_trigger_data"))
    has_aggregatable = aggregatable_attribution.has_aggregatable_data(trigger)
    if not has_event and not has_aggregatable:
        return TriggerResult("notRegistered", "notRegistered")
    source, candidates = find_source(ctx, reg, trigger)
    if source is None or not event_attribution.source_matches(
        source, reg.time_ms, trigger.get("filters"), trigger.get("not_filters")
    ):
        debug_type = "trigger-no-matching-source" if source is None else "trigger-no-matching-filter-data"
        status = "noMatchingSources" if source is None else "noMatchingSourceFilterData"
        matched = source if source is not None else None
        reports = trigger_verbose(
            ctx, reg, trigger, matched, [trigger_item(ctx, reg, trigger, debug_type, matched)]
        )
        reports += trigger_reports(ctx, reg, trigger, matched, [debug_type])
        if matched is not None:
            ctx.storage.update_source(matched)
        reports += aggregatable_attribution.null_reports(ctx, reg, trigger, None, None)
        return TriggerResult(
            status if has_event else "notRegistered",
            status if has_aggregatable else "notRegistered",
            source,
            reports,
            [debug_type],
        )

    for other in candidates:
        if other.source_id != source.source_id:
            other.active = False
            ctx.storage.update_source(other)

    event = event_attribution.create(ctx, reg, trigger, source)
    aggregatable = aggregatable_attribution.create(ctx, reg, trigger, source)
    event_pending = event is not None and event.pending
    aggregatable_pending = aggregatable is not None and aggregatable.pending
    if (event_pending or aggregatable_pending) and rate_limits.reporting_origins_exceeded(
        ctx, reg, source, reg.context_site
    ):
        # Checked once for the trigger; it replaces only the outcomes still pending.
        limit = str(ctx.config.rate_limit_max_attribution_reporting_origins)
        if event_pending:
            event = event_attribution.EventResult("excessiveReportingOrigins", ORIGIN_LIMIT, limit=limit)
        if aggregatable_pending:
            aggregatable = aggregatable_attribution.AggregatableResult(
                "excessiveReportingOrigins", ORIGIN_LIMIT, limit=limit
            )
    if event is not None and event.pending:
        event = event_attribution.store(ctx, reg, source, event)
    if aggregatable is not None and aggregatable.pending:
        aggregatable = aggregatable_attribution.store(ctx, reg, source, aggregatable)

    items: list[dict[str, Any]] = []
    types: list[str] = []
    if event is not None and event.debug_type:
        types.append(event.debug_type)
        items.append(
            trigger_item(
                ctx,
                reg,
                trigger,
                event.debug_type,
                source,
                event_report_body=event.body,
            )
        )
    if aggregatable is not None and aggregatable.debug_type:
        types.append(aggregatable.debug_type)
        item = trigger_item(
            ctx,
            reg,
            trigger,
            aggregatable.debug_type,
            source,
            budget_name=aggregatable.name,
            budget_limit=int(aggregatable.limit) if aggregatable.name is not None else None,
        )
        if item not in items:
            items.append(item)
    reports: list[Report] = []
    if event is not None and event.report is not None:
        reports.append(event.report)
    if aggregatable is not None and aggregatable.report is not None:
        reports.append(aggregatable.report)
    reports += trigger_verbose(ctx, reg, trigger, source, items)
    reports += trigger_reports(ctx, reg, trigger, source, types)
    ctx.storage.update_source(source)
    real = aggregatable.report if aggregatable is not None else None
    reports += aggregatable_attribution.null_reports(ctx, reg, trigger, real, source)
    for copy in (event.debug_copy if event else None, aggregatable.debug_copy if aggregatable else None):
        if copy is not None:
            reports.append(copy)
    return TriggerResult(
        event.status if event else "notRegistered",
        aggregatable.status if aggregatable else "notRegistered",
        source,
        reports,
        types,
    )
