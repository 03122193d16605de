"""Aggregatable debug reports: contributions, budget and rate limits (spec digest §10.6).

A source or trigger that sets ``aggregatable_debug_reporting`` with non-empty
``debug_data`` always gets exactly one report per registration. It carries contributions
only when the outcome's types match the debug data and every limit allows them; otherwise
it is a *null* report (padding only), so the reporting origin cannot tell from a report's
presence which limit was hit. Reports are sent at once, never from fenced frames.

Keys: ``type key_piece | config key_piece`` for a source, and
``type key_piece | trigger key_piece | attributed source's key_piece`` for a trigger.

Limits, checked in Chromium's order: the budget (the new source's ``budget``; for a
trigger, the attributed source's remaining debug budget, or 65536 without a source), the
attributed source's report count, then the per-day budgets per context site and per
(context site, reporting site). The checks are pure functions of numbers that the engine
reads from its storage (:class:`DebugBudgetUsage`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .aggregatable_contributions import ALLOWED_AGGREGATABLE_BUDGET_PER_SOURCE
from .config import Config
from .debug_types import AGGREGATABLE_SOURCE_TYPES as SOURCE_TYPES
from .debug_types import TRIGGER_TYPES as TRIGGER_TYPES
from .debug_types import UNSPECIFIED
from .reports import AggregatableData
from .time_units import DAY_MS

DEBUG_API = "attribution-reporting-debug"
MAX_VALUE_WITHOUT_SOURCE = ALLOWED_AGGREGATABLE_BUDGET_PER_SOURCE

# Results of the limit checks (Chromium's ``AggregatableDebugReport`` result names).
SUCCESS = "success"
NO_MATCHING_DATA = "no-matching-data"
INSUFFICIENT_BUDGET = "insufficient-budget"
EXCESSIVE_REPORTS = "excessive-reports"
GLOBAL_RATE_LIMIT = "global-rate-limit-reached"
REPORTING_SITE_RATE_LIMIT = "reporting-site-rate-limit-reached"
BOTH_RATE_LIMITS = "both-rate-limits-reached"

Contribution = tuple[int, int, int]


@dataclass(frozen=True)
class DebugBudgetUsage:
    """Debug budget already spent in the rate-limit window, as read from storage."""

    context_site: int = 0
    context_reporting_site: int = 0


@dataclass(frozen=True)
class AggregatableDebugReport:
    """One aggregatable debug report to send, and what the engine must record for it.

    On ``SUCCESS`` the engine adds a budget record of ``consumed_budget`` for
    (context site, reporting site) at the registration time, subtracts it from the
    attributed (or new) source's remaining debug budget and counts one report for that
    source. Any other result is a null report: nothing is recorded.
    """

    result: str
    data: AggregatableData
    consumed_budget: int


def opted_in(debug_config: Mapping[str, Any] | None) -> bool:
    """A registration asks for aggregatable debug reports by listing some debug data."""
    return bool(debug_config and debug_config.get("debug_data"))


def _int(piece: Any) -> int:
    if piece is None:
        return 0
    return piece if isinstance(piece, int) else int(str(piece), 16)


def debug_contributions(
    debug_config: Mapping[str, Any] | None,
    types: Iterable[str],
    supported_types: Sequence[str],
    *,
    extra_key_piece: int = 0,
) -> list[Contribution]:
    """Contributions for the outcome ``types``, in the order given (at most one per type).

    A type matches the debug data entry that lists it; an ``unspecified`` entry covers
    every type in ``supported_types`` that no entry lists. Key pieces are hex strings (the
    parser's normalized form) or integers.
    """
    if not debug_config:
        return []
    entries = list(debug_config.get("debug_data") or [])
    explicit = {t for entry in entries for t in entry["types"] if t != UNSPECIFIED}
    fallback = next((e for e in entries if UNSPECIFIED in e["types"]), None)
    base = _int(debug_config.get("key_piece")) | extra_key_piece
    out: list[Contribution] = []
    for debug_type in dict.fromkeys(types):
        entry = next((e for e in entries if debug_type in e["types"]), None)
        if (
            entry is None
            and fallback is not None
            and debug_type in supported_types
            and debug_type not in explicit
        ):
            entry = fallback
        if entry is not None:
            out.append((_int(entry["key_piece"]) | base, int(entry["value"]), 0))
    return out


def check_limits(
    total: int,
    *,
    budget: int,
    source_report_count: int | None,
    usage: DebugBudgetUsage,
    config: Config,
) -> str:
    """Whether contributions totalling ``total`` may be sent, as one result string.

    ``budget`` is what is left to spend (see the module docstring); ``source_report_count``
    the attributed or new source's debug reports so far (None when there is no source).
    """
    if total <= 0:
        return NO_MATCHING_DATA
    if total > budget:
        return INSUFFICIENT_BUDGET
    if (
        source_report_count is not None
        and source_report_count >= config.max_aggregatable_debug_reports_per_source
    ):
        return EXCESSIVE_REPORTS
    over_global = usage.context_site + total > config.max_aggregatable_debug_budget_per_context_site
    over_reporting = (
        usage.context_reporting_site + total > config.max_aggregatable_debug_budget_per_context_reporting_site
    )
    if over_global and over_reporting:
        return BOTH_RATE_LIMITS
    if over_global:
        return GLOBAL_RATE_LIMIT
    if over_reporting:
        return REPORTING_SITE_RATE_LIMIT
    return SUCCESS


def window_start_ms(now_ms: int, config: Config) -> int:
    """Records with time > this are inside the rate-limit window (1 day by default)."""
    return now_ms - config.aggregatable_debug_rate_limit_window_in_days * DAY_MS


def usage_from_records(
    records: Iterable[Any], *, context_site: str, reporting_site: str, now_ms: int, config: Config
) -> DebugBudgetUsage:
    """Sum the budget records (``DebugBudgetRecord``-like) that fall in the window."""
    since = window_start_ms(now_ms, config)
    site_total = pair_total = 0
    for record in records:
        if record.context_site != context_site or record.time_ms <= since:
            continue
        site_total += record.consumed_budget
        if record.reporting_site == reporting_site:
            pair_total += record.consumed_budget
    return DebugBudgetUsage(site_total, pair_total)


def _report(
    contributions: list[Contribution],
    result: str,
    *,
    debug_config: Mapping[str, Any],
    attribution_destination: str,
    reporting_origin: str,
    time_ms: int,
    default_coordinator_origin: str,
) -> AggregatableDebugReport:
    kept = contributions if result == SUCCESS else []
    data = AggregatableData(
        api=DEBUG_API,
        attribution_destination=attribution_destination,
        reporting_origin=reporting_origin,
        scheduled_report_time=time_ms // 1000,
        contributions=kept,
        filtering_id_max_bytes=1,
        aggregation_coordinator_origin=debug_config.get("aggregation_coordinator_origin")
        or default_coordinator_origin,
        is_null=not kept,
    )
    return AggregatableDebugReport(result, data, sum(v for _, v, _ in kept))


def source_report(
    debug_config: Mapping[str, Any] | None,
    types: Sequence[str],
    *,
    destination_sites: Sequence[str],
    reporting_origin: str,
    time_ms: int,
    usage: DebugBudgetUsage,
    config: Config,
    fenced: bool = False,
) -> AggregatableDebugReport | None:
    """The report for a source registration whose outcome has ``types``, or None.

    ``types`` is the outcome type as Chrome names it for aggregatable debug (the real
    type, not the ``source-success`` a verbose report may show), followed by
    ``source-destination-limit-replaced`` when the destination limit replaced sources.
    The budget is the new source's own ``budget``; the new source has no report yet.
    """
    if fenced or not opted_in(debug_config):
        return None
    assert debug_config is not None
    contributions = debug_contributions(debug_config, types, SOURCE_TYPES)
    total = sum(v for _, v, _ in contributions)
    result = check_limits(
        total, budget=int(debug_config.get("budget", 0)), source_report_count=0, usage=usage, config=config
    )
    return _report(
        contributions,
        result,
        debug_config=debug_config,
        attribution_destination=sorted(destination_sites)[0],
        reporting_origin=reporting_origin,
        time_ms=time_ms,
        default_coordinator_origin=config.default_coordinator_origin,
    )


def trigger_report(
    debug_config: Mapping[str, Any] | None,
    types: Sequence[str],
    *,
    destination_site: str,
    reporting_origin: str,
    time_ms: int,
    usage: DebugBudgetUsage,
    config: Config,
    source: Any = None,
    fenced: bool = False,
) -> AggregatableDebugReport | None:
    """The report for a trigger registration whose outcome has ``types``, or None.

    ``types`` lists the event-level and the aggregatable outcome (or the single
    no-matching-source / no-matching-filter-data type). ``source`` is the attributed
    ``StoredSource`` (its ``aggregatable_debug_reporting``,
    ``remaining_aggregatable_debug_budget`` and ``num_aggregatable_debug_reports`` are read),
    or None when no source matched.
    """
    if fenced or not opted_in(debug_config):
        return None
    assert debug_config is not None
    source_piece, budget, count = 0, MAX_VALUE_WITHOUT_SOURCE, None
    if source is not None:
        source_config = source.aggregatable_debug_reporting or {}
        source_piece = _int(source_config.get("key_piece"))
        budget = source.remaining_aggregatable_debug_budget
        count = source.num_aggregatable_debug_reports
    contributions = debug_contributions(debug_config, types, TRIGGER_TYPES, extra_key_piece=source_piece)
    total = sum(v for _, v, _ in contributions)
    result = check_limits(total, budget=budget, source_report_count=count, usage=usage, config=config)
    return _report(
        contributions,
        result,
        debug_config=debug_config,
        attribution_destination=destination_site,
        reporting_origin=reporting_origin,
        time_ms=time_ms,
        default_coordinator_origin=config.default_coordinator_origin,
    )
