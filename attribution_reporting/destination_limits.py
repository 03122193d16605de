"""Destination limits on source registration (spec §"source destination limits").

Three limits bound how many destinations one source site can reach through one reporting
site: a short time-based window (a global and a per-reporting-site count), a per-day count,
and the number of destinations covered by unexpired sources, where the lowest-priority,
oldest destinations make room for new ones (first in, first out).
"""

from __future__ import annotations

from dataclasses import dataclass

from .context import EngineContext, Registration
from .storage import SCOPE_SOURCE, RateLimitRecord, StoredSource
from .time_units import DAY_MS, MINUTE_MS

HIT_NONE = None
HIT_GLOBAL = "global"
HIT_REPORTING = "reporting"


def time_based(
    ctx: EngineContext, reg: Registration, source: StoredSource, records: list[RateLimitRecord]
) -> str | None:
    """Destinations within the rate-limit window: "reporting" rejects, "global" drops silently."""
    since = reg.time_ms - ctx.config.destination_rate_limit_window_in_minutes * MINUTE_MS
    new = set(source.destination_sites)
    all_sites = set(new)
    same_reporting = set(new)
    for r in records:
        if r.scope != SCOPE_SOURCE or r.time_ms <= since or r.expiry_ms <= reg.time_ms:
            continue
        all_sites.add(r.destination_site)
        if r.reporting_site == reg.reporting_site:
            same_reporting.add(r.destination_site)
    if len(same_reporting) > ctx.config.max_destinations_per_rate_limit_window_reporting_site:
        return HIT_REPORTING
    if len(all_sites) > ctx.config.max_destinations_per_rate_limit_window:
        return HIT_GLOBAL
    return HIT_NONE


def per_day_exceeded(
    ctx: EngineContext, reg: Registration, source: StoredSource, records: list[RateLimitRecord]
) -> bool:
    since = reg.time_ms - DAY_MS
    sites = set(source.destination_sites)
    for r in records:
        if (
            r.scope == SCOPE_SOURCE
            and r.reporting_site == reg.reporting_site
            and r.time_ms > since
            and r.expiry_ms > reg.time_ms
        ):
            sites.add(r.destination_site)
    return len(sites) > ctx.config.max_destinations_per_reporting_site_per_day


@dataclass
class UnexpiredResult:
    rejected: bool
    source_ids_to_delete: set[str]
    records_to_deactivate: list[RateLimitRecord]


def unexpired(
    ctx: EngineContext, reg: Registration, source: StoredSource, records: list[RateLimitRecord]
) -> UnexpiredResult:
    """Keeps the highest-priority, newest destinations up to the limit; the rest's sources go."""
    entries: list[tuple[int, int, str, str | None]] = []
    for r in records:
        if (
            r.scope == SCOPE_SOURCE
            and not r.deactivated
            and r.reporting_site == reg.reporting_site
            and r.expiry_ms > reg.time_ms
        ):
            entries.append((r.destination_limit_priority, r.time_ms, r.destination_site, r.source_id))
    for destination in source.destination_sites:
        entries.append((source.destination_limit_priority, reg.time_ms, destination, None))
    entries.sort(key=lambda e: (e[0], e[1], e[2]), reverse=True)
    limit = ctx.config.max_destinations_per_source_site_reporting_site
    chosen: set[str] = set()
    for _priority, _time, destination, _sid in entries:
        if len(chosen) >= limit:
            break
        chosen.add(destination)
    doomed: set[str | None] = {sid for _p, _t, d, sid in entries if d not in chosen}
    if None in doomed:
        return UnexpiredResult(True, set(), [])
    doomed_ids = {sid for sid in doomed if sid is not None}
    deactivate = [
        r for r in records if r.scope == SCOPE_SOURCE and r.source_id in doomed_ids and not r.deactivated
    ]
    for r in deactivate:
        r.deactivated = True
    return UnexpiredResult(False, doomed_ids, deactivate)
