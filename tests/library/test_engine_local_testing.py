"""Local testing mode (spec digest §11): no noise and no delays, the privacy limits unchanged.

Each behaviour is checked against the same engine without the mode, driven by the same
random source, so a test fails if the mode stops making a difference.
"""

from __future__ import annotations

import json
import random

import pytest

from attribution_reporting.config import CHROMIUM
from attribution_reporting.engine import AttributionEngine, RegistrationRequest, RegistrationResponse
from attribution_reporting.reports import AGGREGATABLE, EVENT_LEVEL
from attribution_reporting.storage import MemoryStorage

SOURCE = "Attribution-Reporting-Register-Source"
TRIGGER = "Attribution-Reporting-Register-Trigger"
HOUR = 3_600_000
DAY = 86_400_000
T0 = 1_700_000_000_000  # a registration time well after the epoch


class _Draw(random.Random):
    """A random source whose ``random()`` always answers ``value`` (ids stay random)."""

    def __init__(self, value: float) -> None:
        super().__init__(7)
        self.value = value

    def random(self) -> float:
        return self.value


def _engine(*, local_testing_mode: bool, draw: float = 0.5) -> AttributionEngine:
    return AttributionEngine(
        MemoryStorage(), config=CHROMIUM, rng=_Draw(draw), local_testing_mode=local_testing_mode
    )


def _source(engine: AttributionEngine, now: int, header: dict, *, eligible: str = "navigation-source"):
    return engine.handle_response(
        RegistrationRequest("https://news.test", eligible=eligible),
        RegistrationResponse("https://adtech.test/register", {SOURCE: json.dumps(header)}),
        now,
    )


def _trigger(engine: AttributionEngine, now: int, header: dict):
    return engine.handle_response(
        RegistrationRequest("https://shop.test"),
        RegistrationResponse("https://adtech.test/convert", {TRIGGER: json.dumps(header)}),
        now,
    )


NAVIGATION = {"destination": "https://shop.test", "source_event_id": "42", "aggregation_keys": {"k": "0x1"}}


def test_engine_reports_its_mode() -> None:
    assert _engine(local_testing_mode=True).local_testing_mode is True
    assert _engine(local_testing_mode=False).local_testing_mode is False


@pytest.mark.parametrize(("local", "status"), [(False, "successNoised"), (True, "success")])
def test_no_randomized_response_even_when_the_draw_would_pick(local: bool, status: str) -> None:
    engine = _engine(local_testing_mode=local, draw=0.0)  # 0.0 is below every pick rate
    outcome = _source(engine, T0, NAVIGATION)
    assert outcome.status == status
    if local:
        assert [r for r in outcome.reports if r.kind == EVENT_LEVEL] == []
        [stored] = engine.storage.find_sources(source_origin="https://news.test")
        assert stored.randomized_response is None and stored.event_level_attributable


@pytest.mark.parametrize("local", [False, True])
def test_event_level_report_is_due_at_the_trigger_time(local: bool) -> None:
    engine = _engine(local_testing_mode=local)
    _source(engine, T0, NAVIGATION)
    trigger_time = T0 + HOUR + 123
    outcome = _trigger(engine, trigger_time, {"event_trigger_data": [{"trigger_data": "1"}]})
    assert outcome.event_level_status == "success"
    [report] = [r for r in outcome.reports if r.kind == EVENT_LEVEL]
    expected = trigger_time if local else T0 + 2 * DAY
    assert report.report_time_ms == expected
    assert report.body["scheduled_report_time"] == str(expected // 1000)
    # The source's rate is still stated: the mode changes the draw, not the source.
    assert report.body["randomized_trigger_rate"] == 0.0024263
    assert [r.report_id for r in engine.due_reports(trigger_time)] == ([report.report_id] if local else [])


@pytest.mark.parametrize("local", [False, True])
def test_aggregatable_report_has_no_delay(local: bool) -> None:
    engine = _engine(local_testing_mode=local, draw=0.99)  # the longest random delay
    _source(engine, T0, NAVIGATION)
    trigger_time = T0 + HOUR
    outcome = _trigger(
        engine,
        trigger_time,
        {
            "aggregatable_trigger_data": [{"key_piece": "0x10", "source_keys": ["k"]}],
            "aggregatable_values": {"k": 5},
        },
    )
    assert outcome.aggregatable_status == "success"
    [report] = [r for r in outcome.reports if r.kind == AGGREGATABLE]
    span = CHROMIUM.aggregatable_report_delay_span * 60_000
    expected = trigger_time if local else trigger_time + int(0.99 * span)
    assert report.report_time_ms == expected
    assert report.aggregatable.scheduled_report_time == expected // 1000


@pytest.mark.parametrize(("registration_time", "count"), [("exclude", 1), ("include", 31)])
@pytest.mark.parametrize("local", [False, True])
def test_no_random_null_reports(local: bool, registration_time: str, count: int) -> None:
    engine = _engine(local_testing_mode=local, draw=0.0)  # every null-report draw says yes
    outcome = _trigger(
        engine,
        T0,
        {
            "aggregatable_trigger_data": [{"key_piece": "0x10", "source_keys": ["k"]}],
            "aggregatable_values": {"k": 5},
            "aggregatable_source_registration_time": registration_time,
        },
    )
    assert outcome.aggregatable_status == "noMatchingSources"
    nulls = [r for r in outcome.reports if r.kind == AGGREGATABLE]
    assert len(nulls) == (0 if local else count)
    assert all(r.aggregatable.is_null for r in nulls)


def test_a_trigger_context_id_still_gets_its_null_report_at_once() -> None:
    engine = _engine(local_testing_mode=True, draw=0.99)
    outcome = _trigger(
        engine,
        T0,
        {
            "aggregatable_trigger_data": [{"key_piece": "0x10", "source_keys": ["k"]}],
            "aggregatable_values": {"k": 5},
            "trigger_context_id": "order-7",
        },
    )
    [null] = [r for r in outcome.reports if r.kind == AGGREGATABLE]
    assert null.aggregatable.is_null and null.aggregatable.trigger_context_id == "order-7"
    assert null.report_time_ms == T0


def test_privacy_limits_and_report_windows_still_apply() -> None:
    engine = _engine(local_testing_mode=True, draw=0.0)
    # 8 trigger data values x 5 windows x 3 reports: about 13.5 bits, over the navigation 11.5.
    too_much = {
        "destination": "https://shop.test",
        "event_report_windows": {"end_times": [3600, 7200, 10800, 14400, 18000]},
    }
    assert _source(engine, T0, too_much).status == "exceedsMaxChannelCapacity"

    _source(engine, T0, {**NAVIGATION, "event_report_window": 3600})
    outcome = _trigger(engine, T0 + 2 * HOUR, {"event_trigger_data": [{"trigger_data": "1"}]})
    assert outcome.event_level_status == "reportWindowPassed"


def test_an_injected_randomized_response_still_replaces_the_draw() -> None:
    engine = _engine(local_testing_mode=True)
    outcome = engine.handle_response(
        RegistrationRequest("https://news.test", eligible="navigation-source"),
        RegistrationResponse(
            "https://adtech.test/register",
            {SOURCE: json.dumps(NAVIGATION)},
            randomized_response=[{"trigger_data": 3, "report_window_index": 0}],
        ),
        T0,
    )
    assert outcome.status == "successNoised"
