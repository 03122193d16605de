"""How the engine hands its decisions to the debug report modules.

- A verbose item whose body is an event-level report body carries that report's
  ``report_id``, as the spec's body does; only the interop output leaves it out.
- The privacy limits the header validator reports are recognised by their ``code``.
"""

from __future__ import annotations

import json
import random

import pytest

from attribution_reporting.config import Config
from attribution_reporting.debug_types import AGGREGATABLE_SOURCE_TYPES
from attribution_reporting.engine import AttributionEngine, RegistrationRequest, RegistrationResponse
from attribution_reporting.interop import payload_of
from attribution_reporting.issues import Issue, ValidationResult
from attribution_reporting.registration import _engine_errors
from attribution_reporting.reports import EVENT_LEVEL, VERBOSE_DEBUG
from attribution_reporting.storage import MemoryStorage
from attribution_reporting.validate import validate

SOURCE = "Attribution-Reporting-Register-Source"
TRIGGER = "Attribution-Reporting-Register-Trigger"


def _engine() -> AttributionEngine:
    return AttributionEngine(MemoryStorage(), config=Config.from_interop(), rng=random.Random(3), noise=False)


def _register(engine: AttributionEngine, now: int, context: str, url: str, header: str, value: dict, **kw):
    return engine.handle_response(
        RegistrationRequest(context, **kw),
        RegistrationResponse(
            url, {header: json.dumps(value)}, debug_permission=True, randomized_response=None
        ),
        now,
    )


def _low_priority_item():
    engine = _engine()
    source = {"destination": "https://shop.test", "max_event_level_reports": 1, "source_event_id": "5"}
    _register(
        engine, 0, "https://news.test", "https://adtech.test/s", SOURCE, source, eligible="navigation-source"
    )
    first = {"event_trigger_data": [{"trigger_data": "1", "priority": "9"}], "debug_reporting": True}
    second = {"event_trigger_data": [{"trigger_data": "2", "priority": "1"}], "debug_reporting": True}
    _register(engine, 1000, "https://shop.test", "https://adtech.test/t", TRIGGER, first)
    outcome = _register(engine, 2000, "https://shop.test", "https://adtech.test/t", TRIGGER, second)
    assert outcome.event_level_status == "priorityTooLow"
    [verbose] = [r for r in outcome.reports if r.kind == VERBOSE_DEBUG]
    return engine, verbose


def test_low_priority_item_body_is_the_event_level_report_body_with_its_report_id() -> None:
    engine, verbose = _low_priority_item()
    [item] = verbose.body
    assert item["type"] == "trigger-event-low-priority"
    body = item["body"]
    assert body["trigger_data"] == "2" and body["source_event_id"] == "5"
    report_id = body["report_id"]
    assert isinstance(report_id, str) and len(report_id) == 36
    # The dropped report is not stored: its id names the report that was not made.
    assert engine.storage.get_report(report_id) is None
    stored = engine.storage.find_reports(kind=EVENT_LEVEL)
    assert [r.body["trigger_data"] for r in stored] == ["1"] and stored[0].report_id != report_id


def test_interop_output_leaves_report_ids_out_of_verbose_bodies() -> None:
    _engine_, verbose = _low_priority_item()
    [item] = payload_of(verbose)
    assert item["type"] == "trigger-event-low-priority"
    assert "report_id" not in item["body"]
    assert item["body"] == {k: v for k, v in verbose.body[0]["body"].items() if k != "report_id"}


def test_privacy_limits_are_recognised_by_code_not_by_message() -> None:
    coded = Issue([], "any wording at all", "source-channel-capacity-limit")
    look_alike = Issue([], "information gain: 99.00 exceeds something else")
    other = Issue(["expiry"], "must be an integer")
    kept = _engine_errors(ValidationResult(errors=[coded, look_alike, other]))
    assert kept == [look_alike, other]


@pytest.mark.parametrize(
    ("source", "code"),
    [
        # 32 trigger data x 5 windows x 20 reports: more states than 2^32 - 1.
        (
            {"trigger_data": list(range(32)), "max_event_level_reports": 20},
            "source-trigger-state-cardinality-limit",
        ),
        # 8 trigger data x 5 windows x 3 reports: about 13.5 bits of a navigation's 11.5.
        ({}, "source-channel-capacity-limit"),
    ],
)
def test_the_validator_tags_each_privacy_limit_with_its_debug_type(source: dict, code: str) -> None:
    header = {
        "destination": "https://shop.test",
        "event_report_windows": {"end_times": [3600 * (i + 1) for i in range(5)]},
        **source,
    }
    result = validate("source", json.dumps(header), source_type="navigation")
    assert code in {e.code for e in result.errors}
    assert _engine_errors(result) == []


def test_the_header_parser_knows_every_type_aggregatable_debug_matches() -> None:
    """One list of types: what the engine can match is what a header may name without a warning."""
    header = {
        "destination": "https://shop.test",
        "aggregatable_debug_reporting": {
            "budget": 100,
            "key_piece": "0x1",
            "debug_data": [
                {"types": [t], "key_piece": "0x2", "value": 1}
                for t in (*AGGREGATABLE_SOURCE_TYPES, "unspecified", "abc")
            ],
        },
    }
    result = validate("source", json.dumps(header), source_type="navigation")
    assert result.valid
    unknown = [w.path[2] for w in result.warnings if w.msg == "unknown type"]
    assert unknown == [len(AGGREGATABLE_SOURCE_TYPES) + 1]  # only "abc"
    assert "source-destination-limit-replaced" in AGGREGATABLE_SOURCE_TYPES
