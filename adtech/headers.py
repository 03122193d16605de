"""Builds the registration headers from campaign settings: pure functions, no database.

A source header says what the ad tech wants to learn about one ad impression or click
(its id, how long it may be attributed, its report windows, its filter data and key
pieces); a trigger header says what a conversion was (trigger data per source type,
priority, deduplication, filters, key pieces and aggregatable values).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Protocol

from aggregation_api.noise import DEFAULT_EPSILON
from attribution_reporting.time_units import DAY_S

from .keyscheme import VALUED_EVENTS, KeyScheme, source_key_pieces, trigger_key_piece

BUDGET = 65536  # L1 contribution budget of one source
SOURCE_EVENT_ID_CAMPAIGN = 10**9
SOURCE_EVENT_ID_CREATIVE = 10**6


class CampaignSettings(Protocol):
    slug: str
    code: int
    product_category: str
    priority: int
    expiry_days: int
    click_report_windows_days: str
    view_report_window_days: int
    click_max_event_level_reports: int
    aggregatable_report_window_days: int
    debug_reporting: bool
    debug_key: str


class EventSettings(Protocol):
    event: str
    trigger_data_click: int
    trigger_data_view: int
    priority: int
    deduplicate_by_order: bool
    filter_by_category: bool
    aggregatable: bool


@dataclass(frozen=True)
class ValueScaling:
    """How conversions spend a source's 65536 budget (see :func:`scaling_explained`)."""

    count_budget_share: float = 0.25
    expected_conversions: int = 2
    max_purchase_minor: int = 50000

    @property
    def count_value(self) -> int:
        return max(1, int(BUDGET * self.count_budget_share) // max(1, self.expected_conversions))

    @property
    def value_budget(self) -> int:
        """Most a single purchase may contribute to the ``value`` key."""
        return max(1, int(BUDGET * (1 - self.count_budget_share)) // max(1, self.expected_conversions))

    def scaled_value(self, value_minor: int) -> int:
        """Purchase value (minor units) → aggregatable value, capped at the per-purchase budget."""
        if value_minor <= 0:
            return 0
        scaled = round(value_minor * self.value_budget / max(1, self.max_purchase_minor))
        return max(1, min(self.value_budget, scaled))


def parse_days(text: str) -> list[int]:
    """``"2,7,30"`` → ``[2, 7, 30]``; raises ValueError with a readable message."""
    out = []
    for part in str(text).replace(" ", "").split(","):
        if not part:
            continue
        if not part.isdigit():
            raise ValueError(f"{part!r} is not a whole number of days")
        out.append(int(part))
    if not out:
        raise ValueError("give at least one window end, in days")
    return out


def encode_source_event_id(campaign_code: int, creative_code: int, serial: int) -> str:
    """Campaign, creative and a serial in decimal digits: ``1 002 000042`` reads back easily."""
    return str(
        campaign_code * SOURCE_EVENT_ID_CAMPAIGN + creative_code * SOURCE_EVENT_ID_CREATIVE + serial % 10**6
    )


def decode_source_event_id(source_event_id: str | int) -> tuple[int, int, int] | None:
    """(campaign code, creative code, serial), or None if it is not one of ours."""
    try:
        n = int(source_event_id)
    except (TypeError, ValueError):
        return None
    if n < SOURCE_EVENT_ID_CAMPAIGN:
        return None
    return n // SOURCE_EVENT_ID_CAMPAIGN, (n // SOURCE_EVENT_ID_CREATIVE) % 1000, n % SOURCE_EVENT_ID_CREATIVE


def dedup_key(order: str) -> str:
    """An order id as a uint64 deduplication key: digits as they are, anything else hashed."""
    order = order.strip()
    if order.isdigit() and int(order) < 2**64:
        return str(int(order))
    return str(int.from_bytes(hashlib.sha256(order.encode()).digest()[:8], "big"))


def source_header(
    campaign: CampaignSettings,
    *,
    creative_code: int,
    source_type: str,
    destination: str,
    serial: int,
    scheme: KeyScheme,
    geo: str | None = None,
) -> dict[str, Any]:
    """``Attribution-Reporting-Register-Source`` for one click (navigation) or view (event)."""
    header: dict[str, Any] = {
        "destination": destination,
        "source_event_id": encode_source_event_id(campaign.code, creative_code, serial),
        "priority": str(campaign.priority),
        "expiry": campaign.expiry_days * DAY_S,
        "filter_data": {"product_category": [campaign.product_category], "campaign": [campaign.slug]},
        "aggregation_keys": source_key_pieces(
            scheme,
            {
                "campaign": campaign.code,
                "creative": creative_code,
                "geo": geo,
                "product_category": campaign.product_category,
            },
        ),
        "aggregatable_report_window": campaign.aggregatable_report_window_days * DAY_S,
        "debug_reporting": bool(campaign.debug_reporting),
    }
    if source_type == "navigation":
        ends = parse_days(campaign.click_report_windows_days)
        header["event_report_windows"] = {"end_times": [d * DAY_S for d in ends]}
        header["max_event_level_reports"] = campaign.click_max_event_level_reports
    else:
        header["event_report_window"] = campaign.view_report_window_days * DAY_S
    if campaign.debug_key:
        header["debug_key"] = campaign.debug_key
    return header


def trigger_header(
    event: EventSettings,
    *,
    scheme: KeyScheme,
    scaling: ValueScaling,
    value_minor: int | None = None,
    order: str | None = None,
    category: str | None = None,
    geo: str | None = None,
    debug_reporting: bool = False,
    debug_key: str = "",
) -> dict[str, Any]:
    """``Attribution-Reporting-Register-Trigger`` for one conversion event.

    Clicks (navigation sources) have 8 trigger data values and views (event sources) only 2,
    so the event-level data is sent twice, each entry filtered on ``source_type``: the
    browser takes the first entry whose filters match the attributed source.
    """
    common: dict[str, Any] = {"priority": str(event.priority)}
    if event.deduplicate_by_order and order:
        common["deduplication_key"] = dedup_key(order)
    header: dict[str, Any] = {
        "event_trigger_data": [
            {
                "trigger_data": str(event.trigger_data_click),
                **common,
                "filters": {"source_type": ["navigation"]},
            },
            {"trigger_data": str(event.trigger_data_view), **common, "filters": {"source_type": ["event"]}},
        ],
        "debug_reporting": bool(debug_reporting),
    }
    if event.filter_by_category and category:
        header["filters"] = {"product_category": [category]}
    if event.aggregatable:
        values = {"count": scaling.count_value}
        if value_minor and event.event in VALUED_EVENTS:
            values["value"] = scaling.scaled_value(value_minor)
        header["aggregatable_trigger_data"] = [
            {
                "key_piece": trigger_key_piece(
                    scheme, {"event": event.event, "product_category": category or None, "geo": geo}
                ),
                "source_keys": sorted(values),
            }
        ]
        header["aggregatable_values"] = values
        if event.deduplicate_by_order and order:
            header["aggregatable_deduplication_keys"] = [{"deduplication_key": dedup_key(order)}]
    if debug_key:
        header["debug_key"] = debug_key
    return header


def scaling_explained(scaling: ValueScaling, epsilon: float = DEFAULT_EPSILON) -> dict[str, Any]:
    """The value-scaling numbers and what they mean for noise, for the settings page."""
    noise = BUDGET / epsilon  # Laplace scale of the aggregation service's noise, in aggregatable units
    dollars_per_unit = scaling.max_purchase_minor / 100 / scaling.value_budget
    return {
        "count_value": scaling.count_value,
        "value_budget": scaling.value_budget,
        "noise_scale": round(noise),
        "count_noise_conversions": round(noise / scaling.count_value, 2),
        "value_noise_dollars": round(noise * dollars_per_unit, 2),
        "worst_case_per_source": scaling.count_value * 3 + scaling.value_budget,
    }
