"""Source registration (spec "process an attribution source"), checks in the spec's order.

Each check that fails ends processing with a status and the debug reports of its type; a
source that passes is stored with its rate-limit records and, when its randomized response
is not truthful, its fake event-level reports.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from . import attribution_scopes_processing, destination_limits, rate_limits
from .aggregatable_contributions import ALLOWED_AGGREGATABLE_BUDGET_PER_SOURCE
from .context import EngineContext, Registration
from .engine_aggregatable_debug import source_reports
from .engine_verbose_debug import source_verbose
from .event_level import new_report, window_bounds
from .randomized_response import FakeReport, num_states, pick_rate, randomized_response
from .removal import remove_sources
from .reports import Report
from .sites import site_of
from .storage import SCOPE_EVENT_ATTRIBUTION, StoredSource

# Status strings as attribution-internals shows them, with the verbose debug type of each.
STATUS_DEBUG_TYPES = {
    "success": "source-success",
    "successNoised": "source-noised",
    "exceedsMaxTriggerStateCardinality": "source-trigger-state-cardinality-limit",
    "exceedsMaxChannelCapacity": "source-channel-capacity-limit",
    "exceedsMaxEventStatesLimit": "source-max-event-states-limit",
    "exceedsMaxScopesChannelCapacity": "source-scopes-channel-capacity-limit",
    "insufficientSourceCapacity": "source-storage-limit",
    "excessiveReportingOrigins": "source-reporting-origin-per-site-limit",
    "destinationReportingLimitReached": "source-destination-rate-limit",
    "destinationPerDayReportingLimitReached": "source-destination-per-day-rate-limit",
    "insufficientUniqueDestinationCapacity": "source-destination-limit",
    "destinationGlobalLimitReached": "source-destination-global-rate-limit",
    "excessiveSourceReportingOrigins": "source-reporting-origin-limit",
}


# The privacy limits Chromium applies when it stores a parsed source, in the order it checks
# them. The header validator computes them (its issues carry these codes); a source that
# exceeds one is rejected here, with its own status and debug reports.
PRIVACY_LIMITS = (
    "source-trigger-state-cardinality-limit",
    "source-channel-capacity-limit",
    "source-max-event-states-limit",
    "source-scopes-channel-capacity-limit",
)
_STATUS_OF_DEBUG_TYPE = {debug_type: status for status, debug_type in STATUS_DEBUG_TYPES.items()}


@dataclass
class SourceResult:
    status: str
    source: StoredSource | None
    reports: list[Report] = field(default_factory=list)
    stored: bool = False


def build_source(ctx: EngineContext, reg: Registration, value: dict[str, Any]) -> StoredSource:
    """The stored form of a normalized source header registered at ``reg.time_ms``."""
    now = reg.time_ms
    windows = value["event_report_windows"]
    debug_budget = 0
    adr = value.get("aggregatable_debug_reporting")
    if adr:
        debug_budget = int(adr.get("budget", 0))
    filter_data = {k: list(v) for k, v in value.get("filter_data", {}).items()}
    filter_data["source_type"] = [reg.source_type]
    debug_key = value.get("debug_key")
    return StoredSource(
        source_id=ctx.new_id(),
        source_event_id=int(value.get("source_event_id", "0")),
        source_origin=reg.context_origin,
        source_site=reg.context_site,
        reporting_origin=reg.reporting_origin,
        reporting_site=reg.reporting_site,
        destination_sites=sorted({site_of(d) for d in value["destination"]}),
        source_type=reg.source_type or "navigation",
        source_time_ms=now,
        expiry_time_ms=now + int(value["expiry"]) * 1000,
        event_report_window_start_ms=now + int(windows.get("start_time", 0)) * 1000,
        event_report_window_ends_ms=[now + int(e) * 1000 for e in windows["end_times"]],
        aggregatable_report_window_end_ms=now + int(value["aggregatable_report_window"]) * 1000,
        priority=int(value.get("priority", "0")),
        destination_limit_priority=int(value.get("destination_limit_priority", "0")),
        filter_data=filter_data,
        debug_key=int(debug_key) if debug_key is not None and reg.debug_permission else None,
        debug_reporting=bool(value.get("debug_reporting", False)),
        debug_cookie_set=reg.debug_permission,
        aggregation_keys={k: int(v, 16) for k, v in value.get("aggregation_keys", {}).items()},
        trigger_data=[int(t) for t in value.get("trigger_data", [])],
        trigger_data_matching=value.get("trigger_data_matching", "modulus"),
        max_event_level_reports=int(value["max_event_level_reports"]),
        event_level_epsilon=float(
            value.get("event_level_epsilon", ctx.config.max_settable_event_level_epsilon)
        ),
        attribution_scopes=value.get("attribution_scopes"),
        named_budgets=dict(value.get("named_budgets", {})),
        named_budget_totals=dict(value.get("named_budgets", {})),
        aggregatable_debug_reporting=adr or None,
        remaining_aggregatable_budget=ALLOWED_AGGREGATABLE_BUDGET_PER_SOURCE - debug_budget,
        remaining_aggregatable_debug_budget=debug_budget,
    )


def _fail(ctx: EngineContext, reg: Registration, source: StoredSource, status: str) -> SourceResult:
    """Rejects the source: debug reports of the status's type (their limit comes from config)."""
    reports = source_verbose(ctx, reg, source, STATUS_DEBUG_TYPES[status])
    reports += source_reports(ctx, reg, source, [STATUS_DEBUG_TYPES[status]], stored=False)
    return SourceResult(status, source, reports)


