"""The registration service against a stubbed network: headers sent, hops, failures explained."""

from __future__ import annotations

import json

import httpx
import pytest

from browser import models
from browser.navigation import register_activated
from browser.network import register
from browser.registration import NAVIGATION_MECHANISMS, Context, RegistrationError, outcome_json
from config.loopback import LoopbackTransport
from tests.browser.conftest import source_response, trigger_response

pytestmark = pytest.mark.django_db

NEWS = "http://news.localhost:8000"
SHOP = "http://shop.localhost:8000"
ADTECH = "http://adtech.localhost:8000"
PARTNER = "http://partner.adtech.localhost:8000"
MEASURE = "http://measure.localhost:8000"


def test_anchor_click_registers_a_navigation_source(network):
    network.add(f"{ADTECH}/register/source", source_response(SHOP, source_event_id="42"))
    reg = register_activated(
        Context("anchor", NEWS), f"{ADTECH}/register/source", transport=network.transport
    )
    sent = network.requests[0].headers
    assert sent["Attribution-Reporting-Eligible"] == "navigation-source"
    assert sent["Attribution-Reporting-Support"] == "web"
    assert "Chrome/" in sent["User-Agent"]
    assert "cookie" not in sent
    hop = reg.hops.get()
    assert (hop.kind, hop.status, hop.response_status) == ("source", "success", 200)
    assert hop.reporting_origin == ADTECH
    source = models.Source.objects.get()
    assert source.source_type == "navigation"
    assert source.reporting_origin == ADTECH
    assert list(source.destinations.values_list("site", flat=True)) == ["http://shop.localhost"]
    assert json.loads(source.data)["source_event_id"] == "42"


@pytest.mark.parametrize(
    ("ctx", "eligible"),
    [
        (Context("window-open", NEWS), "navigation-source"),
        (Context("img", NEWS), "event-source, trigger"),
        (Context("script", NEWS), "event-source, trigger"),
        (Context("fetch", NEWS, event_source_eligible=True), "event-source"),
        (Context("xhr", NEWS, trigger_eligible=True), "trigger"),
        (Context("fetch", NEWS, event_source_eligible=True, trigger_eligible=True), "event-source, trigger"),
        (Context("xhr", NEWS), ""),
    ],
)
def test_eligible_header_per_mechanism(network, ctx, eligible):
    network.add(f"{ADTECH}/r", httpx.Response(204))
    how = register_activated if ctx.mechanism in NAVIGATION_MECHANISMS else register
    reg = how(ctx, f"{ADTECH}/r", transport=network.transport)
    assert network.requests[0].headers["Attribution-Reporting-Eligible"] == eligible
    assert reg.eligible == eligible
    hop = reg.hops.get()
    assert hop.kind == "none"
    assert "no Attribution-Reporting headers" in hop.explanation


def _chain(network, second: str) -> None:
    first = source_response(SHOP, source_event_id="1")
    first.status_code = 302
    first.headers["Location"] = f"{second}/register/source"
    network.add(f"{ADTECH}/register/source", first)
    network.add(f"{second}/register/source", source_response(SHOP, source_event_id="2"))


def test_redirect_chain_registers_once_per_reporting_origin(network):
    _chain(network, MEASURE)
    reg = register(Context("img", NEWS), f"{ADTECH}/register/source", transport=network.transport)
    hops = list(reg.hops.all())
    assert [(h.index, h.reporting_origin, h.kind, h.status) for h in hops] == [
        (0, ADTECH, "source", "success"),
        (1, MEASURE, "source", "success"),
    ]
    assert json.loads(hops[0].response_headers)["location"].startswith(MEASURE)
    origins = sorted(models.Source.objects.values_list("reporting_origin", flat=True))
    assert origins == [ADTECH, MEASURE]
    assert models.Source.objects.filter(source_type="event").count() == 2
    assert reg.error == ""


def test_second_origin_of_the_same_site_is_rate_limited_as_in_chrome(network):
    """partner.adtech.localhost is the same site as adtech.localhost: one origin per site per day."""
    _chain(network, PARTNER)
    reg = register(Context("img", NEWS), f"{ADTECH}/register/source", transport=network.transport)
    assert [h.status for h in reg.hops.all()] == ["success", "excessiveReportingOrigins"]
    assert models.Source.objects.count() == 1


