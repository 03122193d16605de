"""Event-level report windows, trigger data matching and the report body."""

from __future__ import annotations

from attribution_reporting.event_level import (
    WINDOW_NOT_STARTED,
    WINDOW_PASSED,
    match_trigger_data,
    report_body,
    report_time_ms,
    serialize_destinations,
    window_bounds,
    window_for,
)
from attribution_reporting.storage import StoredSource

DAY = 86_400_000


def _source(**changes) -> StoredSource:
    values = dict(
        source_id="s",
        source_event_id=123,
        source_origin="https://news.test",
        source_site="https://news.test",
        reporting_origin="https://adtech.test",
        reporting_site="https://adtech.test",
        destination_sites=["https://shop.test"],
        source_type="navigation",
        source_time_ms=0,
        expiry_time_ms=30 * DAY,
        event_report_window_start_ms=0,
        event_report_window_ends_ms=[2 * DAY, 7 * DAY, 30 * DAY],
        aggregatable_report_window_end_ms=30 * DAY,
        trigger_data=list(range(8)),
        randomized_trigger_rate=0.0024263221679834087,
    )
    values.update(changes)
    return StoredSource(**values)


def test_report_time_is_the_end_of_the_containing_window() -> None:
    source = _source()
    assert window_bounds(source) == [(0, 2 * DAY), (2 * DAY, 7 * DAY), (7 * DAY, 30 * DAY)]
    assert report_time_ms(source, 1000) == 2 * DAY
    assert report_time_ms(source, 2 * DAY) == 7 * DAY  # windows are half-open
    assert report_time_ms(source, 30 * DAY - 1) == 30 * DAY
    assert window_for(source, 30 * DAY) == WINDOW_PASSED
    late_start = _source(event_report_window_start_ms=DAY)
    assert window_for(late_start, DAY - 1) == WINDOW_NOT_STARTED
    assert report_time_ms(late_start, DAY - 1) is None


def test_trigger_data_matching() -> None:
    assert match_trigger_data(_source(), 7) == 7
    assert match_trigger_data(_source(trigger_data=[0, 1]), 7) == 1
    assert match_trigger_data(_source(trigger_data=[0, 1]), 2**64 - 1) == 1
    exact = _source(trigger_data=[3, 9], trigger_data_matching="exact")
    assert match_trigger_data(exact, 9) == 9
    assert match_trigger_data(exact, 4) is None
    assert match_trigger_data(_source(trigger_data=[]), 0) is None


def test_destinations_are_a_string_or_a_sorted_list() -> None:
    assert serialize_destinations(["https://b.test"]) == "https://b.test"
    assert serialize_destinations(["https://b.test", "https://a.test"]) == [
        "https://a.test",
        "https://b.test",
    ]


def test_body_fields_and_debug_key_pairing() -> None:
    body = report_body(
        _source(), report_id="r", trigger_data=7, scheduled_report_time_ms=172_800_999, trigger_debug_key=5
    )
    assert body == {
        "attribution_destination": "https://shop.test",
        "randomized_trigger_rate": 0.0024263,
        "report_id": "r",
        "scheduled_report_time": "172800",
        "source_event_id": "123",
        "source_type": "navigation",
        "trigger_data": "7",
    }
    both = report_body(
        _source(debug_key=9), report_id="r", trigger_data=7, scheduled_report_time_ms=0, trigger_debug_key=5
    )
    assert (both["source_debug_key"], both["trigger_debug_key"]) == ("9", "5")
