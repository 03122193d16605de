"""The engine facade end to end: statuses, explanations, reports and delivery."""

from __future__ import annotations

import json
import random

import pytest

from attribution_reporting.config import Config
from attribution_reporting.engine import AttributionEngine, RegistrationRequest, RegistrationResponse
from attribution_reporting.reports import (
    AGGREGATABLE,
    AGGREGATABLE_DEBUG,
    EVENT_LEVEL,
    EVENT_LEVEL_DEBUG,
    FAILED,
    SENT,
    VERBOSE_DEBUG,
    Report,
)
from attribution_reporting.storage import MemoryStorage

SOURCE = "Attribution-Reporting-Register-Source"
TRIGGER = "Attribution-Reporting-Register-Trigger"
DAY = 86_400_000


def _engine(**config: object) -> AttributionEngine:
    return AttributionEngine(
        MemoryStorage(), config=Config.from_interop(config or None), rng=random.Random(1), noise=False
    )


def _source(
    engine: AttributionEngine, now: int, header: dict, *, eligible: str = "navigation-source", **response
):
    return engine.handle_response(
        RegistrationRequest("https://news.test", eligible=eligible),
        RegistrationResponse(
            "https://adtech.test/register", {SOURCE: json.dumps(header)}, randomized_response=None, **response
        ),
        now,
    )


def _trigger(engine: AttributionEngine, now: int, header: dict, **response):
    return engine.handle_response(
        RegistrationRequest("https://shop.test"),
        RegistrationResponse("https://adtech.test/convert", {TRIGGER: json.dumps(header)}, **response),
        now,
    )


def test_navigation_source_then_trigger_schedules_an_event_level_report() -> None:
    engine = _engine()
    outcome = _source(engine, 0, {"destination": "https://shop.test", "source_event_id": "42"})
    assert (outcome.kind, outcome.status) == ("source", "success")
    assert "stored" in outcome.explanation
    assert outcome.value["source_event_id"] == "42"

    outcome = _trigger(engine, 1000, {"event_trigger_data": [{"trigger_data": "3"}]})
    assert (outcome.kind, outcome.event_level_status, outcome.aggregatable_status) == (
        "trigger",
        "success",
        "notRegistered",
    )
    [report] = outcome.reports
    assert report.kind == EVENT_LEVEL
    assert report.report_time_ms == 2 * DAY
    assert report.url == "https://adtech.test/.well-known/attribution-reporting/report-event-attribution"
    assert report.body["trigger_data"] == "3" and report.body["source_event_id"] == "42"
    assert engine.next_report_time() == 2 * DAY
    assert engine.due_reports(2 * DAY - 1) == []
    assert [r.report_id for r in engine.due_reports(2 * DAY)] == [report.report_id]


def test_trigger_without_source_and_with_debug_reporting() -> None:
    engine = _engine()
    outcome = _trigger(
        engine,
        5,
        {"event_trigger_data": [{}], "debug_reporting": True, "debug_key": "9"},
        debug_permission=True,
    )
    assert outcome.event_level_status == "noMatchingSources"
    [verbose] = outcome.reports
    assert verbose.kind == VERBOSE_DEBUG and verbose.report_time_ms == 5
    assert verbose.body == [
        {
            "type": "trigger-no-matching-source",
            "body": {"attribution_destination": "https://shop.test", "trigger_debug_key": "9"},
        }
    ]
    assert engine.due_reports(5)[0].report_id == verbose.report_id


def test_parse_error_reports_header_error_only_when_asked() -> None:
    engine = _engine()
    silent = engine.handle_response(
        RegistrationRequest("https://shop.test"),
        RegistrationResponse("https://adtech.test/", {TRIGGER: "{"}),
        0,
    )
    assert silent.status == "parseError" and silent.errors and silent.reports == []
    loud = engine.handle_response(
        RegistrationRequest("https://shop.test"),
        RegistrationResponse(
            "https://adtech.test/", {TRIGGER: "{", "attribution-reporting-info": "report-header-errors"}
        ),
        0,
    )
    [report] = loud.reports
    assert report.body[0]["type"] == "header-parsing-error"
    assert report.body[0]["body"]["value"] == "{"


