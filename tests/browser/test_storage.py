"""The database storage against the in-memory one: same answers for the same operations."""

from __future__ import annotations

import math

import pytest

from attribution_reporting.reports import AGGREGATABLE, EVENT_LEVEL, SENT, AggregatableData, Report
from attribution_reporting.storage import DebugBudgetRecord, MemoryStorage, RateLimitRecord, StoredSource
from browser.storage import DatabaseStorage

pytestmark = pytest.mark.django_db


def _source(i: int, *, dest: list[str], origin: str = "https://a.test", expiry: int = 10_000) -> StoredSource:
    return StoredSource(
        source_id=f"s{i}",
        source_event_id=2**64 - 1 - i,
        source_origin="https://news.test",
        source_site="https://news.test",
        reporting_origin=origin,
        reporting_site=origin,
        destination_sites=dest,
        source_type="navigation",
        source_time_ms=i,
        expiry_time_ms=expiry,
        event_report_window_start_ms=0,
        event_report_window_ends_ms=[100, 200],
        aggregatable_report_window_end_ms=300,
        filter_data={"product": ["tent"]},
        debug_key=2**63 + i,
        aggregation_keys={"campaign": 2**127 + i, "geo": 5},
        event_level_epsilon=math.inf,
        event_dedup_keys=[2**64 - 1],
    )


def _report(i: int, *, time: int, kind: str = EVENT_LEVEL, source: str = "s1") -> Report:
    agg = AggregatableData(contributions=[(2**128 - 1, 65536, 255)]) if kind == AGGREGATABLE else None
    return Report(
        report_id=f"r{i}",
        kind=kind,
        url="https://a.test/x",
        reporting_origin="https://a.test",
        report_time_ms=time,
        body={"n": i} if agg is None else None,
        aggregatable=agg,
        source_id=source,
        destination_site="https://shop.test",
    )


def _exercise(storage) -> dict:
    """The same sequence of operations; returns everything read back."""
    storage.add_source(_source(1, dest=["https://shop.test", "https://other.test"]))
    storage.add_source(_source(2, dest=["https://shop.test"], origin="https://b.test", expiry=50))
    storage.add_source(_source(3, dest=["https://other.test"]))
    changed = storage.get_source("s1")
    changed.num_event_reports = 2
    changed.destination_sites = ["https://shop.test"]
    storage.update_source(changed)
    storage.delete_sources(["s3"])
    for i, t in enumerate([30, 10, 20]):
        storage.add_report(_report(i, time=t, kind=AGGREGATABLE if i == 2 else EVENT_LEVEL))
    sent = storage.get_report("r0")
    sent.status = SENT
    storage.update_report(sent)
    storage.add_rate_limits(
        [
            RateLimitRecord(
                f"l{i}", "source", "s1", "https://news.test", "https://shop.test", "o", "r", "r", i * 10, 99
            )
            for i in range(3)
        ]
    )
    storage.update_rate_limits(
        [
            RateLimitRecord(
                "l1",
                "source",
                "s1",
                "https://news.test",
                "https://shop.test",
                "o",
                "r",
                "r",
                10,
                99,
                deactivated=True,
            )
        ]
    )
    storage.delete_rate_limits(["l0"])
    storage.add_debug_budget(DebugBudgetRecord("d1", "https://news.test", "o", "r", 5, 100))
    storage.add_debug_budget(DebugBudgetRecord("d2", "https://news.test", "o", "r", 50, 200))

    def ids(items):
        return [x.to_json() for x in items]

    return {
        "s1": storage.get_source("s1").to_json(),
        "missing": storage.get_source("s3"),
        "by_dest": ids(storage.find_sources(destination_site="https://shop.test")),
        "by_other_dest": ids(storage.find_sources(destination_site="https://other.test")),
        "by_origin": ids(storage.find_sources(reporting_origin="https://b.test")),
        "unexpired": ids(storage.find_sources(unexpired_at=60)),
        "pending": ids(storage.find_reports()),
        "due": ids(storage.find_reports(due_at=15)),
        "all": ids(storage.find_reports(status=None)),
        "aggregatable": ids(storage.find_reports(kind=AGGREGATABLE)),
        "next": storage.next_report_time(),
        "limits": ids(storage.find_rate_limits(source_site="https://news.test")),
        "limits_since": ids(storage.find_rate_limits(destination_site="https://shop.test", since_ms=15)),
        "budgets": ids(storage.find_debug_budgets(context_site="https://news.test", since_ms=10)),
    }


def test_database_storage_answers_as_memory_storage_does():
    memory = _exercise(MemoryStorage())
    database = _exercise(DatabaseStorage())
    assert database == memory
    # And the answers are the interesting ones (not two empty lists agreeing).
    assert [s["source_id"] for s in database["by_dest"]] == ["s1", "s2"]
    assert database["by_other_dest"] == []
    assert [r["report_id"] for r in database["pending"]] == ["r1", "r2"]
    assert database["next"] == 10
    assert [r["record_id"] for r in database["limits"]] == ["l1", "l2"]
    assert database["limits"][0]["deactivated"] is True
    assert [b["record_id"] for b in database["budgets"]] == ["d2"]


def test_round_trip_keeps_big_numbers_and_infinity():
    storage = DatabaseStorage()
    source = _source(7, dest=["https://shop.test"])
    storage.add_source(source)
    back = storage.get_source("s7")
    assert back == source
    assert back.event_level_epsilon == math.inf
    storage.add_report(_report(9, time=1, kind=AGGREGATABLE))
    assert storage.get_report("r9").aggregatable.contributions == [(2**128 - 1, 65536, 255)]


def test_lookups_are_indexed():
    from browser import models

    def indexed(model, field):
        return model._meta.get_field(field).db_index or model._meta.get_field(field).unique

    assert indexed(models.SourceDestination, "site")
    assert indexed(models.Source, "reporting_origin")
    assert indexed(models.Report, "report_time_ms")
    assert indexed(models.RateLimit, "destination_site")
