"""``Attribution-Reporting-Register-Trigger``: parsing and defaults.

The normalized value is the JSON the browser would act on (snake_case keys, every default
filled in, 64-bit integers as decimal strings, filters as lists of filter configs).
"""

from __future__ import annotations

from typing import Any

from . import aggregatable_debug_reporting
from .aggregatable_values import (
    DEFAULT_FILTERING_ID_MAX_BYTES,
    SOURCE_REGISTRATION_TIME,
    aggregatable_trigger_data,
    aggregatable_values,
    filtering_id_max_bytes,
)
from .attribution_scopes import trigger_scopes
from .config import Config
from .containers import array, field, struct, struct_of, with_default, with_error_as_warning
from .filters import FILTER_FIELDS
from .issues import Context
from .named_budgets import trigger_named_budgets
from .parsing import INVALID, boolean, enumerated, int64, js_len, obj, string, uint64

MAX_LENGTH_PER_TRIGGER_CONTEXT_ID = 64


def _u64_str(j: Any, ctx: Context) -> Any:
    v = uint64(j, ctx)
    return INVALID if v is INVALID else str(v)


def _i64_str(j: Any, ctx: Context) -> Any:
    v = int64(j, ctx)
    return INVALID if v is INVALID else str(v)


_DEDUP_KEY = ("deduplication_key", field("deduplication_key", with_default(_u64_str, None)))


def _drop_none(d: dict[str, Any], *keys: str) -> dict[str, Any]:
    for key in keys:
        if d.get(key, 0) is None:
            del d[key]
    return d


def _event_trigger_data(j: Any, ctx: Context) -> Any:
    def datum(v: Any, ctx: Context) -> Any:
        parsed = struct_of(
            v,
            ctx,
            [
                ("trigger_data", field("trigger_data", with_default(_u64_str, "0"))),
                *FILTER_FIELDS,
                _DEDUP_KEY,
                ("priority", field("priority", with_default(_i64_str, "0"))),
            ],
        )
        return INVALID if parsed is INVALID else _drop_none(parsed, "deduplication_key")

    return array(j, ctx, datum)


def _aggregatable_dedup_keys(j: Any, ctx: Context) -> Any:
    def datum(v: Any, ctx: Context) -> Any:
        parsed = struct_of(v, ctx, [_DEDUP_KEY, *FILTER_FIELDS])
        return INVALID if parsed is INVALID else _drop_none(parsed, "deduplication_key")

    return array(j, ctx, datum)


def _trigger_context_id(j: Any, ctx: Context, source_registration_time: Any) -> Any:
    s = string(j, ctx)
    if s is INVALID:
        return INVALID
    n = js_len(s)
    if n > MAX_LENGTH_PER_TRIGGER_CONTEXT_ID:
        ctx.error(f"exceeds max length per trigger context ID ({n} > {MAX_LENGTH_PER_TRIGGER_CONTEXT_ID})")
        return INVALID
    if source_registration_time is INVALID:
        ctx.error("cannot be fully validated without a valid aggregatable_source_registration_time")
        return INVALID
    if source_registration_time != "exclude":
        ctx.error(f"is prohibited for aggregatable_source_registration_time {source_registration_time}")
        return INVALID
    return s


def _warn_inconsistent_aggregatable_keys(t: dict[str, Any], ctx: Context) -> None:
    value_keys: dict[str, None] = {}
    for cfg in t["aggregatable_values"]:
        value_keys.update(dict.fromkeys(cfg["values"]))
    data_keys: set[str] = set()
    with ctx.at("aggregatable_trigger_data"):
        for i, datum in enumerate(t["aggregatable_trigger_data"]):
            with ctx.at(i):
                for key in datum["source_keys"]:
                    data_keys.add(key)
                    if key not in value_keys:
                        with ctx.at("source_keys"):
                            ctx.warning(
                                f'key "{key}" will never result in a contribution due to absence from '
                                "aggregatable_values"
                            )
    with ctx.at("aggregatable_values"):
        for key in value_keys:
            if key not in data_keys:
                ctx.warning(
                    f'key "{key}"\'s absence from aggregatable_trigger_data source_keys equivalent to '
                    "presence with key_piece 0x0"
                )


def parse_trigger(j: Any, ctx: Context, config: Config | None = None) -> Any:
    """Parses a decoded trigger header; returns its normalized JSON or ``INVALID``."""
    config = config or Config()
    d = obj(j, ctx)
    if d is INVALID:
        return INVALID
    registration_time = field(
        "aggregatable_source_registration_time",
        with_default(enumerated, "exclude"),
        SOURCE_REGISTRATION_TIME,
    )(d, ctx)
    max_bytes = field(
        "aggregatable_filtering_id_max_bytes",
        with_default(filtering_id_max_bytes, DEFAULT_FILTERING_ID_MAX_BYTES),
        registration_time,
    )(d, ctx)

    t = struct(
        d,
        ctx,
        [
            (
                "aggregatable_trigger_data",
                field("aggregatable_trigger_data", with_default(aggregatable_trigger_data, list)),
            ),
            ("aggregatable_filtering_id_max_bytes", lambda d, ctx: max_bytes),
            (
                "aggregatable_values",
                field("aggregatable_values", with_default(aggregatable_values, list), max_bytes),
            ),
            (
                "aggregatable_deduplication_keys",
                field("aggregatable_deduplication_keys", with_default(_aggregatable_dedup_keys, list)),
            ),
            ("named_budgets", field("named_budgets", with_default(trigger_named_budgets, list))),
            ("aggregatable_source_registration_time", lambda d, ctx: registration_time),
            ("event_trigger_data", field("event_trigger_data", with_default(_event_trigger_data, list))),
            (
                "trigger_context_id",
                field("trigger_context_id", with_default(_trigger_context_id, None), registration_time),
            ),
            (
                "aggregatable_debug_reporting",
                field("aggregatable_debug_reporting", aggregatable_debug_reporting.trigger_config, config),
            ),
            ("attribution_scopes", field("attribution_scopes", with_default(trigger_scopes, list))),
            (
                "aggregation_coordinator_origin",
                field(
                    "aggregation_coordinator_origin", aggregatable_debug_reporting.coordinator_origin, config
                ),
            ),
            # A bad debug key or flag only costs debugging, so it warns and falls back.
            ("debug_key", field("debug_key", with_default(with_error_as_warning(_u64_str, None), None))),
            (
                "debug_reporting",
                field("debug_reporting", with_default(with_error_as_warning(boolean, False), False)),
            ),
            *FILTER_FIELDS,
        ],
    )
    if t is INVALID:
        return INVALID
    _warn_inconsistent_aggregatable_keys(t, ctx)
    return _drop_none(t, "trigger_context_id", "aggregatable_debug_reporting", "debug_key")
