"""The ``validate()`` contract and the command line."""

from __future__ import annotations

import io
import json
import sys
import types

import pytest

from attribution_reporting import CHROMIUM, validate
from attribution_reporting.cli import main
from attribution_reporting.validate import config_from_vsv


def test_valid_source_has_a_normalized_value_with_defaults() -> None:
    result = validate("source", '{"destination": "https://shop.example/cart", "source_event_id": "42"}')
    assert result.valid
    assert result.errors == []
    assert [w.path for w in result.warnings] == [["destination"]]
    v = result.value
    assert v["destination"] == ["https://shop.example"]
    assert v["source_event_id"] == "42"
    assert v["expiry"] == 30 * 86400
    assert v["trigger_data"] == list(range(8))
    assert v["event_report_windows"] == {"start_time": 0, "end_times": [172800, 604800, 2592000]}
    assert "debug_key" not in v


def test_event_source_defaults_differ() -> None:
    v = validate("source", {"destination": "https://a.test"}, source_type="event").value
    assert v["max_event_level_reports"] == 1
    assert v["trigger_data"] == [0, 1]
    assert v["event_report_windows"]["end_times"] == [2592000]


def test_decoded_json_and_text_give_the_same_result() -> None:
    text = '{"event_trigger_data": [{"trigger_data": "3", "priority": "-1"}], "debug_key": "7"}'
    from_text = validate("trigger", text)
    from_value = validate("trigger", json.loads(text))
    assert from_text.value == from_value.value
    assert from_text.value["event_trigger_data"][0]["trigger_data"] == "3"
    assert from_text.value["debug_key"] == "7"


def test_unparsable_json_is_one_error_without_a_path() -> None:
    result = validate("source", "")
    assert not result.valid
    assert len(result.errors) == 1
    assert result.errors[0].path is None
    assert result.value is None


def test_problem_with_the_whole_value_has_an_empty_path() -> None:
    config = CHROMIUM.replace(max_event_level_channel_capacity_navigation=1.0)
    result = validate("source", {"destination": "https://a.test"}, config=config)
    assert [(e.path, e.msg) for e in result.errors] == [
        ([], "information gain: 11.46 exceeds max event-level channel capacity per navigation source (1.00)")
    ]
    assert result.value is not None  # what was computed is still shown


def test_errors_name_the_path_and_what_is_allowed() -> None:
    result = validate("source", '{"destination": "https://a.test", "source_event_id": 5, "priority": "x"}')
    assert [(e.path, e.msg) for e in result.errors] == [
        (["source_event_id"], 'must be a string holding a non-negative 64-bit integer, like "123"'),
        (["priority"], "string must represent an integer (must match /^-?[0-9]+$/)"),
    ]


def test_unknown_fields_warn() -> None:
    result = validate("trigger", '{"surprise": 1}')
    assert result.valid
    assert [(w.path, w.msg) for w in result.warnings] == [(["surprise"], "unknown field")]


def test_localhost_sites_are_suitable_for_a_local_demo() -> None:
    result = validate("source", {"destination": "http://shop.localhost:8000"})
    assert result.valid
    assert result.value["destination"] == ["http://shop.localhost"]


def test_integer_like_keys_are_checked_in_javascript_order() -> None:
    result = validate(
        "source", {"destination": "https://a.test", "named_budgets": {"b": -1, "2": -1, "1": -1}}
    )
    assert [e.path for e in result.errors] == [
        ["named_budgets", "1"],
        ["named_budgets", "2"],
        ["named_budgets", "b"],
    ]


def test_header_bytes_are_accepted() -> None:
    assert validate("trigger", b"{}").valid
    assert not validate("trigger", b"\xff").valid
    assert validate("eligible", b"trigger").value == {
        "navigation_source": False,
        "event_source": False,
        "trigger": True,
    }


def test_support_header() -> None:
    assert validate("support", "web, os").value == {"web": True, "os": True}
    result = validate("support", "web, ios")
    assert result.value == {"web": True, "os": False}
    assert [(w.path, w.msg) for w in result.warnings] == [(["ios"], "unknown dictionary key")]
    assert validate("support", "(").errors[0].path is None


def test_unknown_header_or_source_type_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="header must be one of"):
        validate("register-source", "{}")
    with pytest.raises(ValueError, match="source_type"):
        validate("source", "{}", source_type="click")


def test_vendor_values_map_onto_config() -> None:
    config = config_from_vsv(
        {
            "aggregationCoordinatorOrigins": ["https://c.test"],
            "maxEventLevelChannelCapacityPerSource": {"event": 1, "navigation": float("inf")},
            "maxSettableEventLevelEpsilon": 3,
            "maxTriggerStateCardinality": 10,
        }
    )
    assert config.aggregation_coordinator_origins == ("https://c.test",)
    assert config.max_event_level_channel_capacity_event == 1
    assert config.max_event_level_channel_capacity_navigation == float("inf")
    assert config.max_settable_event_level_epsilon == 3
    assert config.max_trigger_state_cardinality == 10
    v = validate("trigger", "{}", config=config).value
    assert v["aggregation_coordinator_origin"] == "https://c.test"


# --- command line --------------------------------------------------------------------------


def _run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], stdin: str
) -> tuple[int, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    code = main(argv)
    return code, capsys.readouterr().out


def test_cli_valid(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(
        monkeypatch,
        capsys,
        ["validate", "--header", "source", "--source-type", "event"],
        '{"destination": "https://a.test"}\n',
    )
    assert code == 0
    result = json.loads(out)
    assert result["valid"] is True
    assert result["value"]["max_event_level_reports"] == 1


def test_cli_invalid(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(monkeypatch, capsys, ["validate", "--header", "eligible"], "navigation-source, trigger")
    assert code == 1
    result = json.loads(out)
    assert result["valid"] is False
    assert result["errors"][0]["path"] == []


def test_cli_usage_errors(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(monkeypatch, capsys, ["validate", "--header", "nope"], "")[0] == 2
    assert (
        _run(monkeypatch, capsys, ["validate", "--header", "trigger", "--source-type", "event"], "{}")[0] == 2
    )
    assert _run(monkeypatch, capsys, ["frobnicate"], "")[0] == 2
    assert _run(monkeypatch, capsys, [], "")[0] == 2


def test_cli_dispatches_interop_to_its_module(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    fake = types.ModuleType("attribution_reporting.interop")
    fake.main = lambda argv: seen.append(list(argv)) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "attribution_reporting.interop", fake)
    assert main(["interop", "case.json"]) == 0
    assert seen == [["case.json"]]


def test_storage_time_source_limits_carry_their_debug_report_type() -> None:
    config = CHROMIUM.replace(max_trigger_state_cardinality=3)
    result = validate(
        "source",
        {"destination": "https://a.test", "max_event_level_reports": 2},
        source_type="event",
        config=config,
    )
    assert [(e.path, e.code) for e in result.errors] == [([], "source-trigger-state-cardinality-limit")]
    assert result.errors[0].to_json()["code"] == "source-trigger-state-cardinality-limit"
    parse_error = validate("source", {"destination": 1}).errors[0]
    assert parse_error.code is None
    assert "code" not in parse_error.to_json()
