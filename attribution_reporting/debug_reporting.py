"""Where the engine's decisions turn into debug reports, and whether they may.

Verbose debug reports go out immediately, never from fenced frames, and only when the
registration opted in (``debug_reporting``) and cookie-based debugging was allowed for the
reporting origin; a trigger matched to a source also needs the source's permission. The
attribution-success debug copies need both debug keys. Aggregatable debug reports are built
by :mod:`attribution_reporting.aggregatable_debug` from the same decision types.
"""

from __future__ import annotations

from typing import Any

from . import reports as R
from .context import EngineContext, Registration
from .event_level import serialize_destinations
from .storage import StoredSource

# Types the reporting origin must not learn about: reported as success.
HIDDEN_SOURCE_TYPES = {"source-destination-global-rate-limit", "source-reporting-origin-limit"}


def verbose_report(ctx: EngineContext, reg: Registration, items: list[dict[str, Any]]) -> R.Report:
    """One immediate POST of a list of verbose debug data items."""
    return R.Report(
        report_id=ctx.new_id(),
        kind=R.VERBOSE_DEBUG,
        url=R.report_url(reg.reporting_origin, R.VERBOSE_DEBUG),
        reporting_origin=reg.reporting_origin,
        report_time_ms=reg.time_ms,
        body=items,
        context_site=reg.context_site,
    )


def source_item(
    source: StoredSource,
    debug_type: str,
    *,
    limit: Any = None,
    destination_limit_replaced: int | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "attribution_destination": serialize_destinations(source.destination_sites),
        "source_event_id": str(source.source_event_id),
        "source_site": source.source_site,
    }
    if source.debug_key is not None:
        body["source_debug_key"] = str(source.debug_key)
    if limit is not None:
        body["limit"] = limit
    if destination_limit_replaced is not None:
        body["source_destination_limit"] = str(destination_limit_replaced)
    return {"type": debug_type, "body": body}


def source_verbose(
    ctx: EngineContext,
    reg: Registration,
    source: StoredSource,
    debug_type: str,
    *,
    limit: Any = None,
    destination_limit_replaced: int | None = None,
) -> list[R.Report]:
    if reg.fenced or not source.debug_reporting or not reg.debug_permission:
        return []
    if debug_type in HIDDEN_SOURCE_TYPES:
        debug_type = "source-noised" if source.randomized_response is not None else "source-success"
    item = source_item(source, debug_type, limit=limit, destination_limit_replaced=destination_limit_replaced)
    return [verbose_report(ctx, reg, [item])]


def trigger_item(
    reg: Registration,
    trigger: dict[str, Any],
    debug_type: str,
    source: StoredSource | None,
    *,
    limit: Any = None,
    name: str | None = None,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    if body is not None:
        return {"type": debug_type, "body": body}
    out: dict[str, Any] = {"attribution_destination": reg.context_site}
    if limit is not None:
        out["limit"] = limit
    if name is not None:
        out["name"] = name
    if source is not None:
        if source.debug_key is not None:
            out["source_debug_key"] = str(source.debug_key)
        out["source_event_id"] = str(source.source_event_id)
        out["source_site"] = source.source_site
    debug_key = trigger_debug_key(reg, trigger)
    if debug_key is not None:
        out["trigger_debug_key"] = str(debug_key)
    return {"type": debug_type, "body": out}


def trigger_debug_key(reg: Registration, trigger: dict[str, Any]) -> int | None:
    """The trigger's debug key, dropped without cookie-based debug permission."""
    raw = trigger.get("debug_key")
    if raw is None or not reg.debug_permission:
        return None
    return int(raw)


def trigger_verbose_allowed(reg: Registration, trigger: dict[str, Any], source: StoredSource | None) -> bool:
    if reg.fenced or not trigger.get("debug_reporting") or not reg.debug_permission:
        return False
    return source is None or source.debug_cookie_set


def trigger_verbose(
    ctx: EngineContext,
    reg: Registration,
    trigger: dict[str, Any],
    source: StoredSource | None,
    items: list[dict[str, Any]],
) -> list[R.Report]:
    if not items or not trigger_verbose_allowed(reg, trigger, source):
        return []
    return [verbose_report(ctx, reg, items)]


def header_error_report(
    ctx: EngineContext, reg: Registration, header: str, value: str, error: str | None = None
) -> R.Report:
    body: dict[str, Any] = {"context_site": reg.context_site, "header": header, "value": value}
    if error:
        body["error"] = error
    return verbose_report(ctx, reg, [{"type": "header-parsing-error", "body": body}])
