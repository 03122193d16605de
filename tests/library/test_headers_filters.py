"""Filters: parsing into the normalized shape, and matching it against a source."""

from __future__ import annotations

from attribution_reporting import validate
from attribution_reporting.filters import matches


def test_filters_normalize_to_a_list_of_configs() -> None:
    v = validate(
        "trigger", {"filters": {"product": ["shoes"], "_lookback_window": 3600}, "not_filters": [{"x": []}]}
    ).value
    assert v["filters"] == [{"product": ["shoes"], "_lookback_window": 3600}]
    assert v["not_filters"] == [{"x": []}]


def test_reserved_filter_keys_are_rejected() -> None:
    result = validate("trigger", {"filters": {"_private": ["a"]}})
    assert [(e.path, e.msg) for e in result.errors] == [
        (["filters", "_private"], 'is prohibited as keys starting with "_" are reserved')
    ]
    result = validate("source", {"destination": "https://a.test", "filter_data": {"source_type": ["event"]}})
    assert [e.path for e in result.errors] == [["filter_data", "source_type"]]


def test_match_is_an_or_of_ands() -> None:
    data = {"product": ["shoes", "socks"], "color": ["red"]}
    assert matches(
        data, "navigation", 0, 10, [{"product": ["hats"]}, {"product": ["socks"], "color": ["red"]}], []
    )
    assert not matches(data, "navigation", 0, 10, [{"product": ["socks"], "color": ["blue"]}], [])


def test_keys_missing_from_the_source_are_ignored() -> None:
    assert matches({}, "event", 0, 10, [{"campaign": ["a"]}], [{"campaign": ["a"]}])


def test_source_type_is_implicit_filter_data() -> None:
    assert matches({}, "event", 0, 10, [{"source_type": ["event"]}], [])
    assert not matches({}, "event", 0, 10, [{"source_type": ["navigation"]}], [])
    assert not matches({}, "event", 0, 10, [], [{"source_type": ["event"]}])


def test_empty_filter_values_match_absent_or_empty_source_values() -> None:
    assert matches({"x": []}, "event", 0, 1, [{"x": []}], [])
    assert not matches({"x": ["1"]}, "event", 0, 1, [{"x": []}], [])
    assert matches({"x": ["1"]}, "event", 0, 1, [], [{"x": []}])


def test_lookback_window_counts_seconds_since_the_source() -> None:
    assert matches({}, "event", 100, 160, [{"_lookback_window": 60}], [])
    assert not matches({}, "event", 100, 161, [{"_lookback_window": 60}], [])
    assert matches({}, "event", 100, 161, [], [{"_lookback_window": 60}])
