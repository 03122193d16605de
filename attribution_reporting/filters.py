"""Filter data (on sources) and filters (on triggers): parsing and matching.

Normalized shapes, as JSON:

- filter data: ``{"key": ["value", ...], ...}``
- a filter config: ``{"key": ["value", ...], ..., "_lookback_window": seconds}`` (the
  lookback window only when set); ``filters`` and ``not_filters`` are lists of configs,
  matched as an OR of ANDs (spec digest §5.2).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .containers import array, field, key_values, set_of, struct_of, with_default
from .issues import Context
from .parsing import INVALID, js_len, positive_integer, string, type_switch

MAX_ENTRIES_PER_FILTER_DATA = 50
MAX_VALUES_PER_FILTER_DATA_ENTRY = 50
MAX_LENGTH_PER_FILTER_STRING = 25
SOURCE_TYPES = ("event", "navigation")
LOOKBACK_WINDOW = "_lookback_window"


def _filter_string(s: str, ctx: Context, prefix: str = "") -> bool:
    n = js_len(s)
    if n > MAX_LENGTH_PER_FILTER_STRING:
        ctx.error(f"{prefix}exceeds max length per filter string ({n} > {MAX_LENGTH_PER_FILTER_STRING})")
        return False
    return True


def _filter_data_value(j: Any, ctx: Context) -> Any:
    s = string(j, ctx)
    return s if s is not INVALID and _filter_string(s, ctx) else INVALID


def _filter_data_entry(kv: tuple[str, Any], ctx: Context) -> Any:
    key, j = kv
    if key in ("source_type", LOOKBACK_WINDOW):
        ctx.error("is prohibited because it is implicitly set")
        return INVALID
    if key.startswith("_"):
        ctx.error('is prohibited as keys starting with "_" are reserved')
        return INVALID
    if not _filter_string(key, ctx, "key "):
        return INVALID
    return set_of(j, ctx, _filter_data_value, max_length=MAX_VALUES_PER_FILTER_DATA_ENTRY)


def parse_filter_data(j: Any, ctx: Context) -> Any:
    """A source's ``filter_data``."""
    return key_values(j, ctx, _filter_data_entry, MAX_ENTRIES_PER_FILTER_DATA)


def _filter_entry(kv: tuple[str, Any], ctx: Context) -> Any:
    key, j = kv
    if key.startswith("_"):
        ctx.error('is prohibited as keys starting with "_" are reserved')
        return INVALID

    def value(v: Any, ctx: Context) -> Any:
        s = string(v, ctx)
        if s is not INVALID and key == "source_type" and s not in SOURCE_TYPES:
            ctx.warning(f"unknown value {s} ({key} can only match one of {', '.join(SOURCE_TYPES)})")
        return s

    return set_of(j, ctx, value)


def _filter_config(j: Any, ctx: Context) -> Any:
    # The lookback window is read first, so the remaining keys are the filter map.
    parsed = struct_of(
        j,
        ctx,
        [
            ("lookback", field(LOOKBACK_WINDOW, with_default(positive_integer, None))),
            ("map", lambda d, ctx: key_values(d, ctx, _filter_entry)),
        ],
        warn_unknown=False,
    )
    if parsed is INVALID:
        return INVALID
    config = dict(parsed["map"])
    if parsed["lookback"] is not None:
        config[LOOKBACK_WINDOW] = parsed["lookback"]
    return config


def _or_filters(j: Any, ctx: Context) -> Any:
    def one(d: Any, ctx: Context) -> Any:
        c = _filter_config(d, ctx)
        return INVALID if c is INVALID else [c]

    return type_switch(j, ctx, list=lambda v, ctx: array(v, ctx, _filter_config), object=one)


FILTER_FIELDS = [
    ("filters", field("filters", with_default(_or_filters, list))),
    ("not_filters", field("not_filters", with_default(_or_filters, list))),
]


# --- matching (spec digest §5.2) ---------------------------------------------------------------


def _match_values(source_values: Iterable[str], filter_values: list[str], negated: bool) -> bool:
    source_values = list(source_values)
    if not filter_values:
        # An empty filter list matches "key absent or empty" (negated: "key has values").
        return bool(source_values) if negated else not source_values
    hit = any(v in filter_values for v in source_values)
    return not hit if negated else hit


def _match_config(
    source_data: Mapping[str, Iterable[str]],
    config: Mapping[str, Any],
    source_time_s: float,
    trigger_time_s: float,
    negated: bool,
) -> bool:
    lookback = config.get(LOOKBACK_WINDOW)
    if lookback is not None:
        within = trigger_time_s - source_time_s <= lookback
        if within == negated:
            return False
    for key, filter_values in config.items():
        if key == LOOKBACK_WINDOW:
            continue
        source_values = source_data.get(key)
        if source_values is None:
            continue
        if not _match_values(source_values, list(filter_values), negated):
            return False
    return True


def _match_any(
    source_data: Mapping, configs: list, source_time_s: float, trigger_time_s: float, negated: bool
) -> bool:
    if not configs:
        return True
    return any(_match_config(source_data, c, source_time_s, trigger_time_s, negated) for c in configs)


def matches(
    source_filter_data: Mapping[str, Iterable[str]],
    source_type: str,
    source_time_s: float,
    trigger_time_s: float,
    filters: list[Mapping[str, Any]],
    not_filters: list[Mapping[str, Any]],
) -> bool:
    """Whether a source matches a trigger's ``filters`` and ``not_filters``.

    ``source_type`` is matched as the implicit ``source_type`` filter-data key; times are in
    seconds (only their difference matters, for ``_lookback_window``).
    """
    data = dict(source_filter_data)
    data["source_type"] = [source_type]
    return _match_any(data, filters, source_time_s, trigger_time_s, False) and _match_any(
        data, not_filters, source_time_s, trigger_time_s, True
    )
