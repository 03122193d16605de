"""Verbose debug reports: what went wrong (or right) with a registration (spec digest §10.4).

A verbose debug report is a JSON list of ``{"type", "body"}`` items POSTed at once to
``/.well-known/attribution-reporting/debug/verbose``. They exist so that an ad tech can
see why its registrations fail, but they reveal per-user outcomes, so they are gated:

- never from a fenced frame;
- source side: the source's ``debug_reporting`` and cookie-based debugging allowed for
  the reporting origin on the source site;
- trigger side: the trigger's ``debug_reporting``, cookies allowed on the destination, and
  for a matched source, that source's cookie flag (set when it was registered).

Two source outcomes are hidden: ``source-destination-global-rate-limit`` and
``source-reporting-origin-limit`` are reported as ``source-success`` (or ``source-noised``),
so that a cross-site count cannot be probed. ``header-parsing-error`` (opted into by
``Attribution-Reporting-Info: report-header-errors``) and the OS delegation reports need
no cookie. Limits are strings, except the channel capacities, which are numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .aggregatable_contributions import ALLOWED_AGGREGATABLE_BUDGET_PER_SOURCE
from .config import Config
from .debug_types import SOURCE_NOISED, SOURCE_SUCCESS
from .debug_types import SOURCE_TYPES as SOURCE_TYPES
from .debug_types import TRIGGER_TYPES as TRIGGER_TYPES
from .event_level import serialize_destinations
from .reports import VERBOSE_DEBUG, Report, report_url

HIDDEN_SOURCE_TYPES = frozenset({"source-destination-global-rate-limit", "source-reporting-origin-limit"})
HEADER_PARSING_ERROR = "header-parsing-error"
OS_SOURCE_DELEGATED = "os-source-delegated"
OS_TRIGGER_DELEGATED = "os-trigger-delegated"
# Trigger types whose body is the event-level report that was not stored.
EVENT_REPORT_BODY_TYPES = frozenset({"trigger-event-excessive-reports", "trigger-event-low-priority"})
# Trigger types that are not about a source (no source fields in the body).
SOURCELESS_TRIGGER_TYPES = frozenset({"trigger-no-matching-source"})


def item(debug_type: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"body": body, "type": debug_type}


# --- source registrations -----------------------------------------------------------


def source_debug_allowed(*, debug_reporting: bool, debug_permission: bool, fenced: bool) -> bool:
    """Whether a source registration may send verbose debug reports at all."""
    return bool(debug_reporting and debug_permission and not fenced)


def reported_source_type(debug_type: str, *, noised: bool) -> str:
    """The type a source outcome is reported as: hidden limits look like success."""
    if debug_type in HIDDEN_SOURCE_TYPES or debug_type in (SOURCE_SUCCESS, SOURCE_NOISED):
        return SOURCE_NOISED if noised else SOURCE_SUCCESS
    return debug_type


def source_limit(
    debug_type: str, config: Config, *, source_type: str = "navigation", max_event_states: int = 3
) -> str | float | None:
    """The ``limit`` a source outcome reports: the configured value that was exceeded."""
    if debug_type == "source-channel-capacity-limit":
        return config.channel_capacity_limit(source_type)
    if debug_type == "source-scopes-channel-capacity-limit":
        return config.scopes_channel_capacity_limit(source_type)
    limits = {
        "source-destination-limit": config.max_destinations_per_source_site_reporting_site,
        "source-destination-per-day-rate-limit": config.max_destinations_per_reporting_site_per_day,
        "source-destination-rate-limit": config.max_destinations_per_rate_limit_window_reporting_site,
        "source-max-event-states-limit": max_event_states,
        "source-reporting-origin-per-site-limit": config.rate_limit_max_reporting_origins_per_source_reporting_site,
        "source-storage-limit": config.max_sources_per_origin,
        "source-trigger-state-cardinality-limit": config.max_trigger_state_cardinality,
    }
    value = limits.get(debug_type)
    return None if value is None else str(value)


def source_body(
    *,
    destination_sites: Sequence[str],
    source_event_id: int,
    source_site: str,
    source_debug_key: int | None = None,
    limit: str | float | None = None,
    source_destination_limit: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"attribution_destination": serialize_destinations(destination_sites)}
    if limit is not None:
        body["limit"] = limit
    if source_debug_key is not None:
        body["source_debug_key"] = str(source_debug_key)
    if source_destination_limit is not None:
        body["source_destination_limit"] = source_destination_limit
    body["source_event_id"] = str(source_event_id)
    body["source_site"] = source_site
    return body


def source_item(
    debug_type: str,
    *,
    destination_sites: Sequence[str],
    source_event_id: int,
    source_site: str,
    source_debug_key: int | None,
    config: Config,
    noised: bool = False,
    destination_limit_replaced: bool = False,
    source_type: str = "navigation",
    max_event_states: int = 3,
) -> dict[str, Any]:
    """The verbose item for a source registration whose outcome is ``debug_type``.

    ``noised``: the source got a non-null randomized response (success shows as
    ``source-noised``). ``destination_limit_replaced``: storing it removed other sources'
    destinations, which a successful report states as ``source_destination_limit``.
    """
    reported = reported_source_type(debug_type, noised=noised)
    replaced = None
    if reported in (SOURCE_SUCCESS, SOURCE_NOISED) and destination_limit_replaced:
        replaced = str(config.max_destinations_per_source_site_reporting_site)
    body = source_body(
        destination_sites=destination_sites,
        source_event_id=source_event_id,
        source_site=source_site,
        source_debug_key=source_debug_key,
        limit=source_limit(reported, config, source_type=source_type, max_event_states=max_event_states),
        source_destination_limit=replaced,
    )
    return item(reported, body)


# --- trigger registrations ----------------------------------------------------------


def trigger_debug_allowed(
    *, debug_reporting: bool, debug_permission: bool, fenced: bool, source: Any = None
) -> bool:
    """Whether a trigger registration may send verbose debug reports.

    ``source`` is the matched ``StoredSource`` (its ``debug_cookie_set`` is read) or None.
    """
    if not debug_reporting or not debug_permission or fenced:
        return False
    return source is None or bool(getattr(source, "debug_cookie_set", False))


def trigger_limit(debug_type: str, config: Config) -> str | None:
    """The ``limit`` a trigger outcome reports (named budgets pass theirs explicitly)."""
    limits = {
        "trigger-aggregate-attributions-per-source-destination-limit": config.rate_limit_max_attributions,
        "trigger-aggregate-excessive-reports": config.max_aggregatable_reports_per_source,
        "trigger-aggregate-insufficient-budget": ALLOWED_AGGREGATABLE_BUDGET_PER_SOURCE,
        "trigger-aggregate-storage-limit": config.max_aggregatable_reports_per_destination,
        "trigger-event-attributions-per-source-destination-limit": config.rate_limit_max_attributions,
        "trigger-event-storage-limit": config.max_event_level_reports_per_destination,
        "trigger-reporting-origin-limit": config.rate_limit_max_attribution_reporting_origins,
    }
    value = limits.get(debug_type)
    return None if value is None else str(value)


def trigger_item(
    debug_type: str,
    *,
    destination_site: str,
    trigger_debug_key: int | None,
    config: Config,
    source: Any = None,
    event_report_body: dict[str, Any] | None = None,
    budget_name: str | None = None,
    budget_limit: int | None = None,
) -> dict[str, Any]:
    """The verbose item for one trigger outcome.

    ``source``: the matched ``StoredSource`` (``source_event_id``, ``source_site``,
    ``debug_key`` are read), None for ``trigger-no-matching-source``.
    ``event_report_body``: the event-level report body, required for
    ``trigger-event-excessive-reports`` and ``trigger-event-low-priority``.
    ``budget_name``/``budget_limit``: the named budget for
    ``trigger-aggregate-insufficient-named-budget`` (its configured size).
    """
    if debug_type in EVENT_REPORT_BODY_TYPES:
        if event_report_body is None:
            raise ValueError(f"{debug_type} needs the event-level report body")
        return item(debug_type, dict(event_report_body))
    body: dict[str, Any] = {"attribution_destination": destination_site}
    limit = trigger_limit(debug_type, config)
    if debug_type == "trigger-aggregate-insufficient-named-budget":
        body["limit"] = str(budget_limit)
        body["name"] = budget_name
    elif limit is not None:
        body["limit"] = limit
    if source is not None and debug_type not in SOURCELESS_TRIGGER_TYPES:
        if source.debug_key is not None:
            body["source_debug_key"] = str(source.debug_key)
        body["source_event_id"] = str(source.source_event_id)
        body["source_site"] = source.source_site
    if trigger_debug_key is not None:
        body["trigger_debug_key"] = str(trigger_debug_key)
    return item(debug_type, dict(sorted(body.items())))


# --- header errors and OS delegation ------------------------------------------------


def header_parsing_error_item(
    *, context_site: str, header: str, value: str, error: str | None = None
) -> dict[str, Any]:
    """``header-parsing-error`` for a header that did not parse.

    ``value`` is the raw header text. Chromium's interop outputs carry no ``error``
    detail, so it is left out unless one is given.
    """
    body = {"context_site": context_site, "header": header, "value": value}
    if error is not None:
        body["error"] = error
    return item(HEADER_PARSING_ERROR, dict(sorted(body.items())))


def header_error_allowed(*, report_header_errors: bool, fenced: bool) -> bool:
    return bool(report_header_errors and not fenced)


def os_delegated_item(kind: str, *, context_site: str, registration_url: str) -> dict[str, Any]:
    """``os-source-delegated``/``os-trigger-delegated``: sent to the registration URL's origin."""
    debug_type = OS_SOURCE_DELEGATED if kind == "source" else OS_TRIGGER_DELEGATED
    return item(debug_type, {"context_site": context_site, "registration_url": registration_url})


# --- reports ------------------------------------------------------------------------


def verbose_report(
    items: Sequence[dict[str, Any]],
    *,
    reporting_origin: str,
    time_ms: int,
    report_id: str,
    context_site: str | None = None,
) -> Report:
    """One verbose debug report: all items of one registration in one POST, sent at once."""
    return Report(
        report_id=report_id,
        kind=VERBOSE_DEBUG,
        url=report_url(reporting_origin, VERBOSE_DEBUG),
        reporting_origin=reporting_origin,
        report_time_ms=time_ms,
        body=[dict(i) for i in items],
        context_site=context_site,
    )


def interop_payload(items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The form Chromium's interop runner prints: bodies without ``report_id``."""
    out = []
    for entry in items:
        body = entry["body"]
        if isinstance(body, dict):
            body = {k: v for k, v in body.items() if k != "report_id"}
        out.append({"body": body, "type": entry["type"]})
    return out
