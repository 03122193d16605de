"""``aggregatable_debug_reporting`` on sources and triggers, and the coordinator origin.

A broken aggregatable debug reporting config does not invalidate the registration: the
browser drops it and keeps the rest, so its issues are reported as warnings.
"""

from __future__ import annotations

from typing import Any

from .aggregatable_contributions import ALLOWED_AGGREGATABLE_BUDGET_PER_SOURCE
from .config import Config
from .containers import array, field, required, set_of, struct_of, with_default, with_error_as_warning
from .debug_types import AGGREGATABLE_SOURCE_TYPES, TRIGGER_TYPES, UNSPECIFIED
from .issues import Context
from .parsing import INVALID, MISSING, hex128, hex_str, integer, string
from .sites import suitable_origin

# Types a registration may list; any other type only warns. An ``unspecified`` entry stands for
# every type the registration does not list.
SOURCE_DEBUG_TYPES = (*AGGREGATABLE_SOURCE_TYPES, UNSPECIFIED)
TRIGGER_DEBUG_TYPES = (*TRIGGER_TYPES, UNSPECIFIED)


def aggregatable_value(j: Any, ctx: Context) -> Any:
    """A contribution value or budget: an integer in [1, 65536]."""
    return integer(j, ctx, 1, ALLOWED_AGGREGATABLE_BUDGET_PER_SOURCE)


def key_piece_field() -> tuple[str, Any]:
    return ("key_piece", field("key_piece", required(hex128)))


def coordinator_origin(j: Any, ctx: Context, config: Config) -> Any:
    """``aggregation_coordinator_origin``: one of the vendor's coordinators (default: the first)."""
    allowed = config.aggregation_coordinator_origins
    if j is MISSING:
        return allowed[0]
    s = string(j, ctx)
    if s is INVALID:
        return INVALID
    origin = suitable_origin(s, ctx)
    if origin is INVALID:
        return INVALID
    if origin not in allowed:
        ctx.error(f"must be one of the following: {', '.join(allowed)}")
        return INVALID
    return origin


def _debug_data(j: Any, ctx: Context, types: tuple[str, ...]) -> Any:
    def debug_type(t: Any, ctx: Context) -> Any:
        s = string(t, ctx)
        if s is not INVALID and s not in types:
            ctx.warning("unknown type")
        return s

    parsed = struct_of(
        j,
        ctx,
        [
            (
                "types",
                field("types", required(lambda v, ctx: set_of(v, ctx, debug_type, 1, require_distinct=True))),
            ),
            ("value", field("value", required(aggregatable_value))),
            key_piece_field(),
        ],
    )
    if parsed is INVALID:
        return INVALID
    return {"key_piece": hex_str(parsed["key_piece"]), "types": parsed["types"], "value": parsed["value"]}


def _debug_data_list(j: Any, ctx: Context, types: tuple[str, ...]) -> Any:
    data = array(j, ctx, lambda d, ctx: _debug_data(d, ctx, types))
    if data is INVALID:
        return INVALID
    seen: set[str] = set()
    dups: dict[str, None] = {}
    for d in data:
        for t in d["types"]:
            if t in seen:
                dups[t] = None
            seen.add(t)
    if dups:
        ctx.error(f"duplicate type: {', '.join(dups)}")
        return INVALID
    return data


def _config(j: Any, ctx: Context, config: Config, types: tuple[str, ...], with_budget: bool) -> Any:
    fields = [("budget", field("budget", required(aggregatable_value)))] if with_budget else []
    fields += [
        (
            "debug_data",
            field("debug_data", with_default(lambda v, ctx: _debug_data_list(v, ctx, types), list)),
        ),
        (
            "aggregation_coordinator_origin",
            field("aggregation_coordinator_origin", coordinator_origin, config),
        ),
        key_piece_field(),
    ]
    parsed = struct_of(j, ctx, fields)
    if parsed is INVALID:
        return INVALID
    if with_budget:
        for d in parsed["debug_data"]:
            if d["value"] > parsed["budget"]:
                ctx.error(f"data contains value greater than budget ({parsed['budget']})")
                return INVALID
    out = {
        "key_piece": hex_str(parsed["key_piece"]),
        "aggregation_coordinator_origin": parsed["aggregation_coordinator_origin"],
        "debug_data": parsed["debug_data"],
    }
    if with_budget:
        out["budget"] = parsed["budget"]
    return out


def source_config(j: Any, ctx: Context, config: Config) -> Any:
    """A source's config (with ``budget``), or None when absent or broken."""
    parse = with_error_as_warning(lambda v, ctx: _config(v, ctx, config, SOURCE_DEBUG_TYPES, True), None)
    return with_default(parse, None)(j, ctx)


def trigger_config(j: Any, ctx: Context, config: Config) -> Any:
    """A trigger's config, or None when absent or broken."""
    parse = with_error_as_warning(lambda v, ctx: _config(v, ctx, config, TRIGGER_DEBUG_TYPES, False), None)
    return with_default(parse, None)(j, ctx)
