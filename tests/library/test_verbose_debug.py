"""Verbose debug items: bodies and limits checked against every verbose report in the interop files."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from attribution_reporting.config import CHROMIUM, Config
from attribution_reporting.reports import VERBOSE_DEBUG
from attribution_reporting.sites import origin_of, site_of
from attribution_reporting.verbose_debug import (
    EVENT_REPORT_BODY_TYPES,
    SOURCE_TYPES,
    TRIGGER_TYPES,
    header_error_allowed,
    header_parsing_error_item,
    interop_payload,
    os_delegated_item,
    reported_source_type,
    source_debug_allowed,
    source_item,
    source_limit,
    trigger_debug_allowed,
    trigger_item,
    trigger_limit,
    verbose_report,
)
from tests.vectors import load_jsonc, vector_files

SOURCE_HEADER = "Attribution-Reporting-Register-Source"
TRIGGER_HEADER = "Attribution-Reporting-Register-Trigger"


def _registrations(case: dict) -> list[tuple[int, dict, dict]]:
    """(time, registration request, response) for every response, in time order."""
    out = []
    for registration in case["input"]["registrations"]:
        for response in registration.get("responses", []):
            time_ms = int(response.get("timestamp", registration["timestamp"]))
            out.append((time_ms, registration["registration_request"], response))
    return out


def _destinations(header: dict) -> list[str]:
    value = header["destination"]
    return [site_of(d) for d in (value if isinstance(value, list) else [value])]


def _debug_key(response: dict, header: dict) -> int | None:
    key = header.get("debug_key")
    return int(key) if key is not None and response.get("debug_permission") else None


def _items():
    """Every verbose item in the interop outputs, with the registration that produced it."""
    cases = []
    for path in vector_files("interop"):
        if path.name == "default_config.json":
            continue
        case = load_jsonc(path)
        responses = _registrations(case)
        for index, report in enumerate(case["output"].get("reports", [])):
            if not report["report_url"].endswith("/debug/verbose"):
                continue
            for n, entry in enumerate(report["payload"]):
                cases.append(
                    pytest.param(
                        case, responses, report, entry, id=f"{path.stem}-{index}-{n}-{entry['type']}"
                    )
                )
    return cases


def _find_source(responses, before_ms, reporting_origin, source_event_id, destination_site):
    for time_ms, _request, response in reversed(responses):
        header = response["response"].get(SOURCE_HEADER)
        if (
            time_ms >= before_ms
            or not isinstance(header, dict)
            or origin_of(response["url"]) != reporting_origin
        ):
            continue
        if header.get("source_event_id", "0") == source_event_id and destination_site in _destinations(
            header
        ):
            return time_ms, _request, response, header
    raise LookupError("no source")


@pytest.mark.parametrize(("case", "responses", "report", "entry"), _items())
def test_interop_verbose_item(case, responses, report, entry):
    config = Config.from_interop(case.get("api_config"))
    report_time = int(report["report_time"])
    reporting_origin = origin_of(report["report_url"])
    debug_type, body = entry["type"], entry["body"]
    at_time = [(req, resp) for t, req, resp in responses if t == report_time]
    if debug_type in ("os-source-delegated", "os-trigger-delegated"):
        (request, _response), *_ = at_time
        got = os_delegated_item(
            debug_type.split("-")[1],
            context_site=site_of(request["context_origin"]),
            registration_url=body["registration_url"],
        )
        assert got == entry
        assert reporting_origin == origin_of(body["registration_url"])
        return
    matches = [(req, resp) for req, resp in at_time if origin_of(resp["url"]) == reporting_origin]
    assert matches, "no registration at the report's time for its reporting origin"
    request, response = matches[0]
    headers = response["response"]
    if debug_type == "header-parsing-error":
        assert header_error_allowed(report_header_errors=True, fenced=bool(request.get("fenced")))
        assert body["header"] in headers
        got = header_parsing_error_item(
            context_site=site_of(request["context_origin"]), header=body["header"], value=body["value"]
        )
        assert got == entry
        return
    if debug_type in SOURCE_TYPES:
        header = headers[SOURCE_HEADER]
        assert source_debug_allowed(
            debug_reporting=header.get("debug_reporting") is True,
            debug_permission=bool(response.get("debug_permission")),
            fenced=bool(request.get("fenced")),
        )
        source_type = (
            "navigation" if request.get("Attribution-Reporting-Eligible") == "navigation-source" else "event"
        )
        scopes = header.get("attribution_scopes") or {}
        got = source_item(
            debug_type,
            destination_sites=_destinations(header),
            source_event_id=int(header.get("source_event_id", "0")),
            source_site=site_of(request["context_origin"]),
            source_debug_key=_debug_key(response, header),
            config=config,
            noised=debug_type == "source-noised",
            destination_limit_replaced="source_destination_limit" in body,
            source_type=source_type,
            max_event_states=scopes.get("max_event_states", 3),
        )
        assert got == entry
        return
    assert debug_type in TRIGGER_TYPES
    header = headers[TRIGGER_HEADER]
    destination_site = site_of(request["context_origin"])
    source = None
    if "source_event_id" in body and debug_type not in EVENT_REPORT_BODY_TYPES:
        _t, _req, source_response, source_header = _find_source(
            responses, report_time, reporting_origin, body["source_event_id"], destination_site
        )
        source = SimpleNamespace(
            source_event_id=int(body["source_event_id"]),
            source_site=site_of(_req["context_origin"]),
            debug_key=_debug_key(source_response, source_header),
            debug_cookie_set=bool(source_response.get("debug_permission")),
        )
    assert trigger_debug_allowed(
        debug_reporting=header.get("debug_reporting") is True,
        debug_permission=bool(response.get("debug_permission")),
        fenced=bool(request.get("fenced")),
        source=source,
    )
    named = {}
    if debug_type == "trigger-aggregate-insufficient-named-budget":
        named = {"budget_name": body["name"], "budget_limit": source_header["named_budgets"][body["name"]]}
    got = trigger_item(
        debug_type,
        destination_site=destination_site,
        trigger_debug_key=_debug_key(response, header),
        config=config,
        source=source,
        event_report_body=body if debug_type in EVENT_REPORT_BODY_TYPES else None,
        **named,
    )
    assert got == entry


def test_hidden_source_types_are_reported_as_success_or_noised():
    assert reported_source_type("source-destination-global-rate-limit", noised=False) == "source-success"
    assert reported_source_type("source-reporting-origin-limit", noised=True) == "source-noised"
    assert reported_source_type("source-success", noised=True) == "source-noised"
    assert reported_source_type("source-storage-limit", noised=True) == "source-storage-limit"


def test_limits_are_strings_except_channel_capacities():
    assert source_limit("source-storage-limit", CHROMIUM) == "4096"
    assert source_limit("source-destination-rate-limit", CHROMIUM) == "50"
    assert source_limit("source-trigger-state-cardinality-limit", CHROMIUM) == "4294967295"
    assert source_limit("source-channel-capacity-limit", CHROMIUM, source_type="event") == 6.5
    assert source_limit("source-scopes-channel-capacity-limit", CHROMIUM) == 11.55
    assert source_limit("source-success", CHROMIUM) is None
    assert trigger_limit("trigger-aggregate-insufficient-budget", CHROMIUM) == "65536"
    assert trigger_limit("trigger-reporting-origin-limit", CHROMIUM) == "10"
    assert trigger_limit("trigger-event-storage-limit", CHROMIUM) == "1024"
    assert trigger_limit("trigger-event-deduplicated", CHROMIUM) is None


def test_gating():
    assert not source_debug_allowed(debug_reporting=True, debug_permission=False, fenced=False)
    assert not source_debug_allowed(debug_reporting=True, debug_permission=True, fenced=True)
    assert not trigger_debug_allowed(debug_reporting=True, debug_permission=False, fenced=False)
    assert not trigger_debug_allowed(
        debug_reporting=True,
        debug_permission=True,
        fenced=False,
        source=SimpleNamespace(debug_cookie_set=False),
    )
    assert trigger_debug_allowed(debug_reporting=True, debug_permission=True, fenced=False)
    assert not header_error_allowed(report_header_errors=True, fenced=True)


def test_trigger_without_source_has_no_source_fields():
    got = trigger_item(
        "trigger-no-matching-source", destination_site="https://d.test", trigger_debug_key=5, config=CHROMIUM
    )
    assert got == {
        "body": {"attribution_destination": "https://d.test", "trigger_debug_key": "5"},
        "type": "trigger-no-matching-source",
    }
    with pytest.raises(ValueError):
        trigger_item(
            "trigger-event-low-priority",
            destination_site="https://d.test",
            trigger_debug_key=None,
            config=CHROMIUM,
        )


def test_report_and_interop_form():
    event_body = {"attribution_destination": "https://d.test", "report_id": "x", "trigger_data": "1"}
    items = [
        trigger_item(
            "trigger-event-low-priority",
            destination_site="https://d.test",
            trigger_debug_key=None,
            config=CHROMIUM,
            event_report_body=event_body,
        ),
        header_parsing_error_item(context_site="https://s.test", header="h", value="v", error="bad"),
    ]
    report = verbose_report(items, reporting_origin="https://r.test", time_ms=5, report_id="id")
    assert report.kind == VERBOSE_DEBUG
    assert report.url == "https://r.test/.well-known/attribution-reporting/debug/verbose"
    assert report.body[0]["body"]["report_id"] == "x" and report.body[1]["body"]["error"] == "bad"
    assert "report_id" not in interop_payload(report.body)[0]["body"]
