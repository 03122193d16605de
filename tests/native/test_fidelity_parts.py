"""The differential suite's parts, without browsers: scenarios, endpoints, normalization, the table."""

from __future__ import annotations

import json
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from attribution_reporting.aggregatable_payload import encrypt_payload, serialize_shared_info
from fidelity import compare, report
from fidelity.scenarios import SCENARIOS

from .test_fidelity import KNOWN


def _reg(path: str, eligible: str | None, host: str = "adtech.localhost:8123", **response) -> dict:
    return {
        "at": 0.0,
        "host": host,
        "method": "GET",
        "path": path,
        "eligible": eligible,
        "support": "web" if eligible is not None else None,
        "user_agent": "",
        "body": None,
        "status": 200,
        "response_headers": response,
    }


def _report(sub: str, body, host: str = "adtech.localhost:8123") -> dict:
    return {
        **_reg(f"/.well-known/attribution-reporting/{sub}", None, host),
        "method": "POST",
        "body": json.dumps(body),
    }


# --- Scenarios -----------------------------------------------------------------------------


def test_at_least_twenty_scenarios_cover_every_mechanism_and_case():
    assert len(SCENARIOS) >= 20
    html = " ".join(p for s in SCENARIOS for p in s.pages.values())
    for needle in (
        "<a ",
        "window.open(",
        '<img alt="ad" attributionsrc src=',  # empty attributionsrc
        'attributionsrc="$R/view1 $R/view2"',  # a URL list
        "<script attributionsrc src=",
        '<script attributionsrc="$R/view"',
        "attributionReporting",
        "setAttributionReporting",
        "preventDefault",
        ".click();",
        '<img alt="conversion" src=',  # a plain request
        'fetch("$R/conv");',
    ):
        assert needle in html, needle
    answers = [a for s in SCENARIOS for a in s.answers.values()]
    assert any(a.redirect and a.redirect.startswith("measure:") for a in answers)
    assert any(isinstance(a.source, str) for a in answers)  # a header that is not JSON


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_every_endpoint_a_scenario_uses_has_an_answer(scenario):
    used = {m for html in scenario.pages.values() for m in re.findall(r"\$[RM]/([a-z0-9-]+)", html)}
    used |= {a.redirect.split(":")[1] for a in scenario.answers.values() if a.redirect and ":" in a.redirect}
    steps = set(scenario.answers)
    assert used - {p for p in scenario.pages} <= steps
    for step in scenario.steps:
        if step.action in ("open", "await"):
            assert step.target in scenario.pages


# --- Pages and endpoints ---------------------------------------------------------------------


@pytest.fixture
def pages_on(settings):
    settings.ARA_FIDELITY_PAGES = True
    return settings


def test_an_endpoint_answers_its_step_whatever_the_request(client, pages_on):
    response = client.get("/test/fidelity/r/img-empty/view", HTTP_HOST="adtech.localhost:8000")
    header = json.loads(response["Attribution-Reporting-Register-Source"])
    assert header["source_event_id"] == "4" and header["destination"] == "http://shop.localhost"
    assert response["Cache-Control"] == "no-store"


def test_an_empty_answer_has_no_content_type_unless_the_scenario_wants_html(client, pages_on):
    response = client.get("/test/fidelity/r/img-url-list/view1", HTTP_HOST="adtech.localhost:8000")
    assert response.status_code == 204 and not response.has_header("Content-Type")
    image = client.get(
        "/test/fidelity/r/img-empty/view", HTTP_HOST="adtech.localhost:8000", HTTP_SEC_FETCH_DEST="image"
    )
    assert image["Content-Type"] == "image/gif"
    html = client.get("/test/fidelity/r/html-answer/view", HTTP_HOST="adtech.localhost:8000")
    assert html["Content-Type"].startswith("text/html") and "Attribution-Reporting-Register-Source" in html
    assert html["X-Content-Type-Options"] == "nosniff"


def test_an_answer_that_lets_the_browser_sniff_says_so(client, pages_on):
    """Django's security middleware adds nosniff everywhere: the sniffed answers send the header empty."""
    sniffed = client.get("/test/fidelity/r/orb-blocked/html", HTTP_HOST="adtech.localhost:8000")
    assert sniffed["X-Content-Type-Options"] == "" and sniffed.content.lstrip().startswith(b"<!--")
    untyped = client.get("/test/fidelity/r/orb-allowed/none", HTTP_HOST="adtech.localhost:8000")
    assert not untyped.has_header("Content-Type") and untyped["X-Content-Type-Options"] == "nosniff"


