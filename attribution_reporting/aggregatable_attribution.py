"""Aggregatable attribution of a trigger to its source (spec "trigger aggregatable attribution").

Two phases, as Chromium runs them: :func:`create` checks the report window, deduplication,
contributions, the storage limit per destination and the attribution rate limit; after the
trigger-wide reporting-origin limit, :func:`store` checks the per-source report count, the L1
budget of 65536 and named budgets. A stored report spends the budget; its delivery time
gets the configured random delay unless the trigger makes it "unconditionally sent".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import null_reports as null_report_generation
from . import rate_limits
from .aggregatable_contributions import (
    ALLOWED_AGGREGATABLE_BUDGET_PER_SOURCE,
    create_aggregatable_contributions,
)
from .context import PENDING, AttributionResult, EngineContext, Registration
from .event_attribution import source_matches
from .null_reports import is_unconditionally_sent, source_registration_time
from .reports import AGGREGATABLE, AggregatableData, Report, debug_copy, report_url
from .storage import SCOPE_AGGREGATABLE_ATTRIBUTION, StoredSource
from .time_units import MINUTE_MS


@dataclass
class AggregatableResult(AttributionResult):
    name: str | None = None  # the named budget a debug report names
    budget_name: str | None = None  # the named budget the trigger chose


def has_aggregatable_data(trigger: dict[str, Any]) -> bool:
    """Aggregatable trigger data, or any non-empty values map."""
    if trigger.get("aggregatable_trigger_data"):
        return True
    return any(entry.get("values") for entry in trigger.get("aggregatable_values") or [])


def contributions(
    source: StoredSource, trigger: dict[str, Any], trigger_time_ms: int
) -> list[tuple[int, int, int]]:
    """(bucket, value, filtering_id) per source key (by key id) present in the first matching values."""
    made = create_aggregatable_contributions(
        # Chromium keeps a source's keys in a map sorted by key id, which fixes the order.
        dict(sorted(source.aggregation_keys.items())),
        source.filter_data,
        source.source_type,
        source.source_time_ms / 1000,
        trigger_time_ms / 1000,
        trigger.get("aggregatable_trigger_data") or [],
        trigger.get("aggregatable_values") or [],
    )
    return [(c["key"], c["value"], c["filtering_id"]) for c in made]


def report_time_ms(ctx: EngineContext, trigger_time_ms: int, unconditional: bool) -> int:
    """Trigger time plus the random delay; none for unconditionally sent reports or in local testing."""
    if unconditional or ctx.local_testing_mode:
        return trigger_time_ms
    min_delay = ctx.config.aggregatable_report_min_delay * MINUTE_MS
    span = ctx.config.aggregatable_report_delay_span * MINUTE_MS
    if not ctx.noise:
        return trigger_time_ms + min_delay + span
    return trigger_time_ms + min_delay + int(ctx.rng.random() * span)


def _dedup_key(source: StoredSource, trigger: dict[str, Any], now: int) -> int | None:
    for entry in trigger.get("aggregatable_deduplication_keys") or []:
        if source_matches(source, now, entry.get("filters"), entry.get("not_filters")):
            key = entry.get("deduplication_key")
            return int(key) if key is not None else None
    return None


def _budget_name(source: StoredSource, trigger: dict[str, Any], now: int) -> str | None:
    for entry in trigger.get("named_budgets") or []:
        if source_matches(source, now, entry.get("filters"), entry.get("not_filters")):
            return entry.get("name")
    return None


def create(
    ctx: EngineContext,
    reg: Registration,
    trigger: dict[str, Any],
    source: StoredSource,
) -> AggregatableResult | None:
    """The report this trigger would make, or why not; None without aggregatable data."""
    if not has_aggregatable_data(trigger):
        return None
    now = reg.time_ms
    config = ctx.config
    if now >= source.aggregatable_report_window_end_ms:
        return AggregatableResult("reportWindowPassed", "trigger-aggregate-report-window-passed")
    dedup_key = _dedup_key(source, trigger, now)
    if dedup_key is not None and dedup_key in source.aggregatable_dedup_keys:
        return AggregatableResult("deduplicated", "trigger-aggregate-deduplicated")
    contribs = contributions(source, trigger, now)
    if not contribs:
        return AggregatableResult("noHistograms", "trigger-aggregate-no-contributions")
    stored = ctx.storage.find_reports(kind=AGGREGATABLE, destination_site=reg.context_site)
    real = sum(1 for r in stored if not (r.aggregatable and r.aggregatable.is_null))
    if real >= config.max_aggregatable_reports_per_destination:
        return AggregatableResult(
            "noCapacityForConversionDestination",
            "trigger-aggregate-storage-limit",
            limit=str(config.max_aggregatable_reports_per_destination),
        )
    if rate_limits.attributions_exceeded(ctx, reg, source, SCOPE_AGGREGATABLE_ATTRIBUTION, reg.context_site):
        return AggregatableResult(
            "excessiveAttributions",
            "trigger-aggregate-attributions-per-source-destination-limit",
            limit=str(config.rate_limit_max_attributions),
        )

    context_id = trigger.get("trigger_context_id")
    max_bytes = int(trigger.get("aggregatable_filtering_id_max_bytes", 1))
    unconditional = is_unconditionally_sent(context_id, max_bytes)
    report_time = report_time_ms(ctx, now, unconditional)
    tdk = reg.trigger_debug_key(trigger)
    include = trigger.get("aggregatable_source_registration_time") == "include"
    data = AggregatableData(
        api="attribution-reporting",
        attribution_destination=reg.context_site,
        reporting_origin=source.reporting_origin,
        scheduled_report_time=report_time // 1000,
        source_registration_time=source_registration_time(source.source_time_ms) if include else None,
        contributions=contribs,
        filtering_id_max_bytes=max_bytes,
        aggregation_coordinator_origin=trigger.get("aggregation_coordinator_origin")
        or config.default_coordinator_origin,
        source_debug_key=source.debug_key,
        trigger_debug_key=tdk,
        trigger_context_id=context_id,
        debug_mode=source.debug_key is not None and tdk is not None,
    )
    report = _new_report(ctx, reg, data, report_time, source_id=source.source_id)
    return AggregatableResult(
        PENDING, report=report, dedup_key=dedup_key, budget_name=_budget_name(source, trigger, now)
    )


def _new_report(
    ctx: EngineContext, reg: Registration, data: AggregatableData, report_time: int, source_id: str | None
) -> Report:
    """An aggregatable report (real or null) to the trigger's reporting origin."""
    return Report(
        report_id=ctx.new_id(),
        kind=AGGREGATABLE,
        url=report_url(reg.reporting_origin, AGGREGATABLE),
        reporting_origin=reg.reporting_origin,
        report_time_ms=report_time,
        trigger_time_ms=reg.time_ms,
        aggregatable=data,
        source_id=source_id,
        destination_site=reg.context_site,
        context_site=reg.context_site,
    )


