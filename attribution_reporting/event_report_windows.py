"""Expiry, report windows, ``max_event_level_reports`` and ``trigger_data`` of a source.

These fields depend on each other (windows are clamped to the expiry, the default windows
depend on the source type), so each parser receives the values it depends on; an invalid
dependency is reported once where it is needed ("cannot be fully validated without ...").
"""

from __future__ import annotations

from typing import Any

from .containers import EARLY_EXIT, array, field, required, set_of, struct_of, with_default
from .issues import Context
from .parsing import (
    INVALID,
    MISSING,
    UINT32_MAX,
    clamp,
    integer,
    non_negative_integer,
    positive_integer,
    type_switch,
    uint64,
)
from .time_units import DAY_S, HOUR_S

MIN_REPORT_WINDOW = HOUR_S
MIN_EXPIRY = DAY_S
MAX_EXPIRY = 30 * DAY_S
MAX_END_TIMES = 5
MAX_SETTABLE_EVENT_LEVEL_ATTRIBUTIONS = 20
MAX_TRIGGER_DATA_PER_SOURCE = 32
DEFAULT_EARLY_WINDOWS = {"event": (), "navigation": (2 * DAY_S, 7 * DAY_S)}
DEFAULT_MAX_EVENT_LEVEL_REPORTS = {"event": 1, "navigation": 3}
DEFAULT_TRIGGER_DATA_CARDINALITY = {"event": 2, "navigation": 8}


def _legacy_duration(j: Any, ctx: Context) -> Any:
    """A duration in seconds, as a number or (for older headers) a uint64 string."""
    return type_switch(j, ctx, number=non_negative_integer, string=uint64)


def round_to_nearest_day(n: int) -> int:
    r = n + DAY_S // 2
    return r - r % DAY_S


def expiry(j: Any, ctx: Context, source_type: str) -> Any:
    """``expiry``: clamped to [1, 30] days; event sources round it to whole days."""
    if j is MISSING:
        return MAX_EXPIRY
    n = _legacy_duration(j, ctx)
    if n is INVALID:
        return INVALID
    n = int(clamp(n, ctx, MIN_EXPIRY, MAX_EXPIRY))
    if source_type == "event":
        r = round_to_nearest_day(n)
        if r != n:
            ctx.warning(f"will be rounded to nearest day ({r}) as source type is event")
        return r
    return n


def single_report_window(j: Any, ctx: Context, expiry_s: Any) -> Any:
    """``aggregatable_report_window`` or ``event_report_window``: clamped to [1 h, expiry]."""
    n = _legacy_duration(j, ctx)
    if n is INVALID:
        return INVALID
    if expiry_s is INVALID:
        ctx.error("cannot be fully validated without a valid expiry")
        return INVALID
    return int(clamp(n, ctx, MIN_REPORT_WINDOW, expiry_s, " (expiry)"))


def default_windows(end: int, source_type: str) -> dict[str, Any]:
    end_times = [e for e in DEFAULT_EARLY_WINDOWS[source_type] if e < end]
    end_times.append(end)
    return {"start_time": 0, "end_times": end_times}


def _start_time(j: Any, ctx: Context, expiry_s: Any) -> Any:
    n = integer(j, ctx)
    if n is INVALID:
        return INVALID
    if expiry_s is INVALID:
        ctx.error("cannot be fully validated without a valid expiry")
        return INVALID
    if not 0 <= n <= expiry_s:
        ctx.error(f"must be non-negative and <= expiry ({expiry_s})")
        return INVALID
    return n


def _end_times(j: Any, ctx: Context, expiry_s: Any, start: Any) -> Any:
    if start is INVALID:
        ctx.error("cannot be fully validated without a valid start_time")
        return INVALID
    if expiry_s is INVALID:
        ctx.error("cannot be fully validated without a valid expiry")
        return INVALID
    prev = {"value": start, "desc": "start_time"}

    def end_time(v: Any, ctx: Context) -> Any:
        n = positive_integer(v, ctx)
        if n is INVALID:
            return INVALID
        n = clamp(n, ctx, MIN_REPORT_WINDOW, expiry_s, " (expiry)")
        if n <= prev["value"]:
            ctx.error(f"must be > {prev['desc']} ({prev['value']})")
            return INVALID
        prev.update(value=n, desc="previous end_time")
        return n

    # Stops at the first bad end time: later ones would only repeat the same complaint.
    return array(j, ctx, end_time, 1, MAX_END_TIMES, on_item_error=EARLY_EXIT)


def event_report_windows(j: Any, ctx: Context, expiry_s: Any) -> Any:
    """``event_report_windows``: ``{"start_time": s, "end_times": [...]}``."""

    def parse(d: dict[str, Any], ctx: Context) -> Any:
        start = field("start_time", with_default(_start_time, 0), expiry_s)(d, ctx)
        return struct_of(
            d,
            ctx,
            [
                ("start_time", lambda d, ctx: start),
                ("end_times", field("end_times", required(_end_times), expiry_s, start)),
            ],
        )

    return type_switch(j, ctx, object=parse)


def event_report_window(j: Any, ctx: Context, expiry_s: Any, source_type: str) -> Any:
    end = single_report_window(j, ctx, expiry_s)
    return INVALID if end is INVALID else default_windows(end, source_type)


def max_event_level_reports(j: Any, ctx: Context, source_type: str) -> Any:
    if j is MISSING:
        return DEFAULT_MAX_EVENT_LEVEL_REPORTS[source_type]
    return integer(j, ctx, 0, MAX_SETTABLE_EVENT_LEVEL_ATTRIBUTIONS)


def _trigger_datum(j: Any, ctx: Context) -> Any:
    return integer(j, ctx, 0, UINT32_MAX)


def trigger_data(j: Any, ctx: Context) -> Any:
    """``trigger_data``: up to 32 distinct uint32 values (may be empty)."""
    return set_of(j, ctx, _trigger_datum, 0, MAX_TRIGGER_DATA_PER_SOURCE, require_distinct=True)


def default_trigger_data(source_type: str) -> list[int]:
    return list(range(DEFAULT_TRIGGER_DATA_CARDINALITY[source_type]))


def is_contiguous_from_zero(values: list[int]) -> bool:
    return sorted(values) == list(range(len(values)))
