"""Aggregatable report bodies as Chrome POSTs them, and the interop runner's decrypted form."""

from __future__ import annotations

import json
import random

import pytest

from attribution_reporting.aggregatable_payload import PayloadError, decrypt_payload, without_padding
from attribution_reporting.aggregatable_report import (
    build_body,
    decrypted_interop_payload,
    interop_payload,
    report_body,
)
from attribution_reporting.coordinator_keys import generate_key_pair, key_set_of
from attribution_reporting.reports import AGGREGATABLE, AggregatableData, Report
from tests.vectors import load_jsonc, vector_files

PAIR = generate_key_pair("key-1")
KEYS = key_set_of(PAIR, generate_key_pair("key-2"))
REPORT_ID = "21abd97f-73e8-4b88-9389-a9fee6abda5e"


def _data(**changes) -> AggregatableData:
    values = dict(
        attribution_destination="https://destination.test",
        reporting_origin="https://reporter.test",
        scheduled_report_time=3601,
        contributions=[(0x559, 123, 0)],
        aggregation_coordinator_origin="https://coordinator.test",
    )
    values.update(changes)
    return AggregatableData(**values)


def _body(data: AggregatableData) -> dict:
    return build_body(data, REPORT_ID, KEYS, random.Random(3))


def test_plain_attribution_report():
    body = build_body(_data(), REPORT_ID, key_set_of(PAIR), random.Random(0))
    assert list(body) == ["aggregation_coordinator_origin", "aggregation_service_payloads", "shared_info"]
    assert json.loads(body["shared_info"]) == {
        "api": "attribution-reporting",
        "attribution_destination": "https://destination.test",
        "report_id": REPORT_ID,
        "reporting_origin": "https://reporter.test",
        "scheduled_report_time": "3601",
        "version": "1.0",
    }
    payload = body["aggregation_service_payloads"][0]
    assert list(payload) == ["key_id", "payload"]
    decoded = decrypt_payload(payload["payload"], PAIR.private_key, body["shared_info"])
    assert len(decoded["data"]) == 20
    assert without_padding(decoded) == [{"bucket": 0x559, "value": 123, "id": 0}]


def test_both_debug_keys_enable_debug_mode_and_cleartext():
    body = build_body(
        _data(source_debug_key=111, trigger_debug_key=333), REPORT_ID, key_set_of(PAIR), random.Random(0)
    )
    assert json.loads(body["shared_info"])["debug_mode"] == "enabled"
    assert body["source_debug_key"] == "111" and body["trigger_debug_key"] == "333"
    assert list(body["aggregation_service_payloads"][0]) == ["debug_cleartext_payload", "key_id", "payload"]


@pytest.mark.parametrize("keys", [{"source_debug_key": 1}, {"trigger_debug_key": 2}])
def test_one_sided_debug_key_is_never_sent(keys):
    body = _body(_data(**keys))
    assert "source_debug_key" not in body and "trigger_debug_key" not in body
    assert "debug_mode" not in json.loads(body["shared_info"])
    assert "debug_cleartext_payload" not in body["aggregation_service_payloads"][0]


def test_source_registration_time_and_trigger_context_id():
    body = _body(_data(source_registration_time=432000))
    assert json.loads(body["shared_info"])["source_registration_time"] == "432000"
    body = _body(_data(trigger_context_id=""))
    assert body["trigger_context_id"] == ""
    assert "source_registration_time" not in json.loads(body["shared_info"])


def test_aggregatable_debug_report_has_two_contributions_and_no_keys():
    data = _data(
        api="attribution-reporting-debug",
        contributions=[(0xD, 123, 0)],
        source_debug_key=1,
        trigger_debug_key=2,
        trigger_context_id="x",
        source_registration_time=0,
    )
    body = build_body(data, REPORT_ID, key_set_of(PAIR), random.Random(0))
    assert sorted(body) == ["aggregation_coordinator_origin", "aggregation_service_payloads", "shared_info"]
    info = json.loads(body["shared_info"])
    assert info["api"] == "attribution-reporting-debug"
    assert "debug_mode" not in info and "source_registration_time" not in info
    decoded = decrypt_payload(
        body["aggregation_service_payloads"][0]["payload"], PAIR.private_key, body["shared_info"]
    )
    assert len(decoded["data"]) == 2


def test_null_report_is_all_padding():
    body = build_body(_data(contributions=[], is_null=True), REPORT_ID, key_set_of(PAIR), random.Random(0))
    decoded = decrypt_payload(
        body["aggregation_service_payloads"][0]["payload"], PAIR.private_key, body["shared_info"]
    )
    assert without_padding(decoded) == [] and len(decoded["data"]) == 20


def test_key_choice_uses_rng():
    ids = {
        build_body(_data(), REPORT_ID, KEYS, random.Random(seed))["aggregation_service_payloads"][0]["key_id"]
        for seed in range(20)
    }
    assert ids == {"key-1", "key-2"}


def test_report_body_from_stored_report_and_errors():
    report = Report(
        REPORT_ID,
        AGGREGATABLE,
        "u",
        "https://reporter.test",
        0,
        aggregatable=_data(aggregation_coordinator_origin=""),
    )
    body = report_body(
        report, key_set_of(PAIR), random.Random(0), default_coordinator_origin="https://c.test"
    )
    assert body["aggregation_coordinator_origin"] == "https://c.test"
    with pytest.raises(PayloadError):
        report_body(Report(REPORT_ID, AGGREGATABLE, "u", "o", 0), key_set_of(PAIR), random.Random(0))
    with pytest.raises(PayloadError):
        _body(_data(contributions=[(1, 1, 0)] * 21))


def _interop_aggregatable_outputs() -> list:
    cases = []
    for path in vector_files("interop"):
        if path.name == "default_config.json":
            continue
        for index, report in enumerate(load_jsonc(path).get("output", {}).get("reports", [])):
            if isinstance(report["payload"], dict) and "histograms" in report["payload"]:
                cases.append(pytest.param(report["payload"], id=f"{path.stem}-{index}"))
    return cases


def _data_from_interop(payload: dict) -> AggregatableData:
    info = payload["shared_info"]
    contributions = [(int(h["key"], 16), h["value"], int(h["id"])) for h in payload["histograms"]]
    contributions = [c for c in contributions if c[0] or c[1]]
    widest = max((c[2] for c in contributions), default=0)
    return AggregatableData(
        filtering_id_max_bytes=max(1, (widest.bit_length() + 7) // 8),
        api=info["api"],
        attribution_destination=info["attribution_destination"],
        reporting_origin=info["reporting_origin"],
        scheduled_report_time=int(info["scheduled_report_time"]),
        source_registration_time=int(info["source_registration_time"])
        if "source_registration_time" in info
        else None,
        contributions=contributions,
        aggregation_coordinator_origin=payload["aggregation_coordinator_origin"],
        source_debug_key=int(payload["source_debug_key"]) if "source_debug_key" in payload else None,
        trigger_debug_key=int(payload["trigger_debug_key"]) if "trigger_debug_key" in payload else None,
        trigger_context_id=payload.get("trigger_context_id"),
    )


@pytest.mark.parametrize("expected", _interop_aggregatable_outputs())
def test_interop_form_through_encryption(expected: dict):
    """The same report data, encrypted and decrypted again, prints as Chromium's runner does."""
    data = _data_from_interop(expected)
    assert interop_payload(data) == expected
    body = build_body(data, REPORT_ID, key_set_of(PAIR), random.Random(0))
    assert decrypted_interop_payload(body, PAIR.private_key) == expected