def null_reports(
    ctx: EngineContext,
    reg: Registration,
    trigger: dict[str, Any],
    real: Report | None,
    source: StoredSource | None,
) -> list[Report]:
    """Stores and returns the null reports of a trigger whose aggregatable attribution is done.

    ``real`` is the aggregatable report it made (with its ``source``), or None.
    """
    if not has_aggregatable_data(trigger):
        return []
    max_bytes = int(trigger.get("aggregatable_filtering_id_max_bytes", 1))
    context_id = trigger.get("trigger_context_id")
    days = reg.null_aggregatable_reports_days
    made = null_report_generation.null_reports(
        trigger_time_ms=reg.time_ms,
        source_registration_time_config=trigger.get("aggregatable_source_registration_time", "exclude"),
        attributed_source_time_ms=source.source_time_ms
        if (real is not None and source is not None)
        else None,
        trigger_context_id=context_id,
        filtering_id_max_bytes=max_bytes,
        config=ctx.config,
        rng=ctx.rng,
        days=days if days is not None else ([] if not ctx.noise else None),
        local_testing_mode=ctx.local_testing_mode,
    )
    unconditional = is_unconditionally_sent(context_id, max_bytes)
    out = []
    for null in made:
        report_time = report_time_ms(ctx, reg.time_ms, unconditional)  # a delay of its own
        data = null_report_generation.null_report_data(
            null,
            attribution_destination=reg.context_site,
            reporting_origin=reg.reporting_origin,
            scheduled_report_time=report_time // 1000,
            aggregation_coordinator_origin=trigger.get("aggregation_coordinator_origin")
            or ctx.config.default_coordinator_origin,
            trigger_debug_key=reg.trigger_debug_key(trigger),
            trigger_context_id=context_id,
            filtering_id_max_bytes=max_bytes,
        )
        report = _new_report(ctx, reg, data, report_time, source_id=None)
        ctx.storage.add_report(report)
        out.append(report)
    return out


def store(
    ctx: EngineContext, reg: Registration, source: StoredSource, pending: AggregatableResult
) -> AggregatableResult:
    """Stores a created report if the source's report count and budgets allow it."""
    config = ctx.config
    report = pending.report
    assert report is not None and report.aggregatable is not None
    data = report.aggregatable
    context_id = data.trigger_context_id
    if context_id is None and source.num_aggregatable_reports >= config.max_aggregatable_reports_per_source:
        return AggregatableResult(
            "excessiveReports",
            "trigger-aggregate-excessive-reports",
            limit=str(config.max_aggregatable_reports_per_source),
        )
    total = sum(v for _, v, _ in data.contributions)
    if total > source.remaining_aggregatable_budget:
        return AggregatableResult(
            "insufficientBudget",
            "trigger-aggregate-insufficient-budget",
            limit=str(ALLOWED_AGGREGATABLE_BUDGET_PER_SOURCE),
        )
    name = pending.budget_name
    if name is not None and name in source.named_budgets and total > source.named_budgets[name]:
        return AggregatableResult(
            "insufficientNamedBudget",
            "trigger-aggregate-insufficient-named-budget",
            limit=str(source.named_budget_totals.get(name, source.named_budgets[name])),
            name=name,
        )

    ctx.storage.add_report(report)
    if context_id is None:
        # A report with a trigger context ID is sent unconditionally and counts against nothing.
        source.num_aggregatable_reports += 1
        record = rate_limits.attribution_record(
            ctx, reg, source, SCOPE_AGGREGATABLE_ATTRIBUTION, reg.context_site, report_id=report.report_id
        )
        ctx.storage.add_rate_limits([record])
    source.remaining_aggregatable_budget -= total
    if name is not None and name in source.named_budgets:
        source.named_budgets[name] -= total
    if pending.dedup_key is not None:
        source.aggregatable_dedup_keys.append(pending.dedup_key)
    result = AggregatableResult("success", report=report)
    if data.debug_mode:
        result.debug_copy = debug_copy(report, report_id=ctx.new_id(), time_ms=reg.time_ms)
    return result