def process_source(
    ctx: EngineContext, reg: Registration, value: dict[str, Any], exceeded: Collection[str] = ()
) -> SourceResult:
    """Stores a normalized source header, or says why not.

    ``exceeded``: the :data:`PRIVACY_LIMITS` the header validator found the source over.
    """
    config = ctx.config
    source = build_source(ctx, reg, value)
    now = reg.time_ms

    for limit in PRIVACY_LIMITS:
        if limit in exceeded:
            return _fail(ctx, reg, source, _STATUS_OF_DEBUG_TYPE[limit])

    # Randomized response (an injected one replaces the draw).
    states = num_states(
        len(source.trigger_data), len(source.event_report_window_ends_ms), source.max_event_level_reports
    )
    source.randomized_trigger_rate = pick_rate(states, source.event_level_epsilon)
    if reg.randomized_response_given:
        response = _injected_response(source, reg.randomized_response)
    elif ctx.local_testing_mode:
        response = None  # epsilon is infinite: the truth
    else:
        response = randomized_response(
            sorted(source.trigger_data),
            len(source.event_report_window_ends_ms),
            source.max_event_level_reports,
            source.event_level_epsilon,
            ctx.rng,
        )
    source.randomized_response = (
        None
        if response is None
        else [
            {"trigger_data": f.trigger_data, "report_window_index": f.report_window_index} for f in response
        ]
    )

    # Storage limit per source origin (expired sources of the origin are deleted first).
    of_origin = ctx.storage.find_sources(source_origin=source.source_origin)
    expired = [s.source_id for s in of_origin if s.expiry_time_ms <= now]
    if expired:
        ctx.storage.delete_sources(expired)
    pending = [s for s in of_origin if s.expiry_time_ms > now and s.active]
    if len(pending) >= config.max_sources_per_origin:
        return _fail(ctx, reg, source, "insufficientSourceCapacity")

    records = ctx.storage.find_rate_limits(source_site=source.source_site)
    if rate_limits.reporting_origin_per_site_exceeded(ctx, reg, records):
        return _fail(ctx, reg, source, "excessiveReportingOrigins")
    hit = destination_limits.time_based(ctx, reg, source, records)
    if hit == destination_limits.HIT_REPORTING:
        return _fail(ctx, reg, source, "destinationReportingLimitReached")
    if destination_limits.per_day_exceeded(ctx, reg, source, records):
        return _fail(ctx, reg, source, "destinationPerDayReportingLimitReached")
    unexpired = destination_limits.unexpired(ctx, reg, source, records)
    if unexpired.rejected:
        return _fail(ctx, reg, source, "insufficientUniqueDestinationCapacity")
    replaced = bool(unexpired.source_ids_to_delete)
    if replaced:
        remove_sources(ctx, unexpired.source_ids_to_delete, now, all_aggregatable=True)
        ctx.storage.update_rate_limits(unexpired.records_to_deactivate)

    removed = attribution_scopes_processing.apply(ctx, reg, source)
    if removed:
        remove_sources(ctx, removed, now)

    status = "successNoised" if source.randomized_response is not None else "success"
    if hit == destination_limits.HIT_GLOBAL:
        return _hidden(ctx, reg, source, "destinationGlobalLimitReached", replaced)
    if rate_limits.source_reporting_origins_exceeded(ctx, reg, source, records):
        return _hidden(ctx, reg, source, "excessiveSourceReportingOrigins", replaced)

    ctx.storage.add_rate_limits(rate_limits.source_records(ctx, reg, source))
    rate_limits.purge(ctx, source.source_site, now)

    reports: list[Report] = []
    if response is not None:
        # Even an empty response counts as attributions: noise must not be visible in rate limits.
        reports += _fake_reports(ctx, reg, source, response)
        if response:
            source.event_level_attributable = False
    debug = source_verbose(ctx, reg, source, STATUS_DEBUG_TYPES[status], destination_limit_replaced=replaced)
    types = [STATUS_DEBUG_TYPES[status]] + (["source-destination-limit-replaced"] if replaced else [])
    debug += source_reports(ctx, reg, source, types, stored=True)
    ctx.storage.add_source(source)
    for report in reports:
        ctx.storage.add_report(report)
    return SourceResult(status, source, reports + debug, stored=True)


