"""Event-level reports: report windows, report times and the body Chrome sends.

A source's event report windows are consecutive: ``[start, end1)``, ``[end1, end2)``, ...
relative to the source time. A trigger's report is sent at the end of the window that
contains the trigger time (the one-hour delay after a window was removed from the spec).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .reports import EVENT_LEVEL, Report, report_url
from .storage import StoredSource

WINDOW_NOT_STARTED = "not-started"
WINDOW_PASSED = "passed"


def window_bounds(source: StoredSource) -> list[tuple[int, int]]:
    """(start_ms, end_ms) of each report window, in absolute milliseconds."""
    bounds = []
    start = source.event_report_window_start_ms
    for end in source.event_report_window_ends_ms:
        bounds.append((start, end))
        start = end
    return bounds


def window_for(source: StoredSource, trigger_time_ms: int) -> int | str:
    """Index of the window containing the trigger time, or why there is none."""
    if trigger_time_ms < source.event_report_window_start_ms:
        return WINDOW_NOT_STARTED
    for index, end in enumerate(source.event_report_window_ends_ms):
        if trigger_time_ms < end:
            return index
    return WINDOW_PASSED


def report_time_ms(source: StoredSource, trigger_time_ms: int) -> int | None:
    """End of the window containing the trigger time (None outside the windows)."""
    index = window_for(source, trigger_time_ms)
    if isinstance(index, str):
        return None
    return source.event_report_window_ends_ms[index]


def match_trigger_data(source: StoredSource, trigger_data: int) -> int | None:
    """The spec's trigger data matching: exact membership, or modulus over the sorted set."""
    values = sorted(source.trigger_data)
    if not values:
        return None
    if source.trigger_data_matching == "exact":
        return trigger_data if trigger_data in values else None
    return values[trigger_data % len(values)]


def serialize_destinations(sites: Iterable[str]) -> str | list[str]:
    """A single destination site as a string, several as a sorted list."""
    ordered = sorted(set(sites))
    return ordered[0] if len(ordered) == 1 else ordered


def round_rate(rate: float) -> float:
    """``randomized_trigger_rate`` as Chrome writes it: rounded to 7 decimals."""
    return round(rate, 7)


def report_body(
    source: StoredSource,
    *,
    report_id: str,
    trigger_data: int,
    scheduled_report_time_ms: int,
    trigger_debug_key: int | None,
) -> dict[str, Any]:
    """The JSON body of an event-level report (and of its debug copy)."""
    body: dict[str, Any] = {
        "attribution_destination": serialize_destinations(source.destination_sites),
        "randomized_trigger_rate": round_rate(source.randomized_trigger_rate),
        "report_id": report_id,
        "scheduled_report_time": str(scheduled_report_time_ms // 1000),
        "source_event_id": str(source.source_event_id),
        "source_type": source.source_type,
        "trigger_data": str(trigger_data),
    }
    if source.debug_key is not None and trigger_debug_key is not None:
        body["source_debug_key"] = str(source.debug_key)
        body["trigger_debug_key"] = str(trigger_debug_key)
    return body


def new_report(
    source: StoredSource,
    *,
    report_id: str,
    trigger_data: int,
    report_time_ms: int,
    trigger_time_ms: int,
    trigger_debug_key: int | None = None,
    priority: int = 0,
    destination_site: str,
    context_site: str | None = None,
) -> Report:
    """The spec's "obtain an event-level report": a real one, or a fake one of a noised source."""
    return Report(
        report_id=report_id,
        kind=EVENT_LEVEL,
        url=report_url(source.reporting_origin, EVENT_LEVEL),
        reporting_origin=source.reporting_origin,
        report_time_ms=report_time_ms,
        trigger_time_ms=trigger_time_ms,
        body=report_body(
            source,
            report_id=report_id,
            trigger_data=trigger_data,
            scheduled_report_time_ms=report_time_ms,
            trigger_debug_key=trigger_debug_key,
        ),
        source_id=source.source_id,
        priority=priority,
        destination_site=destination_site,
        context_site=context_site,
    )
