"""Which null aggregatable reports a trigger makes (spec "generate null attribution reports").

A trigger with aggregatable data may or may not produce a real report, and that fact
itself would leak whether a matching source exists. So the browser sometimes adds null
reports (no contributions, padding only) that are indistinguishable on the wire:

- ``exclude`` (no ``source_registration_time`` in ``shared_info``): when no real report
  was made, one null report with probability ``null_report_rate_exclude`` (0.05);
- ``include``: the real report reveals its source's day, so for each lookback day
  0..30 other than the real report's day, one null report with probability
  ``null_report_rate_include`` (0.008), whose ``source_registration_time`` is that day.

A trigger with a ``trigger_context_id`` or a non-default ``aggregatable_filtering_id_max_bytes``
is *unconditionally sent*: its rate is 1 (the report's absence would otherwise be visible),
and it is sent without delay. Chromium's interop runner replaces the random draw by a list
of lookback days (``null_aggregatable_reports_days``); pass it as ``days``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from .config import Config
from .reports import AggregatableData
from .time_units import DAY_MS, DAY_S

LOOKBACK_DAYS = 30  # the maximum source expiry, in days
INCLUDE = "include"
EXCLUDE = "exclude"
DEFAULT_FILTERING_ID_MAX_BYTES = 1


def is_unconditionally_sent(trigger_context_id: str | None, filtering_id_max_bytes: int) -> bool:
    """Reports of such a trigger are always sent, at once: absence would be observable."""
    return trigger_context_id is not None or filtering_id_max_bytes != DEFAULT_FILTERING_ID_MAX_BYTES


def null_report_rate(
    config: Config,
    source_registration_time_config: str,
    unconditionally_sent: bool,
    *,
    local_testing_mode: bool = False,
) -> float:
    """Probability of a null report per lookback day (``include``) or per trigger (``exclude``).

    Local testing mode has no random null reports; an unconditionally sent trigger's are not
    random (its report always arrives), so they stay.
    """
    if unconditionally_sent:
        return 1.0
    if local_testing_mode:
        return 0.0
    if source_registration_time_config == INCLUDE:
        return config.null_report_rate_include_source_registration_time
    return config.null_report_rate_exclude_source_registration_time


def source_registration_time(source_time_ms: int) -> int:
    """``source_registration_time``: seconds since the epoch, rounded down to a whole day."""
    seconds = source_time_ms // 1000
    return seconds - seconds % DAY_S


@dataclass(frozen=True)
class NullReport:
    """One null report to make: the fake source time and what ``shared_info`` shows of it."""

    lookback_day: int
    fake_source_time_ms: int
    source_registration_time: int | None  # None with "exclude"


def null_reports(
    *,
    trigger_time_ms: int,
    source_registration_time_config: str,
    attributed_source_time_ms: int | None,
    trigger_context_id: str | None,
    filtering_id_max_bytes: int,
    config: Config,
    rng: Any = None,
    days: Collection[int] | None = None,
    local_testing_mode: bool = False,
) -> list[NullReport]:
    """The null reports a trigger with aggregatable data makes.

    Call it once the aggregatable attribution is decided, for every trigger that has
    aggregatable data (also when no source matched or the attribution was dropped).
    ``attributed_source_time_ms`` is the source time of the real report created, or None
    when there is none. ``rng`` (with ``random()``) draws each decision; ``days`` replaces
    the draw by "this lookback day is in ``days``" (a rate of 1 or 0 still decides alone).
    """
    unconditional = is_unconditionally_sent(trigger_context_id, filtering_id_max_bytes)
    rate = null_report_rate(
        config, source_registration_time_config, unconditional, local_testing_mode=local_testing_mode
    )

    def make(day: int) -> bool:
        if rate >= 1.0:
            return True
        if rate <= 0.0:
            return False
        if days is not None:
            return day in days
        if rng is None:
            raise ValueError("null_reports needs an rng or injected days")
        return rng.random() < rate

    if source_registration_time_config != INCLUDE:
        if attributed_source_time_ms is None and make(0):
            return [NullReport(0, trigger_time_ms, None)]
        return []

    real_day = None
    if attributed_source_time_ms is not None:
        real_day = (
            source_registration_time(trigger_time_ms) - source_registration_time(attributed_source_time_ms)
        ) // DAY_S
    out = []
    for day in range(LOOKBACK_DAYS + 1):
        if day == real_day:
            continue
        if make(day):
            fake = trigger_time_ms - day * DAY_MS
            out.append(NullReport(day, fake, source_registration_time(fake)))
    return out


def null_report_data(
    null_report: NullReport,
    *,
    attribution_destination: str,
    reporting_origin: str,
    scheduled_report_time: int,
    aggregation_coordinator_origin: str,
    trigger_debug_key: int | None,
    trigger_context_id: str | None,
    filtering_id_max_bytes: int,
) -> AggregatableData:
    """The :class:`AggregatableData` of a null report: the trigger's fields, no contributions.

    A null report has no source, so no source debug key: the pairing rule keeps the
    trigger's key out of the body, and ``debug_mode`` is never set.
    """
    return AggregatableData(
        api="attribution-reporting",
        attribution_destination=attribution_destination,
        reporting_origin=reporting_origin,
        scheduled_report_time=scheduled_report_time,
        source_registration_time=null_report.source_registration_time,
        contributions=[],
        filtering_id_max_bytes=filtering_id_max_bytes,
        aggregation_coordinator_origin=aggregation_coordinator_origin,
        source_debug_key=None,
        trigger_debug_key=trigger_debug_key,
        trigger_context_id=trigger_context_id,
        debug_mode=False,
        is_null=True,
    )