def _not_made(reg) -> list[str]:
    return [h.url for h in reg.hops.all() if (h.kind, h.status) == ("error", "requestNotMade")]


def test_redirect_loop_is_detected_and_explained(network):
    network.add(f"{ADTECH}/a", httpx.Response(302, headers={"Location": "/b"}))
    network.add(f"{ADTECH}/b", httpx.Response(302, headers={"Location": f"{ADTECH}/a"}))
    reg = register(Context("img", NEWS), f"{ADTECH}/a", transport=network.transport)
    assert len(network.requests) == 2
    assert _not_made(reg) == [f"{ADTECH}/a"]  # internals list the stop as an error hop
    assert "Redirect loop" in reg.error
    assert "Redirect loop" in reg.summary


def test_too_many_redirects(network):
    for i in range(30):
        network.add(f"{ADTECH}/r{i}", httpx.Response(302, headers={"Location": f"/r{i + 1}"}))
    reg = register(Context("img", NEWS), f"{ADTECH}/r0", transport=network.transport)
    assert len(network.requests) == 21 and reg.hops.count() == 22
    assert "More than 20 redirects" in reg.error


def test_timeout_is_recorded(network):
    def slow(request):
        raise httpx.ReadTimeout("timed out", request=request)

    network.add(f"{ADTECH}/slow", slow)
    reg = register(Context("img", NEWS), f"{ADTECH}/slow", transport=network.transport)
    hop = reg.hops.get()
    assert (hop.kind, hop.status, hop.response_status) == ("error", "requestFailed", None)
    assert "did not answer within 5 seconds" in hop.explanation
    assert "did not answer" in reg.summary


def test_unreachable_host_is_recorded():
    # Port 9 (discard) on loopback: nothing listens there, the connection is refused at once.
    reg = register(Context("img", NEWS), "http://127.0.0.1:9/register")
    hop = reg.hops.get()
    assert hop.kind == "error"
    assert "Could not connect" in reg.error
    assert models.Source.objects.count() == 0


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://adtech.localhost/register", "ftp: scheme"),
        ("javascript:alert(1)", "javascript: scheme"),
        ("not a url", "not a valid absolute URL"),
        ("http://adtech.example/register", "not potentially trustworthy"),
    ],
)
def test_urls_that_are_not_requested(network, url, words):
    reg = register(Context("img", NEWS), url, transport=network.transport)
    assert network.requests == []
    assert _not_made(reg) == [url]
    assert words in reg.error
    assert outcome_json(reg)["error"] == reg.error


def test_redirect_to_a_non_http_url_stops_the_chain(network):
    network.add(f"{ADTECH}/r", httpx.Response(302, headers={"Location": "data:text/plain,hi"}))
    reg = register(Context("img", NEWS), f"{ADTECH}/r", transport=network.transport)
    assert len(network.requests) == 1
    assert _not_made(reg) == ["data:text/plain,hi"]
    assert "data: scheme" in reg.error


def test_malformed_header_is_explained(network):
    network.add(
        f"{ADTECH}/bad",
        httpx.Response(200, headers={"Attribution-Reporting-Register-Source": "{not json"}),
    )
    reg = register_activated(Context("anchor", NEWS), f"{ADTECH}/bad", transport=network.transport)
    hop = reg.hops.get()
    assert (hop.kind, hop.status) == ("source", "parseError")
    assert "could not be parsed" in hop.explanation
    assert json.loads(hop.detail)["errors"]
    assert models.Source.objects.count() == 0


def test_bad_context_is_refused():
    with pytest.raises(RegistrationError, match="unknown mechanism"):
        register(Context("iframe", NEWS), f"{ADTECH}/r")
    with pytest.raises(RegistrationError, match="not a secure origin"):
        register(Context("img", "http://news.example"), f"{ADTECH}/r")


def test_trigger_is_attributed_and_reports_are_queued(network, queued, django_capture_on_commit_callbacks):
    network.add(f"{ADTECH}/register/source", source_response(SHOP, debug_key="5"))
    network.add(f"{ADTECH}/register/trigger", trigger_response(debug_key="6"))
    with django_capture_on_commit_callbacks(execute=True):
        register_activated(Context("anchor", NEWS), f"{ADTECH}/register/source", transport=network.transport)
        reg = register(Context("img", SHOP), f"{ADTECH}/register/trigger", transport=network.transport)
    hop = reg.hops.get()
    assert hop.kind == "trigger"
    assert hop.status.startswith("event-level: success")
    kinds = dict(models.Report.objects.values_list("kind", "status"))
    assert kinds == {"event-level": "pending", "event-level-debug": "pending"}
    debug_id = models.Report.objects.get(kind="event-level-debug").report_id
    # The debug copy is due at once; the event-level report waits for its window (days away).
    assert (debug_id, None) in queued
    assert len(queued) == 1


