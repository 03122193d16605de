"""Event-level attribution of a trigger to its source (spec "trigger event-level attribution").

Two phases, as Chromium runs them: :func:`create` checks what depends only on the trigger and
the source (noise, filters, deduplication, trigger data, report window) and builds the
report; after the trigger-wide reporting-origin limit, :func:`store` decides whether it may
be stored (report count and replacement by priority, attribution rate limit, storage limit
per destination). A source whose randomized response is empty answers "noised" after all
checks pass, with no report, so noise looks like an ordinary drop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import rate_limits
from .context import PENDING, AttributionResult, EngineContext, Registration
from .event_level import WINDOW_NOT_STARTED, WINDOW_PASSED, match_trigger_data, new_report, window_for
from .filters import matches
from .reports import EVENT_LEVEL, Report, debug_copy
from .storage import SCOPE_EVENT_ATTRIBUTION, StoredSource


@dataclass
class EventResult(AttributionResult):
    body: dict[str, Any] | None = None  # the report body, for the types whose debug body it is
    replaced_report_id: str | None = None


def source_matches(source: StoredSource, trigger_time_ms: int, filters: Any, not_filters: Any) -> bool:
    return matches(
        source.filter_data,
        source.source_type,
        source.source_time_ms / 1000,
        trigger_time_ms / 1000,
        filters or [],
        not_filters or [],
    )


def create(
    ctx: EngineContext, reg: Registration, trigger: dict[str, Any], source: StoredSource
) -> EventResult | None:
    """The report this trigger would make, or why not; None without event-level data."""
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
    # Local testing mode: due at once, so a debug session sees the report without waiting.
    report_time = now if ctx.local_testing_mode else source.event_report_window_ends_ms[int(window)]
    report = new_report(
        source,
        report_id=ctx.new_id(),
        trigger_data=trigger_data,
        report_time_ms=report_time,
        trigger_time_ms=now,
        trigger_debug_key=reg.trigger_debug_key(trigger),
        priority=int(entry.get("priority", "0")),
        destination_site=reg.context_site,
        context_site=reg.context_site,
    )
    return EventResult(PENDING, body=report.body, report=report, dedup_key=dedup_key)


def store(ctx: EngineContext, reg: Registration, source: StoredSource, pending: EventResult) -> EventResult:
    """Stores a created report if the source's report count and the limits allow it."""
    report = pending.report
    assert report is not None
    body = pending.body
    if not source.event_level_attributable:
        return EventResult("excessiveReports", "trigger-event-excessive-reports", body=body)

    replaced: Report | None = None
    if source.num_event_reports >= source.max_event_level_reports:
        same_time = [
            r
            for r in ctx.storage.find_reports(source_id=source.source_id, kind=EVENT_LEVEL)
            if r.report_time_ms == report.report_time_ms
        ]
        if not same_time:
            # No report can ever be replaced again: the source is done at event level.
            source.event_level_attributable = False
            return EventResult("excessiveReports", "trigger-event-excessive-reports", body=body)
        # Lowest priority, and among equals the most recent trigger, goes first.
        lowest = min(same_time, key=lambda r: (r.priority, -(r.trigger_time_ms or 0)))
        if report.priority <= lowest.priority:
            return EventResult("priorityTooLow", "trigger-event-low-priority", body=body)
        replaced = lowest
    else:
        # A new report (not a replacement) must fit the attribution and storage limits.
        if rate_limits.attributions_exceeded(ctx, reg, source, SCOPE_EVENT_ATTRIBUTION, reg.context_site):
            return EventResult(
                "excessiveAttributions",
                "trigger-event-attributions-per-source-destination-limit",
                limit=str(ctx.config.rate_limit_max_attributions),
            )
        pending_reports = ctx.storage.find_reports(kind=EVENT_LEVEL, destination_site=reg.context_site)
        if len(pending_reports) >= ctx.config.max_event_level_reports_per_destination:
            return EventResult(
                "noCapacityForConversionDestination",
                "trigger-event-storage-limit",
                limit=str(ctx.config.max_event_level_reports_per_destination),
            )
        source.num_event_reports += 1

    result = EventResult("success")
    if replaced is not None:
        ctx.storage.delete_reports([replaced.report_id])
        stale = [
            r.record_id
            for r in ctx.storage.find_rate_limits(source_id=source.source_id)
            if r.report_id == replaced.report_id
        ]
        ctx.storage.delete_rate_limits(stale)
        result.status = "successDroppedLowerPriority"
        result.replaced_report_id = replaced.report_id
    if pending.dedup_key is not None:
        source.event_dedup_keys.append(pending.dedup_key)
    if source.randomized_response is not None:
        # Noised (empty response): counted and deduplicated like a real report, never sent.
        return EventResult("noised", "trigger-event-noise")

    ctx.storage.add_report(report)
    record = rate_limits.attribution_record(
        ctx, reg, source, SCOPE_EVENT_ATTRIBUTION, reg.context_site, report_id=report.report_id
    )
    ctx.storage.add_rate_limits([record])
    result.report = report
    if "source_debug_key" in report.body:  # both debug keys set: the body carries them
        result.debug_copy = debug_copy(report, report_id=ctx.new_id(), time_ms=reg.time_ms)
    return result
