"""The virtual clock, the JSON API (CORS, Origin check, filters, actions) and the services."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from django.conf import settings

from attribution_reporting.reports import EVENT_LEVEL, SENT, VERBOSE_DEBUG, Report, report_url
from browser import clock, models, navigation, selectors, services
from browser.storage import DatabaseStorage
from tests.browser.conftest import source_response

pytestmark = pytest.mark.django_db

BROWSER_HOST = "browser.localhost:8000"
NEWS = "http://news.localhost:8000"
HOUR = 3_600_000


def _report(report_id: str, due_in_ms: int, kind: str = EVENT_LEVEL) -> Report:
    report = Report(
        report_id=report_id,
        kind=kind,
        url=report_url("http://adtech.localhost:8000", kind),
        reporting_origin="http://adtech.localhost:8000",
        report_time_ms=clock.now_ms() + due_in_ms,
        body={"id": report_id},
    )
    DatabaseStorage().add_report(report)
    return report


def test_clock_moves_forward_and_back():
    start = clock.now_ms()
    after = clock.advance(HOUR)
    assert HOUR <= after - start < HOUR + 5_000
    assert clock.offset_ms() == HOUR
    with pytest.raises(ValueError):
        clock.advance(-1)
    clock.reset()
    assert clock.offset_ms() == 0


def test_advancing_shows_exactly_the_reports_that_became_due(queued):
    already = _report("already", -1)
    in_an_hour = _report("hour", HOUR - 60_000)
    _report("day", 20 * HOUR)
    move = services.advance_clock(by_ms=HOUR)
    assert move.due_report_ids == [in_an_hour.report_id]
    assert "1 report became due" in move.explanation
    assert {q[0] for q in queued} == {already.report_id, in_an_hour.report_id}


def test_advance_to_next_report():
    report = _report("next", 3 * 86_400_000)
    move = services.advance_clock(to_next_report=True)
    assert move.due_report_ids == [report.report_id]
    assert clock.now_ms() >= report.report_time_ms
    empty = services.advance_clock(to_next_report=False, by_ms=0)
    assert empty.due_report_ids == []
    models.Report.objects.all().delete()
    assert "did not move" in services.advance_clock(to_next_report=True).explanation


def test_clear_all_data_resets_everything(network):
    network.add("http://adtech.localhost:8000/s", source_response("http://shop.localhost:8000"))
    navigation.register_activated(
        services.Context("anchor", NEWS), "http://adtech.localhost:8000/s", transport=network.transport
    )
    clock.advance(HOUR)
    clock.set_debug_mode(True)
    _report("x", 0)
    from browser import attribution, testing

    attribution._NAVIGATION_SCOPE_SETS["nav-1"] = {"scope"}
    testing._received.append({"path": "/x"})
    assert selectors.summary()["sources"]["navigation"] == 1
    services.clear_all_data()
    assert attribution._NAVIGATION_SCOPE_SETS == {} and testing.received() == []
    summary = selectors.summary()
    assert summary["sources"] == {"navigation": 0, "event": 0}
    assert summary["reports_total"] == summary["registrations"] == 0
    assert clock.offset_ms() == 0 and not clock.debug_mode()


def test_summary_counts_by_type_kind_and_status(network):
    network.add("http://adtech.localhost:8000/s", source_response("http://shop.localhost:8000"))
    navigation.register_activated(
        services.Context("anchor", NEWS), "http://adtech.localhost:8000/s", transport=network.transport
    )
    services.register(
        services.Context("img", NEWS), "http://adtech.localhost:8000/s", transport=network.transport
    )
    _report("p", 10 * HOUR)
    sent = _report("s", 0, kind=VERBOSE_DEBUG)
    models.Report.objects.filter(report_id=sent.report_id).update(status=SENT)
    summary = selectors.summary()
    assert summary["sources"] == {"navigation": 1, "event": 1}
    assert summary["source_registrations"] == 2
    assert summary["reports"] == {"event-level": {"pending": 1}, "verbose-debug": {"sent": 1}}


# The API, through Django's test client on the browser host.


def _post(client, path, body, origin=None, content_type="text/plain"):
    headers = {"HTTP_HOST": BROWSER_HOST}
    if origin:
        headers["HTTP_ORIGIN"] = origin
    return client.post(path, data=json.dumps(body), content_type=content_type, **headers)


def test_registration_api_answers_the_shim_with_cors(client, monkeypatch, network):
    network.add("http://adtech.localhost:8000/s", source_response("http://shop.localhost:8000"))
    real = services.register
    monkeypatch.setattr(
        services, "register", lambda ctx, url, **kw: real(ctx, url, transport=network.transport, **kw)
    )
    body = {"mechanism": "img", "url": "http://adtech.localhost:8000/s", "context_origin": NEWS}
    response = _post(client, "/api/registrations", body, origin=NEWS)
    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == NEWS
    outcome = response.json()
    assert outcome["mechanism"] == "img"
    assert outcome["hops"][0]["kind"] == "source" and outcome["hops"][0]["status"] == "success"
    assert outcome["hops"][0]["request_headers"]["Attribution-Reporting-Eligible"] == "event-source, trigger"
    assert outcome["summary"]


def test_registration_api_refuses_other_origins(client):
    body = {"mechanism": "img", "url": "http://adtech.localhost:8000/s", "context_origin": NEWS}
    response = _post(client, "/api/registrations", body, origin="http://evil.example")
    assert response.status_code == 403
    assert "not accepted" in response.json()["error"]
    assert "Access-Control-Allow-Origin" not in response
    assert models.Registration.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"mechanism": "img"}, "url"),
        (
            {"mechanism": "blink", "url": "http://adtech.localhost:8000/s", "context_origin": NEWS},
            "unknown mechanism",
        ),
        (
            {
                "mechanism": "img",
                "url": "http://adtech.localhost:8000/s",
                "context_origin": "http://x.example",
            },
            "secure",
        ),
    ],
)
def test_registration_api_explains_bad_requests(client, body, words):
    response = _post(client, "/api/registrations", body, origin=NEWS)
    assert response.status_code == 400
    assert words in response.json()["error"]


def test_registration_api_rejects_a_body_that_is_not_json(client):
    response = client.post(
        "/api/registrations",
        data="{nope",
        content_type="text/plain",
        HTTP_HOST=BROWSER_HOST,
        HTTP_ORIGIN=NEWS,
    )
    assert response.status_code == 400


def test_registration_api_records_a_non_http_url(client):
    body = {"mechanism": "img", "url": "mailto:someone@example.com", "context_origin": NEWS}
    response = _post(client, "/api/registrations", body, origin=NEWS)
    assert response.status_code == 201
    assert "mailto: scheme" in response.json()["error"]


def test_read_endpoints_and_filters(client):
    _report("e", 10 * HOUR)
    _report("v", 0, kind=VERBOSE_DEBUG)
    get = lambda path: client.get(path, HTTP_HOST=BROWSER_HOST)  # noqa: E731
    assert [r["report_id"] for r in get("/api/reports?kind=event-level").json()] == ["e"]
    assert [r["report_id"] for r in get("/api/reports?kind=debug").json()] == ["v"]
    assert get("/api/reports?status=sent").json() == []
    assert get("/api/reports?kind=bogus").status_code == 400
    assert get("/api/reports/e").json()["body"] == {"id": "e"}
    assert get("/api/reports/missing").status_code == 404
    assert get("/api/state").json()["summary"]["reports_pending"] == 2
    from browser import models

    models.Report.objects.filter(report_id="v").update(status="sent")
    summary = get("/api/state").json()["summary"]
    assert (summary["reports_pending"], summary["reports_sent"], summary["reports_failed"]) == (1, 1, 0)
    models.Report.objects.filter(report_id="v").update(status="pending")
    assert get("/api/summary").json()["reports"]["event-level"] == {"pending": 1}
    assert get("/api/sources").json() == []
    internals = get("/api/internals").json()
    assert set(internals) >= {"state", "sources", "source_registrations", "trigger_registrations", "reports"}


def test_actions_api(client, queued):
    _report("later", 2 * HOUR)
    response = _post(client, "/api/actions/advance-hour", {}, origin="http://browser.localhost:8000")
    assert response.status_code == 200 and response.json()["due_report_ids"] == []
    response = _post(client, "/api/actions/advance-next-report", {}, origin="http://browser.localhost:8000")
    assert response.json()["due_report_ids"] == ["later"]
    response = _post(client, "/api/actions/debug-mode", {"enabled": True}, content_type="application/json")
    assert response.json()["debug_mode"] is True
    assert _post(client, "/api/actions/advance", {"ms": "soon"}).status_code == 400
    assert _post(client, "/api/actions/explode", {}).status_code == 404
    assert _post(client, "/api/actions/clear", {}, origin=NEWS).status_code == 403
    assert _post(client, "/api/actions/clear", {}).json()["explanation"].startswith("All sources")
    assert models.Report.objects.count() == 0


def test_internals_page_and_forms(client, queued):
    page = client.get("/", HTTP_HOST=BROWSER_HOST)
    assert page.status_code == 200
    html = page.content.decode()
    assert "No sources yet" in html and "Advance to next report" in html and "Debug mode" in html
    _report("r", HOUR)
    response = client.post("/actions/advance-day", HTTP_HOST=BROWSER_HOST, follow=True)
    assert "1 report became due" in response.content.decode()


def test_shim_is_served_as_javascript(client):
    response = client.get("/shim.js", HTTP_HOST=BROWSER_HOST)
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Access-Control-Allow-Origin"] == "*"
    text = response.content.decode()
    assert "attributionlab:registration" in text
    # The same static file for every page: the page's script tag carries the configuration.
    assert text == (settings.BASE_DIR / "static" / "browser" / "shim.js").read_text(encoding="utf-8")
    page = client.get(
        "/", HTTP_HOST="news.localhost:8000", HTTP_COOKIE="attributionlab-sw=1"
    ).content.decode()
    tag = re.search(r'<script src="http://browser\.localhost:8000/shim\.js"[^>]*>', page).group(0)
    assert 'data-browser-origin="http://browser.localhost:8000"' in tag
    assert (
        "http://measure.localhost:8000" in re.search(r'data-trusted-origins="([^"]*)"', tag).group(1).split()
    )


def test_test_pages_are_off_unless_enabled(client, settings):
    settings.DEBUG = False
    settings.ARA_BROWSER_TEST_PAGES = False
    assert client.get("/test/mechanisms", HTTP_HOST=BROWSER_HOST).status_code == 404
    settings.ARA_BROWSER_TEST_PAGES = True
    assert client.get("/test/mechanisms", HTTP_HOST=BROWSER_HOST).status_code == 200


def test_send_now_through_the_service(network):
    report = _report("n", 5 * HOUR)
    network.add(report.url, httpx.Response(204))
    assert services.send_now("n", transport=network.transport) == "sent"
    assert services.send_all_pending(transport=network.transport) == {}


def test_api_root_lists_the_endpoints(client):
    listing = client.get("/api/", HTTP_HOST=BROWSER_HOST).json()
    assert "http://browser.localhost:8000/api/reports" in listing
    assert client.get("/api/clock", HTTP_HOST=BROWSER_HOST).json()["clock_offset_ms"] == 0


def test_actions_need_the_csrf_token():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/api/actions/clear", data="{}", content_type="application/json", HTTP_HOST=BROWSER_HOST
    )
    assert response.status_code == 403
    page = strict.get("/", HTTP_HOST=BROWSER_HOST)
    token = page.cookies["csrftoken"].value
    response = strict.post(
        "/api/actions/clear",
        data="{}",
        content_type="application/json",
        HTTP_HOST=BROWSER_HOST,
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200
