"""Event-level attribution of a trigger to its source (spec "trigger event-level attribution").

The checks run in the spec's order; the first failure decides the status and the verbose
debug type. A noised source answers "noised" after all checks pass, with no report, so the
trigger cannot tell noise from an ordinary drop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import rate_limits
from . import reports as R
from .context import EngineContext, Registration
from .debug_reporting import trigger_debug_key
from .event_level import WINDOW_NOT_STARTED, WINDOW_PASSED, match_trigger_data, report_body, window_for
from .filters import matches
from .storage import SCOPE_EVENT_ATTRIBUTION, StoredSource


@dataclass
class EventResult:
    status: str
    debug_type: str | None = None
    limit: Any = None
    body: dict[str, Any] | None = None  # the report body, for the types whose debug body it is
    report: R.Report | None = None
    debug_copy: R.Report | None = None
    deleted_report_ids: list[str] = field(default_factory=list)


def source_matches(source: StoredSource, trigger_time_ms: int, filters: Any, not_filters: Any) -> bool:
    return matches(
        source.filter_data,
        source.source_type,
        source.source_time_ms / 1000,
        trigger_time_ms / 1000,
        filters or [],
        not_filters or [],
    )


def attribute(
    ctx: EngineContext, reg: Registration, trigger: dict[str, Any], source: StoredSource
) -> EventResult | None:
    """Returns None when the trigger has no event-level part; mutates ``source``'s state."""
    entries = trigger.get("event_trigger_data") or []
    if not entries:
        return None
    now = reg.time_ms
    if source.randomized_response:
        return EventResult("noised", "trigger-event-noise")
    entry = next(
        (e for e in entries if source_matches(source, now, e.get("filters"), e.get("not_filters"))),
        None,
    )
    if entry is None:
        return EventResult("noMatchingConfigurations", "trigger-event-no-matching-configurations")
    dedup_key = entry.get("deduplication_key")
    dedup_key = int(dedup_key) if dedup_key is not None else None
    if dedup_key is not None and dedup_key in source.event_dedup_keys:
        return EventResult("deduplicated", "trigger-event-deduplicated")
    trigger_data = match_trigger_data(source, int(entry.get("trigger_data", "0")))
    if trigger_data is None:
        return EventResult("noMatchingTriggerData", "trigger-event-no-matching-trigger-data")
    window = window_for(source, now)
    if window == WINDOW_NOT_STARTED:
        return EventResult("reportWindowNotStarted", "trigger-event-report-window-not-started")
    if window == WINDOW_PASSED:
        return EventResult("reportWindowPassed", "trigger-event-report-window-passed")
    report_time = source.event_report_window_ends_ms[int(window)]
    priority = int(entry.get("priority", "0"))
    report_id = ctx.new_id()
    tdk = trigger_debug_key(reg, trigger)
    body = report_body(
        source,
        report_id=report_id,
        trigger_data=trigger_data,
        scheduled_report_time_ms=report_time,
        trigger_debug_key=tdk,
    )
    report = R.Report(
        report_id=report_id,
        kind=R.EVENT_LEVEL,
        url=R.report_url(source.reporting_origin, R.EVENT_LEVEL),
        reporting_origin=source.reporting_origin,
        report_time_ms=report_time,
        trigger_time_ms=now,
        body=body,
        source_id=source.source_id,
        priority=priority,
        destination_site=reg.context_site,
        context_site=reg.context_site,
    )
    if not source.event_level_attributable:
        return EventResult("excessiveReports", "trigger-event-excessive-reports", body=body)

    to_replace: R.Report | None = None
    if source.num_event_reports >= source.max_event_level_reports:
        same_time = [
            r
            for r in ctx.storage.find_reports(source_id=source.source_id, kind=R.EVENT_LEVEL)
            if r.report_time_ms == report_time
        ]
        if not same_time:
            source.event_level_attributable = False
            ctx.storage.update_source(source)
            return EventResult("excessiveReports", "trigger-event-excessive-reports", body=body)
        lowest = min(same_time, key=lambda r: (r.priority, -(r.trigger_time_ms or 0)))
        if priority <= lowest.priority:
            return EventResult("priorityTooLow", "trigger-event-low-priority", body=body)
        to_replace = lowest

    failure = rate_limits.attribution_check(ctx, reg, source, SCOPE_EVENT_ATTRIBUTION, reg.context_site)
    if failure == "attributions":
        return EventResult(
            "excessiveAttributions",
            "trigger-event-attributions-per-source-destination-limit",
            limit=str(ctx.config.rate_limit_max_attributions),
        )
    if failure == "reporting-origins":
        return EventResult(
            "excessiveReportingOrigins",
            "trigger-reporting-origin-limit",
            limit=str(ctx.config.rate_limit_max_attribution_reporting_origins),
        )
    pending = ctx.storage.find_reports(kind=R.EVENT_LEVEL, destination_site=reg.context_site)
    if len(pending) >= ctx.config.max_event_level_reports_per_destination:
        return EventResult(
            "noCapacityForConversionDestination",
            "trigger-event-storage-limit",
            limit=str(ctx.config.max_event_level_reports_per_destination),
        )

    result = EventResult("success")
    if to_replace is not None:
        ctx.storage.delete_reports([to_replace.report_id])
        stale = [
            r.record_id
            for r in ctx.storage.find_rate_limits(source_id=source.source_id)
            if r.report_id == to_replace.report_id
        ]
        ctx.storage.delete_rate_limits(stale)
        source.num_event_reports -= 1
        result.status = "successDroppedLowerPriority"
        result.deleted_report_ids.append(to_replace.report_id)
    if source.randomized_response is not None:
        result.status, result.debug_type = "noised", "trigger-event-noise"
    else:
        ctx.storage.add_report(report)
        record = rate_limits.attribution_record(
            ctx, reg, source, SCOPE_EVENT_ATTRIBUTION, reg.context_site, report_id=report.report_id
        )
        ctx.storage.add_rate_limits([record])
        result.report = report
        if source.debug_key is not None and tdk is not None:
            result.debug_copy = R.Report(
                report_id=ctx.new_id(),
                kind=R.EVENT_LEVEL_DEBUG,
                url=R.report_url(source.reporting_origin, R.EVENT_LEVEL_DEBUG),
                reporting_origin=source.reporting_origin,
                report_time_ms=now,
                trigger_time_ms=now,
                body=dict(body),
                source_id=source.source_id,
                context_site=reg.context_site,
            )
    source.num_event_reports += 1
    if dedup_key is not None:
        source.event_dedup_keys.append(dedup_key)
    return result
