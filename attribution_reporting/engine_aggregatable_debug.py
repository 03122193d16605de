"""Aggregatable debug reports for the engine's decisions (spec §"aggregatable debug reports").

The contributions, budget and rate-limit rules are in :mod:`aggregatable_debug`; this module
reads the numbers they need from storage, records the budget spent and turns the result into
:class:`~attribution_reporting.reports.Report` objects. The caller writes the source back.
"""

from __future__ import annotations

from typing import Any

from . import aggregatable_debug
from .context import EngineContext, Registration
from .reports import AGGREGATABLE_DEBUG_REPORT, Report, report_url
from .storage import DebugBudgetRecord, StoredSource


def _usage(ctx: EngineContext, reg: Registration) -> aggregatable_debug.DebugBudgetUsage:
    records = ctx.storage.find_debug_budgets(
        context_site=reg.context_site, since_ms=aggregatable_debug.window_start_ms(reg.time_ms, ctx.config)
    )
    return aggregatable_debug.usage_from_records(
        records,
        context_site=reg.context_site,
        reporting_site=reg.reporting_site,
        now_ms=reg.time_ms,
        config=ctx.config,
    )


def _finish(
    ctx: EngineContext,
    reg: Registration,
    result: aggregatable_debug.AggregatableDebugReport | None,
    source: StoredSource | None,
) -> list[Report]:
    if result is None:
        return []
    if result.result == aggregatable_debug.SUCCESS:
        ctx.storage.add_debug_budget(
            DebugBudgetRecord(
                record_id=ctx.new_id(),
                context_site=reg.context_site,
                reporting_origin=reg.reporting_origin,
                reporting_site=reg.reporting_site,
                time_ms=reg.time_ms,
                consumed_budget=result.consumed_budget,
            )
        )
        if source is not None:
            source.remaining_aggregatable_debug_budget -= result.consumed_budget
            source.num_aggregatable_debug_reports += 1
    report = Report(
        report_id=ctx.new_id(),
        kind=AGGREGATABLE_DEBUG_REPORT,
        url=report_url(reg.reporting_origin, AGGREGATABLE_DEBUG_REPORT),
        reporting_origin=reg.reporting_origin,
        report_time_ms=reg.time_ms,
        aggregatable=result.data,
        source_id=source.source_id if source is not None else None,
        context_site=reg.context_site,
    )
    return [report]


def source_reports(
    ctx: EngineContext, reg: Registration, source: StoredSource, types: list[str], *, stored: bool
) -> list[Report]:
    """The report for a source outcome; updates ``source``'s debug budget when it is stored."""
    result = aggregatable_debug.source_report(
        source.aggregatable_debug_reporting,
        types,
        destination_sites=source.destination_sites,
        reporting_origin=reg.reporting_origin,
        time_ms=reg.time_ms,
        usage=_usage(ctx, reg),
        config=ctx.config,
        fenced=reg.fenced,
    )
    return _finish(ctx, reg, result, source if stored else None)


def trigger_reports(
    ctx: EngineContext,
    reg: Registration,
    trigger: dict[str, Any],
    source: StoredSource | None,
    types: list[str],
) -> list[Report]:
    """The report for a trigger outcome; updates the attributed ``source``'s debug budget."""
    result = aggregatable_debug.trigger_report(
        trigger.get("aggregatable_debug_reporting"),
        types,
        destination_site=reg.context_site,
        reporting_origin=reg.reporting_origin,
        time_ms=reg.time_ms,
        usage=_usage(ctx, reg),
        config=ctx.config,
        source=source,
        fenced=reg.fenced,
    )
    return _finish(ctx, reg, result, source)