def test_unsuitable_origin_and_ineligible_headers_are_ignored() -> None:
    engine = _engine()
    insecure = engine.handle_response(
        RegistrationRequest("https://shop.test"),
        RegistrationResponse("http://adtech.test/", {TRIGGER: "{}"}),
        0,
    )
    assert insecure.kind == "none"
    both = engine.handle_response(
        RegistrationRequest("https://news.test", eligible="event-source, trigger"),
        RegistrationResponse(
            "https://adtech.test/", {TRIGGER: "{}", SOURCE: '{"destination":"https://shop.test"}'}
        ),
        0,
    )
    assert both.kind == "none"
    no_source_eligibility = engine.handle_response(
        RegistrationRequest("https://news.test"),
        RegistrationResponse("https://adtech.test/", {SOURCE: '{"destination":"https://shop.test"}'}),
        0,
    )
    assert no_source_eligibility.kind == "none"


def test_channel_capacity_is_a_source_status_not_a_parse_error() -> None:
    engine = _engine()
    outcome = _source(engine, 0, {"destination": "https://shop.test", "max_event_level_reports": 20})
    assert outcome.errors == []
    assert outcome.status in ("exceedsMaxChannelCapacity", "exceedsMaxTriggerStateCardinality")


def test_noised_source_suppresses_real_reports() -> None:
    engine = _engine()
    outcome = engine.handle_response(
        RegistrationRequest("https://news.test", eligible="navigation-source"),
        RegistrationResponse(
            "https://adtech.test/",
            {SOURCE: '{"destination":"https://shop.test"}'},
            randomized_response=[{"trigger_data": 5, "report_window_index": 1}],
        ),
        0,
    )
    assert outcome.status == "successNoised"
    [fake] = outcome.reports
    assert fake.report_time_ms == 7 * DAY and fake.trigger_time_ms == 2 * DAY
    assert fake.body["trigger_data"] == "5"
    trigger = _trigger(engine, 1000, {"event_trigger_data": [{"trigger_data": "1"}]})
    assert trigger.event_level_status == "noised"
    assert trigger.reports == []


def test_dedup_priority_and_max_reports() -> None:
    engine = _engine()
    _source(
        engine,
        0,
        {"destination": "https://shop.test", "max_event_level_reports": 1, "event_report_window": "86400"},
    )
    first = _trigger(
        engine, 10, {"event_trigger_data": [{"trigger_data": "1", "priority": "1", "deduplication_key": "7"}]}
    )
    assert first.event_level_status == "success"
    dup = _trigger(
        engine, 20, {"event_trigger_data": [{"trigger_data": "2", "priority": "9", "deduplication_key": "7"}]}
    )
    assert dup.event_level_status == "deduplicated"
    low = _trigger(engine, 30, {"event_trigger_data": [{"trigger_data": "3", "priority": "1"}]})
    assert low.event_level_status == "priorityTooLow"
    high = _trigger(engine, 40, {"event_trigger_data": [{"trigger_data": "4", "priority": "2"}]})
    assert high.event_level_status == "successDroppedLowerPriority"
    pending = engine.due_reports(DAY)
    assert [r.body["trigger_data"] for r in pending] == ["4"]


def test_aggregatable_report_and_budget() -> None:
    engine = _engine()
    _source(engine, 0, {"destination": "https://shop.test", "aggregation_keys": {"a": "0x1"}})
    header = {
        "aggregatable_trigger_data": [{"key_piece": "0x100", "source_keys": ["a"]}],
        "aggregatable_values": {"a": 65000},
    }
    ok = _trigger(engine, 1000, header)
    assert ok.aggregatable_status == "success"
    [report] = [r for r in ok.reports if r.kind == AGGREGATABLE]
    assert report.aggregatable.contributions == [(0x101, 65000, 0)]
    assert report.report_time_ms == 1000 + 60 * 60_000  # noise off: min delay + span
    over = _trigger(engine, 2000, header)
    assert over.aggregatable_status == "insufficientBudget"


