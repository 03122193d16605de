"""A trigger's ``aggregatable_trigger_data`` and ``aggregatable_values``.

``aggregatable_values`` is either one ``{key: value}`` object or a list of
``{"values": {...}, "filters", "not_filters"}``; both normalize to the list form, and each
value to ``{"value": n, "filtering_id": "id"}``. Filtering IDs must fit in
``aggregatable_filtering_id_max_bytes`` bytes.
"""

from __future__ import annotations

from typing import Any

from .aggregatable_debug_reporting import aggregatable_value
from .containers import array, field, key_values, required, set_of, struct_of, with_default
from .filters import FILTER_FIELDS
from .issues import Context
from .parsing import INVALID, hex128, hex_str, in_range, integer, string, type_switch, uint

DEFAULT_FILTERING_ID_MAX_BYTES = 1
MAX_FILTERING_ID_MAX_BYTES = 8
SOURCE_REGISTRATION_TIME = ("exclude", "include")


def aggregatable_trigger_data(j: Any, ctx: Context) -> Any:
    """``[{"key_piece", "source_keys", "filters", "not_filters"}, ...]``."""

    def datum(v: Any, ctx: Context) -> Any:
        parsed = struct_of(
            v,
            ctx,
            [
                (
                    "source_keys",
                    field("source_keys", with_default(lambda k, ctx: set_of(k, ctx, string), list)),
                ),
                *FILTER_FIELDS,
                ("key_piece", field("key_piece", required(hex128))),
            ],
        )
        if parsed is INVALID:
            return INVALID
        parsed["key_piece"] = hex_str(parsed["key_piece"])
        return parsed

    return array(j, ctx, datum)


def _filtering_id(j: Any, ctx: Context, max_bytes: Any) -> Any:
    n = uint(j, ctx)
    if n is INVALID:
        return INVALID
    if max_bytes is INVALID:
        ctx.error("cannot be fully validated without a valid aggregatable_filtering_id_max_bytes")
        return INVALID
    msg = None
    if max_bytes == DEFAULT_FILTERING_ID_MAX_BYTES:
        msg = (
            "must be in the range [0, 255]. It exceeds the default max size of 1 byte. To increase, "
            "specify the aggregatable_filtering_id_max_bytes property."
        )
    if not in_range(n, ctx, 0, 256**max_bytes - 1, msg):
        return INVALID
    return str(n)


def _value(kv: tuple[str, Any], ctx: Context, max_bytes: Any) -> Any:
    def plain(n: Any, ctx: Context) -> Any:
        v = aggregatable_value(n, ctx)
        return INVALID if v is INVALID else {"value": v, "filtering_id": "0"}

    def detailed(d: Any, ctx: Context) -> Any:
        return struct_of(
            d,
            ctx,
            [
                ("value", field("value", required(aggregatable_value))),
                ("filtering_id", field("filtering_id", with_default(_filtering_id, "0"), max_bytes)),
            ],
        )

    return type_switch(kv[1], ctx, number=plain, object=detailed)


def _values(j: Any, ctx: Context, max_bytes: Any) -> Any:
    return key_values(j, ctx, lambda kv, ctx: _value(kv, ctx, max_bytes))


def aggregatable_values(j: Any, ctx: Context, max_bytes: Any) -> Any:
    """Normalized ``[{"values": {key: {"value", "filtering_id"}}, "filters", "not_filters"}]``."""

    def single(d: Any, ctx: Context) -> Any:
        values = _values(d, ctx, max_bytes)
        return INVALID if values is INVALID else [{"values": values, "filters": [], "not_filters": []}]

    def config(v: Any, ctx: Context) -> Any:
        return struct_of(v, ctx, [("values", field("values", required(_values), max_bytes)), *FILTER_FIELDS])

    return type_switch(j, ctx, object=single, list=lambda v, ctx: array(v, ctx, config))


def filtering_id_max_bytes(j: Any, ctx: Context, source_registration_time: Any) -> Any:
    n = integer(j, ctx, 1, MAX_FILTERING_ID_MAX_BYTES)
    if n is INVALID:
        return INVALID
    if source_registration_time is INVALID:
        ctx.error("cannot be fully validated without a valid aggregatable_source_registration_time")
        return INVALID
    if source_registration_time != "exclude" and n != DEFAULT_FILTERING_ID_MAX_BYTES:
        ctx.error(
            f"with a non-default value (higher than {DEFAULT_FILTERING_ID_MAX_BYTES}) is prohibited for "
            f"aggregatable_source_registration_time {source_registration_time}"
        )
        return INVALID
    return n