def test_a_redirect_goes_to_the_measurement_partner(client, pages_on):
    response = client.get(
        "/test/fidelity/r/redirect-chain/view", HTTP_HOST="adtech.localhost:8000", HTTP_SEC_FETCH_DEST="image"
    )
    assert response.status_code == 302
    assert response["Location"] == "http://measure.localhost:8000/test/fidelity/r/redirect-chain/view2"
    assert "Attribution-Reporting-Register-Source" in response


def test_a_header_the_browser_must_reject_is_sent_as_it_is(client, pages_on):
    response = client.get("/test/fidelity/r/invalid-json/view", HTTP_HOST="adtech.localhost:8000")
    assert response["Attribution-Reporting-Register-Source"] == '{"destination": "http://shop.localhost", '
    assert response["Attribution-Reporting-Info"] == "report-header-errors"


def test_pages_load_the_shim_and_name_the_scenario_endpoints(client, pages_on):
    body = client.get("/test/fidelity/page/img-empty/news", HTTP_HOST="news.localhost:8000").content.decode()
    assert "http://browser.localhost:8000/shim.js" in body
    assert 'src="http://adtech.localhost:8000/test/fidelity/r/img-empty/view"' in body


def test_pages_and_endpoints_are_only_on_their_hosts(client, pages_on):
    assert (
        client.get("/test/fidelity/page/img-empty/news", HTTP_HOST="shop.localhost:8000").status_code == 404
    )
    assert client.get("/test/fidelity/r/img-empty/view", HTTP_HOST="news.localhost:8000").status_code == 404
    assert client.get("/test/fidelity/r/no-such/view", HTTP_HOST="adtech.localhost:8000").status_code == 404


def test_everything_is_off_unless_enabled(client, settings):
    settings.ARA_FIDELITY_PAGES = False
    assert client.get("/test/fidelity/r/img-empty/view", HTTP_HOST="adtech.localhost:8000").status_code == 404
    assert (
        client.get("/test/fidelity/page/img-empty/news", HTTP_HOST="news.localhost:8000").status_code == 404
    )


# --- Normalization -------------------------------------------------------------------------


def test_eligible_is_the_set_of_spec_keys_grease_ignored():
    chrome = "not-navigation-source, trigger;x=1, event-source, not-trigger=navigation-source"
    assert compare.eligible_keys(chrome) == ["event-source", "trigger"]
    assert compare.eligible_keys("event-source, trigger") == ["event-source", "trigger"]
    assert compare.eligible_keys("") == []
    assert compare.eligible_keys(None) is None
    assert compare.eligible_keys("(((").__len__() == 1  # unparsable: kept, visibly


def test_greased_and_plain_eligible_values_compare_equal_but_absence_does_not():
    native = compare.observe(
        [_reg("/test/fidelity/r/s/view", "trigger, not-navigation-source, event-source")], {}
    )
    simulated = compare.observe(
        [_reg("/test/fidelity/r/s/view", "event-source, trigger", host="adtech.localhost:9")], {}
    )
    assert compare.differences(native, simulated) == []
    plain = compare.observe([_reg("/test/fidelity/r/s/view", None)], {})
    lines = compare.differences(native, plain)
    assert lines == [
        "registration requests: only in Chrome 149: GET adtech.localhost/r/view "
        "(Eligible: event-source, trigger; Support sent), answered nothing",
        "registration requests: only in the simulated browser: GET adtech.localhost/r/view "
        "(no Eligible header; no Support header), answered nothing",
    ]


def test_report_ids_and_times_are_masked_and_the_rest_compared():
    body = {
        "attribution_destination": "http://shop.localhost",
        "source_event_id": "4",
        "trigger_data": "1",
        "report_id": "a",
        "scheduled_report_time": "100",
        "randomized_trigger_rate": 2.5e-06,
        "source_type": "event",
    }
    native = compare.observe([_report("report-event-attribution", body)], {})
    later = compare.observe(
        [_report("report-event-attribution", {**body, "report_id": "b", "scheduled_report_time": "9"})], {}
    )
    assert compare.differences(native, later) == []
    other = compare.observe([_report("report-event-attribution", {**body, "trigger_data": "0"})], {})
    assert compare.differences(native, other)[0].startswith("event-level reports: only in Chrome 149")
    debug_copy = compare.observe([_report("debug/report-event-attribution", body)], {})
    assert debug_copy["event-level debug copies"] and not debug_copy["event-level reports"]


