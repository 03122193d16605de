"""Rate limits over rate-limit records (spec "attribution rate-limit" algorithms).

Each check is a pure function of the records storage returns for one source site (or one
(source site, destination site) pair), so its cost depends only on that site's history.
"""

from __future__ import annotations

from collections.abc import Iterable

from .config import Config
from .context import EngineContext, Registration
from .storage import (
    SCOPE_AGGREGATABLE_ATTRIBUTION,
    SCOPE_EVENT_ATTRIBUTION,
    SCOPE_SOURCE,
    RateLimitRecord,
    StoredSource,
)
from .time_units import DAY_MS

ATTRIBUTION_SCOPES = (SCOPE_EVENT_ATTRIBUTION, SCOPE_AGGREGATABLE_ATTRIBUTION)


def window_ms(config: Config) -> int:
    return config.rate_limit_time_window_in_days * DAY_MS


def reporting_origin_per_site_exceeded(
    ctx: EngineContext, reg: Registration, records: Iterable[RateLimitRecord]
) -> bool:
    """More distinct reporting origins for (source site, reporting site) in the origin window."""
    since = reg.time_ms - ctx.config.rate_limit_origins_per_site_window_in_days * DAY_MS
    origins = {
        r.reporting_origin
        for r in records
        if r.scope == SCOPE_SOURCE and r.reporting_site == reg.reporting_site and r.time_ms > since
    }
    origins.add(reg.reporting_origin)
    return len(origins) > ctx.config.rate_limit_max_reporting_origins_per_source_reporting_site


def source_reporting_origins_exceeded(
    ctx: EngineContext, reg: Registration, source: StoredSource, records: Iterable[RateLimitRecord]
) -> bool:
    """More than the allowed reporting origins registering sources for a (site, destination)."""
    since = reg.time_ms - window_ms(ctx.config)
    by_destination: dict[str, set[str]] = {d: set() for d in source.destination_sites}
    for r in records:
        if r.scope == SCOPE_SOURCE and r.destination_site in by_destination and r.time_ms > since:
            by_destination[r.destination_site].add(r.reporting_origin)
    limit = ctx.config.rate_limit_max_source_registration_reporting_origins
    return any(len(origins | {reg.reporting_origin}) > limit for origins in by_destination.values())


def source_records(ctx: EngineContext, reg: Registration, source: StoredSource) -> list[RateLimitRecord]:
    """One ``source`` record per destination, as stored with a new source."""
    return [
        RateLimitRecord(
            record_id=ctx.new_id(),
            scope=SCOPE_SOURCE,
            source_id=source.source_id,
            source_site=source.source_site,
            destination_site=destination,
            context_origin=source.source_origin,
            reporting_origin=source.reporting_origin,
            reporting_site=source.reporting_site,
            time_ms=source.source_time_ms,
            expiry_ms=source.expiry_time_ms,
            destination_limit_priority=source.destination_limit_priority,
        )
        for destination in source.destination_sites
    ]


def attribution_record(
    ctx: EngineContext,
    reg: Registration,
    source: StoredSource,
    scope: str,
    destination_site: str,
    report_id: str | None = None,
) -> RateLimitRecord:
    return RateLimitRecord(
        record_id=ctx.new_id(),
        scope=scope,
        source_id=source.source_id,
        source_site=source.source_site,
        destination_site=destination_site,
        context_origin=reg.context_origin,
        reporting_origin=source.reporting_origin,
        reporting_site=source.reporting_site,
        # The spec records the attributed source's time, so an attribution ages out of the
        # window with its source's registration, not with the trigger.
        time_ms=source.source_time_ms,
        expiry_ms=reg.time_ms + window_ms(ctx.config),
        report_id=report_id,
    )


def _attribution_records(
    ctx: EngineContext, reg: Registration, source: StoredSource, destination_site: str
) -> list[RateLimitRecord]:
    since = reg.time_ms - window_ms(ctx.config)
    return ctx.storage.find_rate_limits(
        source_site=source.source_site, destination_site=destination_site, since_ms=since
    )


def attributions_exceeded(
    ctx: EngineContext, reg: Registration, source: StoredSource, scope: str, destination_site: str
) -> bool:
    """(source site, destination, reporting site) already has the maximum attributions of ``scope``."""
    records = _attribution_records(ctx, reg, source, destination_site)
    count = sum(1 for r in records if r.scope == scope and r.reporting_site == source.reporting_site)
    return count >= ctx.config.rate_limit_max_attributions


def reporting_origins_exceeded(
    ctx: EngineContext, reg: Registration, source: StoredSource, destination_site: str
) -> bool:
    """A new reporting origin would exceed the distinct origins attributing for (site, destination).

    Shared by event-level and aggregatable attributions, and checked once per trigger.
    """
    records = _attribution_records(ctx, reg, source, destination_site)
    origins = {r.reporting_origin for r in records if r.scope in ATTRIBUTION_SCOPES}
    origins.add(source.reporting_origin)
    return len(origins) > ctx.config.rate_limit_max_attribution_reporting_origins


def purge(ctx: EngineContext, source_site: str, now_ms: int) -> None:
    """Drops records no limit can look at any more (older than the window and expired)."""
    cutoff = now_ms - window_ms(ctx.config)
    stale = [
        r.record_id
        for r in ctx.storage.find_rate_limits(source_site=source_site)
        if r.time_ms <= cutoff and (r.scope != SCOPE_SOURCE or r.expiry_ms <= now_ms)
    ]
    if stale:
        ctx.storage.delete_rate_limits(stale)