def test_debug_mode_makes_reports_due_at_once(network, queued, django_capture_on_commit_callbacks):
    from browser import clock

    clock.set_debug_mode(True)
    network.add(f"{ADTECH}/register/source", source_response(SHOP))
    network.add(f"{ADTECH}/register/trigger", trigger_response())
    with django_capture_on_commit_callbacks(execute=True):
        register_activated(Context("anchor", NEWS), f"{ADTECH}/register/source", transport=network.transport)
        assert json.loads(models.Source.objects.get().data)["randomized_response"] is None
        register(Context("img", SHOP), f"{ADTECH}/register/trigger", transport=network.transport)
    report = models.Report.objects.get(kind="event-level")
    assert report.report_time_ms <= clock.now_ms()
    body = json.loads(report.data)["body"]
    assert int(body["scheduled_report_time"]) == report.report_time_ms // 1000
    assert (report.report_id, None) in queued


def test_loopback_transport_keeps_the_host_header():
    seen = []

    class Inner(httpx.BaseTransport):
        def handle_request(self, request):
            seen.append((request.url.host, request.headers["Host"]))
            return httpx.Response(204)

    with httpx.Client(transport=LoopbackTransport(Inner())) as client:
        client.get("http://adtech.localhost:8123/x")
        client.get("http://example.org/y")
    assert seen == [("127.0.0.1", "adtech.localhost:8123"), ("example.org", "example.org")]


def test_a_processing_failure_is_recorded_not_raised(network, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr("browser.attribution.process_response", broken)
    network.add(f"{ADTECH}/register/source", source_response(SHOP))
    reg = register(Context("img", NEWS), f"{ADTECH}/register/source", transport=network.transport)
    hop = reg.hops.get()
    assert (hop.kind, hop.status, hop.response_status) == ("error", "internalError", 200)
    assert "engine exploded" in reg.summary
    assert models.Source.objects.count() == 0


def _scoped_chain(network, first_scopes: list[str], second_scopes: list[str]) -> None:
    first = source_response(
        SHOP, source_event_id="1", attribution_scopes={"limit": 3, "values": first_scopes}
    )
    first.status_code = 302
    first.headers["Location"] = f"{ADTECH}/register/source-2"
    network.add(f"{ADTECH}/register/source", first)
    network.add(
        f"{ADTECH}/register/source-2",
        source_response(SHOP, source_event_id="2", attribution_scopes={"limit": 3, "values": second_scopes}),
    )


def test_one_navigation_may_use_one_scope_set_per_reporting_origin(network):
    _scoped_chain(network, ["shoes"], ["shirts"])
    reg = register_activated(
        Context("anchor", NEWS), f"{ADTECH}/register/source", transport=network.transport
    )
    assert [h.status for h in reg.hops.all()] == ["success", "exceedsMaxScopeSetsPerNavigation"]
    assert "only one set" in reg.hops.all()[1].explanation


def test_separate_navigations_each_get_their_scope_set(network):
    _scoped_chain(network, ["shoes"], ["shoes"])
    first = register_activated(
        Context("anchor", NEWS), f"{ADTECH}/register/source", transport=network.transport
    )
    network.add(
        f"{ADTECH}/register/other",
        source_response(SHOP, source_event_id="3", attribution_scopes={"limit": 3, "values": ["shirts"]}),
    )
    second = register_activated(
        Context("anchor", NEWS), f"{ADTECH}/register/other", transport=network.transport
    )
    assert [h.status for h in first.hops.all()] == ["success", "success"]
    assert [h.status for h in second.hops.all()] == ["success"]


def test_every_registration_request_has_a_timeout(network):
    """Requests go straight to the transport, so the timeout rides on the request itself."""
    network.add(f"{ADTECH}/r", httpx.Response(204))
    register(Context("img", NEWS), f"{ADTECH}/r", transport=network.transport)
    assert network.requests[0].extensions["timeout"]["read"] == 5.0
