"""One registration response: which header counts, parsing, then source or trigger processing.

The spec's "process an attribution eligible response": the request's eligibility decides
which headers are read (a navigation reads only source headers; ``event-source, trigger``
ignores a response that carries both kinds), ``Attribution-Reporting-Info`` chooses between
web and OS headers, a header that does not parse gives a ``header-parsing-error`` debug
report when the response asked for one, and a parsed header is processed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .context import EngineContext, Registration
from .engine_verbose_debug import header_error_reports, os_delegated_reports
from .explanations import source_explanation, trigger_explanation
from .reports import Report
from .sites import InvalidURL, is_suitable_origin, origin_of, site_of
from .source_processing import PRIVACY_LIMITS, process_source
from .trigger_attribution import process_trigger
from .validate import validate

DRAW = "draw"  # randomized_response default: draw it with the engine's rng

SOURCE = "Attribution-Reporting-Register-Source"
TRIGGER = "Attribution-Reporting-Register-Trigger"
OS_SOURCE = "Attribution-Reporting-Register-OS-Source"
OS_TRIGGER = "Attribution-Reporting-Register-OS-Trigger"
INFO = "Attribution-Reporting-Info"


@dataclass
class RegistrationRequest:
    context_origin: str
    eligible: str | None = None
    support: str = "web"
    fenced: bool = False
    navigation_id: str | None = None


@dataclass
class RegistrationResponse:
    url: str
    headers: Mapping[str, Any] = field(default_factory=dict)
    debug_permission: bool = False
    randomized_response: Any = DRAW
    null_aggregatable_reports_days: list[int] | None = None


@dataclass
class RegistrationOutcome:
    kind: str
    status: str | None = None
    event_level_status: str | None = None
    aggregatable_status: str | None = None
    explanation: str = ""
    value: Any = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    header: str | None = None


INT32 = range(-(2**31), 2**31)


def _as_chromium_value(value: Any) -> Any:
    """Chromium's JSON values hold 32-bit ints; larger integers are doubles ("1e+20", "4294967296.0")."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if value in INT32 else float(value)
    if isinstance(value, dict):
        return {k: _as_chromium_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_chromium_value(v) for v in value]
    return value


