"""Removing sources and what hangs off them.

A source removed by a limit (destination limit, attribution scopes) takes along the
event-level reports that have not "happened" yet (trigger time at or after now: the fake
reports of a noised source) and their rate-limit records; the destination limit also takes
all its pending aggregatable reports.
"""

from __future__ import annotations

from collections.abc import Iterable

from .context import EngineContext
from .reports import AGGREGATABLE, EVENT_LEVEL
from .storage import SCOPE_SOURCE


def remove_sources(
    ctx: EngineContext, source_ids: Iterable[str], now_ms: int, *, all_aggregatable: bool = False
) -> None:
    ids = set(source_ids)
    doomed_reports: list[str] = []
    doomed_records: list[str] = []
    for source_id in ids:
        for report in ctx.storage.find_reports(source_id=source_id):
            future_event = report.kind == EVENT_LEVEL and (report.trigger_time_ms or 0) >= now_ms
            if future_event or (report.kind == AGGREGATABLE and all_aggregatable):
                doomed_reports.append(report.report_id)
        for record in ctx.storage.find_rate_limits(source_id=source_id):
            if record.scope != SCOPE_SOURCE and (
                record.report_id in doomed_reports or record.time_ms >= now_ms
            ):
                doomed_records.append(record.record_id)
    ctx.storage.delete_reports(doomed_reports)
    ctx.storage.delete_rate_limits(doomed_records)
    ctx.storage.delete_sources(ids)
