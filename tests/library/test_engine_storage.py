"""The storage protocol's in-memory implementation and the data types' JSON forms."""

from __future__ import annotations

from attribution_reporting.reports import AGGREGATABLE, EVENT_LEVEL, SENT, AggregatableData, Report
from attribution_reporting.storage import (
    SCOPE_SOURCE,
    DebugBudgetRecord,
    MemoryStorage,
    RateLimitRecord,
    StoredSource,
)


def _source(
    source_id: str, destinations: list[str], *, origin: str = "https://s.test", expiry: int = 10_000
) -> StoredSource:
    return StoredSource(
        source_id=source_id,
        source_event_id=2**64 - 1,
        source_origin=origin,
        source_site=origin,
        reporting_origin="https://r.test",
        reporting_site="https://r.test",
        destination_sites=destinations,
        source_type="navigation",
        source_time_ms=0,
        expiry_time_ms=expiry,
        event_report_window_start_ms=0,
        event_report_window_ends_ms=[5_000, expiry],
        aggregatable_report_window_end_ms=expiry,
        aggregation_keys={"b": 2**127 + 1, "a": 0x159},
        debug_key=2**63,
        event_dedup_keys=[2**64 - 1],
    )


def test_source_json_round_trip_keeps_big_integers_and_key_order() -> None:
    source = _source("x", ["https://d.test"])
    data = source.to_json()
    assert data["source_event_id"] == str(2**64 - 1)
    back = StoredSource.from_json(data)
    assert back == source
    assert list(back.aggregation_keys) == ["b", "a"]


def test_report_json_round_trip() -> None:
    data = AggregatableData(
        attribution_destination="https://d.test",
        reporting_origin="https://r.test",
        scheduled_report_time=3601,
        contributions=[(2**128 - 1, 65536, 2**64 - 1)],
        source_debug_key=1,
        trigger_debug_key=2**64 - 1,
    )
    report = Report("id", AGGREGATABLE, "https://r.test/x", "https://r.test", 5, aggregatable=data)
    assert Report.from_json(report.to_json()) == report
    assert report.original_report_time_ms == 5


def test_lookups_are_by_index_and_return_copies() -> None:
    storage = MemoryStorage()
    storage.add_source(_source("a", ["https://d1.test", "https://d2.test"]))
    storage.add_source(_source("b", ["https://d2.test"], origin="https://other.test"))
    storage.add_source(_source("c", ["https://d3.test"], expiry=10))
    assert [s.source_id for s in storage.find_sources(destination_site="https://d1.test")] == ["a"]
    assert [s.source_id for s in storage.find_sources(destination_site="https://d2.test")] == ["a", "b"]
    assert [s.source_id for s in storage.find_sources(source_origin="https://other.test")] == ["b"]
    assert storage.find_sources(destination_site="https://d3.test", unexpired_at=10) == []

    copy = storage.find_sources(destination_site="https://d1.test")[0]
    copy.num_event_reports = 3
    assert storage.get_source("a").num_event_reports == 0
    storage.update_source(copy)
    assert storage.get_source("a").num_event_reports == 3

    copy.filter_data["k"] = ["v"]
    copy.event_dedup_keys.append(1)
    assert storage.get_source("a").filter_data == {}
    assert storage.get_source("a").event_dedup_keys == [2**64 - 1]

    copy.destination_sites = ["https://d9.test"]
    storage.update_source(copy)
    assert storage.find_sources(destination_site="https://d1.test") == []
    assert [s.source_id for s in storage.find_sources(destination_site="https://d9.test")] == ["a"]
    storage.delete_sources(["a"])
    assert storage.get_source("a") is None


def test_reports_due_and_next_time() -> None:
    storage = MemoryStorage()
    assert storage.next_report_time() is None
    for i, t in enumerate([30, 10, 20]):
        storage.add_report(Report(f"r{i}", EVENT_LEVEL, "u", "o", t, destination_site="https://d.test"))
    assert storage.next_report_time() == 10
    assert [r.report_id for r in storage.find_reports(due_at=20)] == ["r1", "r2"]
    sent = storage.get_report("r1")
    sent.status = SENT
    storage.update_report(sent)
    assert storage.next_report_time() == 20
    assert len(storage.find_reports(kind=EVENT_LEVEL, destination_site="https://d.test")) == 2


def test_rate_limits_and_debug_budgets() -> None:
    storage = MemoryStorage()
    record = RateLimitRecord(
        "1",
        SCOPE_SOURCE,
        "a",
        "https://s.test",
        "https://d.test",
        "https://s.test",
        "https://r.test",
        "https://r.test",
        100,
        1000,
    )
    storage.add_rate_limits([record])
    assert storage.find_rate_limits(source_site="https://s.test", since_ms=99) == [record]
    assert storage.find_rate_limits(source_site="https://s.test", since_ms=100) == []
    record.deactivated = True
    storage.update_rate_limits([record])
    assert storage.find_rate_limits(source_id="a")[0].deactivated
    storage.delete_rate_limits(["1"])
    assert storage.find_rate_limits(destination_site="https://d.test") == []

    storage.add_debug_budget(
        DebugBudgetRecord("b", "https://s.test", "https://r.test", "https://r.test", 5, 7)
    )
    assert [
        r.consumed_budget for r in storage.find_debug_budgets(context_site="https://s.test", since_ms=4)
    ] == [7]
    assert storage.find_debug_budgets(context_site="https://s.test", since_ms=5) == []