def header_text(value: Any) -> str:
    """A header as text: strings as they are, decoded JSON serialized as Chromium does (sorted keys)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("latin-1")
    return json.dumps(_as_chromium_value(value), separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def _lookup(headers: Mapping[str, Any], name: str) -> tuple[bool, Any]:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return True, value
    return False, None


def _issues(items: Any) -> list[dict[str, Any]]:
    return [{"path": i.path, "msg": i.msg} for i in items]


def _engine_errors(result: Any) -> list[Any]:
    """The validator's errors minus the privacy limits, which reject a parsed source later.

    The validator tags those with their verbose debug type (``Issue.code``); Chromium applies
    them when it stores the source, so they get a source status and debug reports, not a
    parse error.
    """
    return [e for e in result.errors if e.code not in PRIVACY_LIMITS]


def _flags(text: str | None, header: str, default: dict[str, bool]) -> dict[str, bool] | None:
    if text is None:
        return default
    result = validate(header, text)
    return result.value if result.valid else None


def _choose(
    eligible: dict[str, bool], support: dict[str, bool], present: dict[str, bool], preferred: str | None
) -> str | None:
    """Which header is processed (spec "get the registration platform" + eligibility)."""
    if eligible.get("navigation_source"):
        web, os_ = (SOURCE if present[SOURCE] else None), (OS_SOURCE if present[OS_SOURCE] else None)
    else:
        has_source = present[SOURCE] or present[OS_SOURCE]
        has_trigger = present[TRIGGER] or present[OS_TRIGGER]
        can_source, can_trigger = eligible.get("event_source"), eligible.get("trigger")
        if can_source and can_trigger and has_source and has_trigger:
            return None
        if can_source and has_source:
            web, os_ = (SOURCE if present[SOURCE] else None), (OS_SOURCE if present[OS_SOURCE] else None)
        elif can_trigger and has_trigger:
            web, os_ = (TRIGGER if present[TRIGGER] else None), (OS_TRIGGER if present[OS_TRIGGER] else None)
        else:
            return None
    web_ok, os_ok = web is not None and support.get("web"), os_ is not None and support.get("os")
    if preferred == "os":
        if os_ is None:
            return None
        return os_ if support.get("os") else (web if web_ok else None)
    if preferred == "web":
        if web is None:
            return None
        return web if support.get("web") else (os_ if os_ok else None)
    if web is not None and os_ is not None:
        return None
    return web if web_ok else (os_ if os_ok else None)


def process_registration(
    ctx: EngineContext,
    request: RegistrationRequest,
    response: RegistrationResponse,
    now_ms: int,
) -> RegistrationOutcome:
    try:
        reporting_origin = origin_of(response.url)
        context_site = site_of(request.context_origin)
    except (InvalidURL, ValueError):
        return RegistrationOutcome(
            "none", explanation="The response URL or the page origin is not a valid URL."
        )
    if not is_suitable_origin(reporting_origin) or not is_suitable_origin(request.context_origin):
        return RegistrationOutcome(
            "none",
            explanation="Ignored: registrations need potentially trustworthy origins (HTTPS or localhost).",
        )
    headers = response.headers
    present = {name: _lookup(headers, name)[0] for name in (SOURCE, TRIGGER, OS_SOURCE, OS_TRIGGER)}
    eligible = _flags(request.eligible, "eligible", {"trigger": True})
    support = _flags(request.support, "support", {"web": True})
    has_info, info_raw = _lookup(headers, INFO)
    info = _flags(header_text(info_raw) if has_info else None, "info", {})
    if eligible is None or support is None or info is None:
        return RegistrationOutcome("none", explanation="Ignored: a request or Info header is malformed.")
    chosen = _choose(eligible, support, present, info.get("preferred_platform"))
    if chosen is None:
        return RegistrationOutcome(
            "none", explanation="No registration header this request was eligible for."
        )

    reg = Registration(
        context_origin=request.context_origin,
        context_site=context_site,
        reporting_origin=reporting_origin,
        reporting_site=site_of(reporting_origin),
        time_ms=now_ms,
        debug_permission=response.debug_permission,
        fenced=request.fenced,
        source_type="navigation" if eligible.get("navigation_source") else "event",
        randomized_response=None if response.randomized_response == DRAW else response.randomized_response,
        randomized_response_given=response.randomized_response != DRAW,
        null_aggregatable_reports_days=response.null_aggregatable_reports_days,
        navigation_id=request.navigation_id,
    )
    raw = _lookup(headers, chosen)[1]
    text = header_text(raw)
    kind = {SOURCE: "source", TRIGGER: "trigger", OS_SOURCE: "os-source", OS_TRIGGER: "os-trigger"}[chosen]
    if chosen in (SOURCE, TRIGGER):
        value = raw if isinstance(raw, dict | list) else text
        result = validate(kind, value, source_type=reg.source_type, config=ctx.config)
        errors = _engine_errors(result)
    else:
        result = validate(kind, text)
        errors = result.errors
    outcome = RegistrationOutcome(kind, header=chosen, value=result.value, warnings=_issues(result.warnings))
    if errors or result.value is None:
        outcome.errors = _issues(errors) or [{"path": None, "msg": "the header could not be parsed"}]
        outcome.status = "parseError"
        outcome.explanation = f"The {chosen} header could not be parsed: " + "; ".join(
            e["msg"] for e in outcome.errors[:3]
        )
        outcome.reports += header_error_reports(
            ctx, reg, chosen, text, report_header_errors=bool(info.get("report_header_errors"))
        )
        return outcome

    if kind == "source" and not _navigation_scopes_allowed(ctx, reg, result.value):
        outcome.status = "exceedsMaxScopeSetsPerNavigation"
        outcome.explanation = (
            "Ignored: this navigation already registered sources from this reporting origin with "
            "different attribution scopes, and a navigation may use only one set."
        )
    elif kind == "source":
        exceeded = {e.code for e in result.errors if e.code in PRIVACY_LIMITS}
        src = process_source(ctx, reg, result.value, exceeded)
        outcome.status = src.status
        outcome.reports = src.reports
        outcome.explanation = source_explanation(src.status)
    elif kind == "trigger":
        trg = process_trigger(ctx, reg, result.value)
        outcome.event_level_status = trg.event_status
        outcome.aggregatable_status = trg.aggregatable_status
        outcome.reports = trg.reports
        outcome.explanation = trigger_explanation(trg.event_status, trg.aggregatable_status)
    else:
        outcome.status = "delegatedToOs"
        outcome.explanation = (
            "The registration was handed to the operating system, which this browser does not have."
        )
        urls = [item["url"] for item in result.value or [] if item.get("debug_reporting")]
        outcome.reports = os_delegated_reports(ctx, reg, kind.removeprefix("os-"), urls)
    return outcome


MAX_REMEMBERED_NAVIGATIONS = 1000


def _navigation_scopes_allowed(ctx: EngineContext, reg: Registration, value: dict[str, Any]) -> bool:
    """At most N distinct attribution scope sets per (navigation, reporting origin).

    A source without scopes counts as its own set, so a redirect chain cannot mix scoped and
    unscoped sources for one reporting origin (unless the config asks for the older rule).
    """
    if reg.source_type != "navigation" or reg.navigation_id is None:
        return True
    scopes = value.get("attribution_scopes")
    if scopes is None and not ctx.config.navigation_scope_limit_counts_unscoped:
        return True
    key = (reg.navigation_id, reg.reporting_origin)
    seen = ctx.navigation_scope_sets.get(key)
    if seen is None:
        while len(ctx.navigation_scope_sets) >= MAX_REMEMBERED_NAVIGATIONS:
            del ctx.navigation_scope_sets[next(iter(ctx.navigation_scope_sets))]
        seen = ctx.navigation_scope_sets[key] = set()
    values = None if scopes is None else frozenset(scopes["values"])
    if values in seen:
        return True
    if len(seen) >= ctx.config.max_attribution_scope_sets_per_navigation:
        return False
    seen.add(values)
    return True