def test_failed_delivery_is_retried_then_dropped() -> None:
    engine = _engine()
    _source(engine, 0, {"destination": "https://shop.test"})
    [report] = _trigger(engine, 1, {"event_trigger_data": [{}]}).reports
    due = report.report_time_ms
    again = engine.report_failed(report.report_id, due, "connection refused")
    assert again.report_time_ms == due + 5 * 60_000
    engine.report_failed(report.report_id, again.report_time_ms, "connection refused")
    final = engine.report_failed(report.report_id, due + 20 * 60_000, "connection refused")
    assert final.status == FAILED
    assert engine.next_report_time() is None
    assert engine.report_failed("missing", 0) is None


def test_sent_reports_leave_the_queue() -> None:
    engine = _engine()
    _source(engine, 0, {"destination": "https://shop.test"})
    [report] = _trigger(engine, 1, {"event_trigger_data": [{}]}).reports
    engine.report_sent(report.report_id, report.report_time_ms)
    assert engine.due_reports(10**13) == []
    assert engine.storage.get_report(report.report_id).status == SENT


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_noise_is_drawn_from_the_injected_rng(seed: int) -> None:
    def outcomes(rng_seed: int) -> list[str]:
        engine = AttributionEngine(MemoryStorage(), rng=random.Random(rng_seed))
        statuses = []
        for i in range(30):
            out = engine.handle_response(
                RegistrationRequest("https://news.test", eligible="event-source"),
                RegistrationResponse(
                    "https://adtech.test/",
                    {SOURCE: '{"destination":"https://shop.test","event_level_epsilon":0}'},
                ),
                i,
            )
            statuses.append(out.status)
        return statuses

    first, second = outcomes(seed), outcomes(seed)
    assert first == second
    assert "successNoised" in first  # epsilon 0 -> pick rate 1


def test_injected_randomized_response_must_fit_the_source() -> None:
    engine = _engine()
    with pytest.raises(ValueError, match="randomized_response"):
        engine.handle_response(
            RegistrationRequest("https://news.test", eligible="navigation-source"),
            RegistrationResponse(
                "https://adtech.test/",
                {SOURCE: '{"destination":"https://shop.test"}'},
                randomized_response=[{"trigger_data": 1, "report_window_index": 3}],
            ),
            0,
        )


def test_debug_copies_carry_the_delayed_reports_report_id() -> None:
    """Both debug copies send the id of the report that comes later, so the two can be joined."""
    from attribution_reporting.aggregatable_report import report_body
    from attribution_reporting.coordinator_keys import generate_key_pair, key_set_of

    engine = _engine()
    _source(
        engine,
        0,
        {"destination": "https://shop.test", "aggregation_keys": {"a": "0x1"}, "debug_key": "7"},
        debug_permission=True,
    )
    header = {
        "event_trigger_data": [{"trigger_data": "1"}],
        "aggregatable_trigger_data": [{"key_piece": "0x100", "source_keys": ["a"]}],
        "aggregatable_values": {"a": 100},
        "debug_key": "9",
    }
    outcome = _trigger(engine, 1000, header, debug_permission=True)
    by_kind = {r.kind: r for r in outcome.reports}
    event, event_copy = by_kind[EVENT_LEVEL], by_kind[EVENT_LEVEL_DEBUG]
    agg, agg_copy = by_kind[AGGREGATABLE], by_kind[AGGREGATABLE_DEBUG]
    # Stored under ids of their own (storage keys reports by id) ...
    assert len({event.report_id, event_copy.report_id, agg.report_id, agg_copy.report_id}) == 4
    # ... but what each copy sends names the delayed report.
    assert event_copy.body["report_id"] == event.body["report_id"] == event.report_id
    keys = key_set_of(generate_key_pair("k"))
    sent = json.loads(report_body(agg_copy, keys, random.Random(0))["shared_info"])
    later = json.loads(report_body(agg, keys, random.Random(0))["shared_info"])
    assert sent["report_id"] == later["report_id"] == agg.report_id
    assert sent["debug_mode"] == "enabled"
    # The id survives storage as JSON.
    restored = Report.from_json(json.loads(json.dumps(agg_copy.to_json())))
    assert restored.aggregatable.report_id == agg.report_id
