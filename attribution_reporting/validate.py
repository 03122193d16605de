"""``validate(header, value)``: the one entry point for every Attribution Reporting header.

Returns a ``ValidationResult`` with errors, warnings and notes (each with a JSON path) and,
for a parsable header, its normalized value. Nothing here raises on bad input: a header
that cannot be parsed at all gives one error with ``path=None``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .config import CHROMIUM, Config
from .issues import Context, ValidationResult
from .parsing import INVALID, json_error_message, loads

HEADERS = ("source", "trigger", "eligible", "info", "support", "os-source", "os-trigger")
SOURCE_TYPES = ("event", "navigation")


def _validate_json(value: Any, parse: Any) -> ValidationResult:
    ctx = Context()
    if isinstance(value, bytes | bytearray):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return ctx.finish(None, "the header value is not valid UTF-8")
    if isinstance(value, str):
        try:
            value = loads(value)
        except (ValueError, RecursionError) as e:
            return ctx.finish(
                None, json_error_message(e) if isinstance(e, ValueError) else "JSON nested too deeply"
            )
    try:
        parsed = parse(value, ctx)
    except RecursionError:
        return ctx.finish(None, "JSON nested too deeply")
    return ctx.finish(None if parsed is INVALID else parsed)


def _header_text(value: Any) -> str | None:
    if isinstance(value, bytes | bytearray):
        try:
            return value.decode("ascii")
        except UnicodeDecodeError:
            return None
    return value if isinstance(value, str) else None


def validate(
    header: str,
    value: Any,
    *,
    source_type: str | None = None,
    config: Config | None = None,
    note_info_gain: bool = False,
) -> ValidationResult:
    """Validates one header value (a string, or for source/trigger a decoded JSON value)."""
    config = config or CHROMIUM
    if header == "source":
        from .source_registration import parse_source

        st = source_type or "navigation"
        if st not in SOURCE_TYPES:
            raise ValueError(f"source_type must be one of {', '.join(SOURCE_TYPES)}, not {st!r}")
        return _validate_json(value, lambda j, ctx: parse_source(j, ctx, st, config, note_info_gain))
    if header == "trigger":
        from .trigger_registration import parse_trigger

        return _validate_json(value, lambda j, ctx: parse_trigger(j, ctx, config))
    if header in ("eligible", "support", "info", "os-source", "os-trigger"):
        text = _header_text(value)
        if text is None:
            ctx = Context()
            return ctx.finish(None, "the header value must be a string of ASCII characters")
        if header == "eligible":
            from .eligibility import validate_eligible

            return validate_eligible(text)
        if header == "support":
            from .eligibility import validate_support

            return validate_support(text)
        if header == "info":
            from .registration_info import validate_info

            return validate_info(text)
        from .os_registration import validate_os

        return validate_os(text)
    raise ValueError(f"header must be one of {', '.join(HEADERS)}, not {header!r}")


def config_from_vsv(vsv: Mapping[str, Any], base: Config = CHROMIUM) -> Config:
    """Maps the reference validator's vendor-specific values (``vsv``) onto a ``Config``."""
    changes: dict[str, Any] = {}
    if "aggregationCoordinatorOrigins" in vsv:
        changes["aggregation_coordinator_origins"] = tuple(vsv["aggregationCoordinatorOrigins"])
    for key, prefix in (
        ("maxEventLevelChannelCapacityPerSource", "max_event_level_channel_capacity_"),
        (
            "maxEventLevelAttributionScopesChannelCapacityPerSource",
            "max_event_level_channel_capacity_scopes_",
        ),
    ):
        for source_type, limit in (vsv.get(key) or {}).items():
            changes[prefix + source_type] = _number(limit)
    if "maxSettableEventLevelEpsilon" in vsv:
        changes["max_settable_event_level_epsilon"] = _number(vsv["maxSettableEventLevelEpsilon"])
    if "maxTriggerStateCardinality" in vsv:
        n = _number(vsv["maxTriggerStateCardinality"])
        changes["max_trigger_state_cardinality"] = int(n) if math.isfinite(n) else n
    return base.replace(**changes)


def _number(v: Any) -> float:
    if isinstance(v, Mapping) and "$number" in v:
        return float(v["$number"].replace("Infinity", "inf"))
    return float(v)
