"""Limits on sources and attributions, driven through the engine with small configs."""

from __future__ import annotations

import json
import random

from attribution_reporting.config import Config
from attribution_reporting.engine import AttributionEngine, RegistrationRequest, RegistrationResponse
from attribution_reporting.storage import MemoryStorage

SOURCE = "Attribution-Reporting-Register-Source"
TRIGGER = "Attribution-Reporting-Register-Trigger"


def _engine(**config: str) -> AttributionEngine:
    return AttributionEngine(
        MemoryStorage(), config=Config.from_interop(config), rng=random.Random(3), noise=False
    )


def _source(engine, now, destinations, *, site="https://news.test", reporter="https://adtech.test", **fields):
    header = {"destination": destinations, **fields}
    return engine.handle_response(
        RegistrationRequest(site, eligible="navigation-source"),
        RegistrationResponse(reporter + "/s", {SOURCE: json.dumps(header)}, randomized_response=None),
        now,
    )


def _trigger(engine, now, site, header, reporter="https://adtech.test"):
    return engine.handle_response(
        RegistrationRequest(site), RegistrationResponse(reporter + "/t", {TRIGGER: json.dumps(header)}), now
    )


def test_storage_limit_per_source_origin() -> None:
    engine = _engine(max_sources_per_origin="2")
    assert _source(engine, 0, "https://a.test").status == "success"
    assert _source(engine, 1, "https://a.test").status == "success"
    assert _source(engine, 2, "https://a.test").status == "insufficientSourceCapacity"
    assert _source(engine, 3, "https://a.test", site="https://other.test").status == "success"


def test_unexpired_destination_limit_replaces_lowest_priority_oldest() -> None:
    engine = _engine(max_destinations_per_source_site_reporting_site="2")
    _source(engine, 0, "https://a.test", destination_limit_priority="5")
    _source(engine, 1, "https://b.test")
    third = _source(engine, 2, "https://c.test")
    assert third.status == "success"
    # b.test (priority 0, older than c.test) made room; a.test kept by its priority.
    assert (
        _trigger(engine, 10, "https://b.test", {"event_trigger_data": [{}]}).event_level_status
        == "noMatchingSources"
    )
    assert (
        _trigger(engine, 11, "https://a.test", {"event_trigger_data": [{}]}).event_level_status == "success"
    )
    low = _source(engine, 12, "https://d.test", destination_limit_priority="-1")
    assert low.status == "insufficientUniqueDestinationCapacity"


def test_time_based_destination_limit_per_reporting_site() -> None:
    engine = _engine(
        max_destinations_per_rate_limit_window_reporting_site="1",
        rate_limit_max_reporting_origins_per_source_reporting_site="5",
    )
    assert _source(engine, 0, "https://a.test").status == "success"
    assert _source(engine, 1, "https://b.test").status == "destinationReportingLimitReached"
    assert _source(engine, 2, "https://b.test", reporter="https://other.test").status == "success"
    assert _source(engine, 60_001, "https://b.test").status == "success"  # the one-minute window has passed


def test_reporting_origin_per_site_limit() -> None:
    engine = _engine()
    assert _source(engine, 0, "https://a.test", reporter="https://x.adtech.test").status == "success"
    assert (
        _source(engine, 1, "https://a.test", reporter="https://y.adtech.test").status
        == "excessiveReportingOrigins"
    )


def test_attribution_rate_limit_counts_per_scope() -> None:
    engine = _engine(rate_limit_max_attributions="1")
    _source(engine, 0, "https://a.test", aggregation_keys={"k": "0x1"})
    both = {"event_trigger_data": [{}], "aggregatable_values": {"k": 5}}
    first = _trigger(engine, 10, "https://a.test", both)
    assert (first.event_level_status, first.aggregatable_status) == ("success", "success")
    second = _trigger(engine, 20, "https://a.test", both)
    assert (second.event_level_status, second.aggregatable_status) == (
        "excessiveAttributions",
        "excessiveAttributions",
    )


def test_replacement_gives_back_its_rate_limit_and_storage_slot() -> None:
    for config in ({"rate_limit_max_attributions": "1"}, {"max_event_level_reports_per_destination": "1"}):
        engine = _engine(**config)
        _source(engine, 0, "https://a.test", max_event_level_reports=1)
        assert (
            _trigger(
                engine, 1, "https://a.test", {"event_trigger_data": [{"priority": "1"}]}
            ).event_level_status
            == "success"
        )
        replaced = _trigger(
            engine, 2, "https://a.test", {"event_trigger_data": [{"trigger_data": "2", "priority": "2"}]}
        )
        assert replaced.event_level_status == "successDroppedLowerPriority", config
        assert [r.body["trigger_data"] for r in engine.due_reports(10**12)] == ["2"]


def test_attribution_scopes_select_sources() -> None:
    engine = _engine()
    _source(
        engine, 0, "https://a.test", attribution_scopes={"limit": 3, "values": ["shoes"]}, source_event_id="1"
    )
    _source(
        engine, 1, "https://a.test", attribution_scopes={"limit": 3, "values": ["hats"]}, source_event_id="2"
    )
    out = _trigger(engine, 5, "https://a.test", {"event_trigger_data": [{}], "attribution_scopes": ["shoes"]})
    [report] = out.reports
    assert report.body["source_event_id"] == "1"


def test_aggregatable_report_window_and_named_budget() -> None:
    engine = _engine()
    _source(
        engine,
        0,
        "https://a.test",
        aggregation_keys={"k": "0x1"},
        aggregatable_report_window=3600,
        named_budgets={"promo": 10},
    )
    header = {"aggregatable_values": {"k": 11}, "named_budgets": [{"name": "promo"}]}
    assert _trigger(engine, 1, "https://a.test", header).aggregatable_status == "insufficientNamedBudget"
    header["aggregatable_values"] = {"k": 10}
    assert _trigger(engine, 2, "https://a.test", header).aggregatable_status == "success"
    assert _trigger(engine, 3, "https://a.test", header).aggregatable_status == "insufficientNamedBudget"
    late = _trigger(engine, 3_600_000, "https://a.test", {"aggregatable_values": {"k": 1}})
    assert late.aggregatable_status == "reportWindowPassed"