def test_verbose_debug_reports_are_compared_item_by_item():
    items = [
        {"type": "source-success", "body": {"source_event_id": "1"}},
        {"type": "trigger-no-matching-source", "body": {}},
    ]
    one = compare.observe([_report("debug/verbose", items)], {})
    two = compare.observe([_report("debug/verbose", items[:1]), _report("debug/verbose", items[1:])], {})
    assert compare.differences(one, two) == []
    assert [i["type"] for i in one["verbose debug reports"]] == [
        "source-success",
        "trigger-no-matching-source",
    ]


def _aggregatable(public: bytes, contributions: list, report_id: str) -> dict:
    shared_info = serialize_shared_info(
        {
            "api": "attribution-reporting",
            "attribution_destination": "http://shop.localhost",
            "report_id": report_id,
            "reporting_origin": "http://adtech.localhost:8123",
            "scheduled_report_time": "1700000000",
            "source_registration_time": "0",
            "version": "1.0",
        }
    )
    return {
        "shared_info": shared_info,
        "aggregation_service_payloads": [
            {"key_id": "k1", "payload": encrypt_payload(contributions, public, shared_info)}
        ],
        "aggregation_coordinator_origin": "http://aggregation.localhost:8123",
    }


def test_aggregatable_payloads_are_decrypted_and_compared_by_contribution():
    private = X25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    keys = {"k1": private.private_bytes_raw()}
    a = compare.observe(
        [_report("report-aggregate-attribution", _aggregatable(public, [(0x559, 100, 0)], "x"))], keys
    )
    b = compare.observe(
        [_report("report-aggregate-attribution", _aggregatable(public, [(0x559, 100, 0)], "y"))], keys
    )
    assert compare.differences(a, b) == []  # different report ids, random HPKE output: the same
    seen = a["aggregatable reports"][0]
    assert seen["aggregation_service_payloads"][0]["contributions"] == [["0x559", 100, 0]]
    assert seen["aggregation_service_payloads"][0]["key_id"] == "<active key>"
    assert seen["aggregation_coordinator_origin"] == "http://aggregation.localhost"
    assert seen["shared_info"]["report_id"] == compare.MASKED
    c = compare.observe(
        [_report("report-aggregate-attribution", _aggregatable(public, [(0x559, 99, 0)], "z"))], keys
    )
    assert compare.differences(a, c)


# --- The table -----------------------------------------------------------------------------


def test_rows_keep_the_published_schema_and_take_reasons_from_the_known_file():
    results = [
        {"scenario": "a", "description": "A", "differences": []},
        {"scenario": "b", "description": "B", "differences": ["x: only in Chrome 149: y"]},
    ]
    table = report.rows(results, {"b": "because"})
    assert table == [
        {"scenario": "a", "description": "A", "status": "same", "differences": [], "reason": None},
        {
            "scenario": "b",
            "description": "B",
            "status": "differs",
            "differences": ["x: only in Chrome 149: y"],
            "reason": "because",
        },
    ]
    md = report.markdown(table)
    assert "| `a`: A | same |  |" in md and "because" in md
    assert report.updated_known(table, {"a": "old", "b": "because"}) == {"b": "because"}
    assert report.updated_known(table, {})["b"].startswith("new: ")
    lines = [
        "x: only in Chrome 149 (×2): {}",
        "x: only in the simulated browser: GET y",
        "z: only in Chrome 149: {}",
    ]
    assert (
        report.summary(lines)
        == "x: 2 only in Chrome 149, 1 only in the simulated browser; z: 1 only in Chrome 149"
    )


def test_the_published_table_agrees_with_the_known_differences():
    table = json.loads(report.DOCS_JSON.read_text())
    assert [r["scenario"] for r in table] == [s.name for s in SCENARIOS]
    for row in table:
        assert set(row) == {"scenario", "description", "status", "differences", "reason"}
        assert row["status"] in report.STATUSES
        assert (row["status"] == "differs") == (row["scenario"] in KNOWN), row["scenario"]
        assert (row["reason"] is None) == (row["status"] == "same")
