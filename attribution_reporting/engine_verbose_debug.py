"""Where the engine's decisions turn into verbose debug reports, and whether they may.

Bodies, limits and gating rules are :mod:`attribution_reporting.verbose_debug`'s; this
module feeds them the engine's state (the stored source, the registration) and wraps the
items in one :class:`~attribution_reporting.reports.Report` per registration. Verbose
reports go out immediately, never from fenced frames, and only when the registration opted
in (``debug_reporting``) and cookie-based debugging was allowed for the reporting origin; a
trigger matched to a source also needs the source's permission.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from . import verbose_debug
from .context import EngineContext, Registration
from .reports import Report
from .sites import InvalidURL, is_suitable_origin, origin_of
from .storage import StoredSource


def _report(ctx: EngineContext, reg: Registration, items: list[dict[str, Any]]) -> Report:
    return verbose_debug.verbose_report(
        items,
        reporting_origin=reg.reporting_origin,
        time_ms=reg.time_ms,
        report_id=ctx.new_id(),
        context_site=reg.context_site,
    )


def source_verbose(
    ctx: EngineContext,
    reg: Registration,
    source: StoredSource,
    debug_type: str,
    *,
    destination_limit_replaced: bool = False,
) -> list[Report]:
    """The verbose report for a source outcome (hidden limits are reported as success)."""
    if not verbose_debug.source_debug_allowed(
        debug_reporting=source.debug_reporting, debug_permission=reg.debug_permission, fenced=reg.fenced
    ):
        return []
    scopes = source.attribution_scopes or {}
    item = verbose_debug.source_item(
        debug_type,
        destination_sites=source.destination_sites,
        source_event_id=source.source_event_id,
        source_site=source.source_site,
        source_debug_key=source.debug_key,
        config=ctx.config,
        noised=source.randomized_response is not None,
        destination_limit_replaced=destination_limit_replaced,
        source_type=source.source_type,
        max_event_states=scopes.get("max_event_states", 3),
    )
    return [_report(ctx, reg, [item])]


def trigger_item(
    ctx: EngineContext,
    reg: Registration,
    trigger: dict[str, Any],
    debug_type: str,
    source: StoredSource | None,
    *,
    event_report_body: dict[str, Any] | None = None,
    budget_name: str | None = None,
    budget_limit: int | None = None,
) -> dict[str, Any]:
    """The verbose item for one trigger outcome, with the trigger's debug key if permitted."""
    return verbose_debug.trigger_item(
        debug_type,
        destination_site=reg.context_site,
        trigger_debug_key=reg.trigger_debug_key(trigger),
        config=ctx.config,
        source=source,
        event_report_body=event_report_body,
        budget_name=budget_name,
        budget_limit=budget_limit,
    )


def trigger_verbose(
    ctx: EngineContext,
    reg: Registration,
    trigger: dict[str, Any],
    source: StoredSource | None,
    items: list[dict[str, Any]],
) -> list[Report]:
    """One verbose report of a trigger's items, if the trigger (and its source) allow it."""
    allowed = verbose_debug.trigger_debug_allowed(
        debug_reporting=bool(trigger.get("debug_reporting")),
        debug_permission=reg.debug_permission,
        fenced=reg.fenced,
        source=source,
    )
    if not items or not allowed:
        return []
    return [_report(ctx, reg, items)]


def header_error_reports(
    ctx: EngineContext, reg: Registration, header: str, value: str, *, report_header_errors: bool
) -> list[Report]:
    """``header-parsing-error`` for a header that did not parse, when the response asked for it."""
    if not verbose_debug.header_error_allowed(report_header_errors=report_header_errors, fenced=reg.fenced):
        return []
    item = verbose_debug.header_parsing_error_item(context_site=reg.context_site, header=header, value=value)
    return [_report(ctx, reg, [item])]


def os_delegated_reports(ctx: EngineContext, reg: Registration, kind: str, urls: list[str]) -> list[Report]:
    """``os-source-delegated``/``os-trigger-delegated``, each to its registration URL's origin."""
    if reg.fenced:
        return []
    out = []
    for url in urls:
        try:
            origin = origin_of(url)
        except (InvalidURL, ValueError):
            continue
        if not is_suitable_origin(origin):
            continue
        item = verbose_debug.os_delegated_item(kind, context_site=reg.context_site, registration_url=url)
        out.append(_report(ctx, dataclasses.replace(reg, reporting_origin=origin), [item]))
    return out