def _injected_response(source: StoredSource, raw: Any) -> list[FakeReport] | None:
    """A test's randomized response, checked against the source it is for."""
    if raw is None:
        return None
    try:
        fakes = [FakeReport(int(f["trigger_data"]), int(f["report_window_index"])) for f in raw]
    except (KeyError, TypeError, ValueError):
        raise ValueError(
            "randomized_response must be a list of {trigger_data, report_window_index}"
        ) from None
    windows = len(source.event_report_window_ends_ms)
    if len(fakes) > source.max_event_level_reports:
        raise ValueError("randomized_response has more reports than the source's max_event_level_reports")
    for fake in fakes:
        if fake.trigger_data not in source.trigger_data or not 0 <= fake.report_window_index < windows:
            raise ValueError(f"randomized_response entry {fake} does not fit the source's trigger states")
    return fakes


def _hidden(
    ctx: EngineContext, reg: Registration, source: StoredSource, status: str, replaced: bool
) -> SourceResult:
    """A drop the reporting origin must not see: debug reports say success (or noised)."""
    debug_type = STATUS_DEBUG_TYPES[status]
    reports = source_verbose(ctx, reg, source, debug_type, destination_limit_replaced=replaced)
    types = [debug_type] + (["source-destination-limit-replaced"] if replaced else [])
    reports += source_reports(ctx, reg, source, types, stored=False)
    return SourceResult(status, source, reports)


def _fake_reports(
    ctx: EngineContext, reg: Registration, source: StoredSource, response: list[FakeReport]
) -> list[Report]:
    """One event-level report per fake output, timed as if triggered at its window's start."""
    bounds = window_bounds(source)
    out = []
    records = []
    for fake in response:
        start, end = bounds[fake.report_window_index]
        out.append(
            new_report(
                source,
                report_id=ctx.new_id(),
                trigger_data=fake.trigger_data,
                report_time_ms=end,
                trigger_time_ms=start,
                destination_site=source.destination_sites[0],
            )
        )
    for destination in source.destination_sites:
        records.append(rate_limits.attribution_record(ctx, reg, source, SCOPE_EVENT_ATTRIBUTION, destination))
    ctx.storage.add_rate_limits(records)
    return out
