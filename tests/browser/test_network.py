"""The network service: the page's request made once, redirects hop by hop, clear errors."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from browser import models, network, services
from browser.registration import Context, RegistrationError
from browser.request_envelope import MAX_BODY_BYTES, PageRequest

from .conftest import source_response, trigger_response

pytestmark = pytest.mark.django_db

NEWS = "http://news.localhost:8000"
SHOP = "http://shop.localhost:8000"
AD = "http://adtech.localhost:8000"
PARTNER = "http://measure.localhost:8000"
BROWSER_HOST = "browser.localhost:8000"


@pytest.fixture
def network_stub(request):
    return request.getfixturevalue("network")


def _page(url: str, mechanism: str = "img", **kw) -> PageRequest:
    ctx = Context(mechanism=mechanism, context_origin=NEWS, frame_origin=NEWS, **kw.pop("ctx", {}))
    return PageRequest(url=url, context=ctx, referrer=NEWS + "/article", **kw)


def test_each_hop_registers_and_the_final_response_goes_to_the_page(network_stub):
    redirect = source_response(SHOP)
    redirect.status_code, redirect.headers["Location"] = 302, f"{PARTNER}/s"
    network_stub.add(f"{AD}/s", redirect)
    final = source_response(SHOP)
    final.headers["Content-Type"] = "image/gif"
    final._content = b"GIF89a"  # noqa: SLF001 (a stub response's body)
    network_stub.add(f"{PARTNER}/s", final)
    result = network.fetch(_page(f"{AD}/s", destination="image"), transport=network_stub.transport)
    assert result.ok and result.status == 200 and result.body == b"GIF89a" and result.redirected
    assert result.url == f"{PARTNER}/s"
    hops = list(result.registration.hops.all())
    assert [(h.reporting_origin, h.kind, h.status) for h in hops] == [
        (AD, "source", "success"),
        (PARTNER, "source", "success"),
    ]
    for request in network_stub.requests:
        assert request.headers["Attribution-Reporting-Eligible"] == "event-source, trigger"
        assert request.headers["Attribution-Reporting-Support"] == "web"
        assert request.headers["Sec-Fetch-Dest"] == "image"
        assert request.headers["Referer"] == NEWS + "/"  # strict-origin-when-cross-origin


def test_the_pages_method_headers_and_body_are_sent_and_a_302_turns_a_post_into_a_get(network_stub):
    allow = {"Access-Control-Allow-Origin": NEWS, "Access-Control-Allow-Headers": "*"}

    def answer(response: httpx.Response):
        return lambda r: httpx.Response(204, headers=allow) if r.method == "OPTIONS" else response

    network_stub.add(f"{AD}/post", answer(httpx.Response(302, headers={"Location": f"{AD}/done"})))
    network_stub.add(f"{AD}/done", answer(trigger_response()))
    page = _page(
        f"{AD}/post",
        mechanism="fetch",
        ctx={"trigger_eligible": True},
        method="POST",
        headers=(("Content-Type", "application/json"), ("X-Mine", "1"), ("Cookie", "stolen=1")),
        body=b'{"a": 1}',
        mode="cors",
    )
    result = network.fetch(page, transport=network_stub.transport)
    preflights = [r for r in network_stub.requests if r.method == "OPTIONS"]
    assert [p.headers["Access-Control-Request-Headers"] for p in preflights] == [
        "content-type,x-mine",
        "x-mine",
    ]
    first, second = [r for r in network_stub.requests if r.method != "OPTIONS"]
    assert (first.method, first.content, first.headers["X-Mine"]) == ("POST", b'{"a": 1}', "1")
    assert first.headers["Attribution-Reporting-Eligible"] == "trigger"
    assert first.headers["Origin"] == NEWS and "cookie" not in first.headers  # the page cannot set it
    assert (second.method, second.content) == ("GET", b"")
    assert "content-type" not in second.headers
    assert [h.kind for h in result.registration.hops.all()] == ["none", "trigger"]


def test_a_plain_request_registers_a_trigger_and_sends_no_attribution_headers(network_stub):
    network_stub.add(f"{AD}/pixel", trigger_response())
    network_stub.add(f"{AD}/other", httpx.Response(200))
    result = network.fetch(_page(f"{AD}/pixel", mechanism="plain"), transport=network_stub.transport)
    assert "attribution-reporting-eligible" not in network_stub.requests[0].headers
    assert "attribution-reporting-support" not in network_stub.requests[0].headers
    assert result.registration.hops.get().kind == "trigger"
    # A plain request whose response registers nothing leaves no trace in internals.
    assert (
        network.fetch(_page(f"{AD}/other", mechanism="plain"), transport=network_stub.transport).registration
        is None
    )
    assert models.Registration.objects.count() == 1


def test_a_navigation_carries_navigation_source_on_every_hop(network_stub):
    hop = source_response(SHOP)
    hop.status_code, hop.headers["Location"] = 302, f"{SHOP}/landing"
    network_stub.add(f"{AD}/click", hop)
    network_stub.add(f"{SHOP}/landing", httpx.Response(200, text="<h1>shop</h1>"))
    ctx = Context(mechanism="anchor", context_origin=NEWS)
    with pytest.raises(RegistrationError):  # no user activation seen: no navigation source
        network.navigate(ctx, f"{AD}/click", transport=network_stub.transport)
    assert network_stub.requests == []
    row = models.Registration.objects.create(
        time_ms=0, mechanism="anchor", url=f"{AD}/click", context_origin=NEWS, eligible="navigation-source"
    )
    result = network.navigate(ctx, f"{AD}/click", transport=network_stub.transport, registration=row)
    assert result.url == f"{SHOP}/landing" and b"shop" in result.body
    assert [r.headers["Attribution-Reporting-Eligible"] for r in network_stub.requests] == [
        "navigation-source"
    ] * 2
    assert [r.headers["Sec-Fetch-Mode"] for r in network_stub.requests] == ["navigate"] * 2
    assert models.Source.objects.get().source_type == "navigation"
    with pytest.raises(ValueError):
        network.navigate(Context(mechanism="img", context_origin=NEWS), f"{AD}/click")


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("not a url", "not a valid absolute URL"),
        ("ftp://adtech.localhost/x", "ftp: scheme"),
        ("http://ads.example/x", "not potentially trustworthy"),
        (f"{AD}/unreachable", "Could not connect"),
        (f"{AD}/loop", "More than 20 redirects"),
    ],
)
def test_requests_that_cannot_be_made_are_clear_errors_on_the_page_and_in_internals(network_stub, url, words):
    counter = iter(range(100))
    network_stub.add(
        f"{AD}/loop", lambda r: httpx.Response(302, headers={"Location": f"{AD}/loop?{next(counter)}"})
    )
    result = network.fetch(_page(url), transport=network_stub.transport)
    assert words in result.error
    registration = models.Registration.objects.get()
    assert words in registration.error and words in registration.summary


def test_an_oversized_body_is_refused_before_any_request(network_stub):
    page = _page(f"{AD}/s", mechanism="fetch", method="POST", body=b"x" * (MAX_BODY_BYTES + 1))
    result = network.fetch(page, transport=network_stub.transport)
    assert "at most 1,000,000" in result.error and network_stub.requests == []


def _post(client, envelope, body=b"", origin=NEWS, rid=""):
    query = {"r": json.dumps(envelope) if not isinstance(envelope, str) else envelope}
    if rid:
        query["rid"] = rid
    from urllib.parse import urlencode

    return client.post(
        "/network?" + urlencode(query),
        data=body,
        content_type="text/plain",
        HTTP_HOST=BROWSER_HOST,
        HTTP_ORIGIN=origin,
    )


def _decoded(value: str) -> object:
    return json.loads(base64.b64decode(value))


@pytest.fixture
def routed(monkeypatch, network_stub):
    real = services.fetch_for_page
    monkeypatch.setattr(
        services, "fetch_for_page", lambda page, rid="": real(page, rid=rid, transport=network_stub.transport)
    )
    return network_stub


def test_the_endpoint_answers_with_the_final_response_and_the_outcome(client, routed):
    answer = source_response(SHOP)
    answer.headers["Content-Type"] = "image/gif"
    answer.headers["Set-Cookie"] = "id=1"
    routed.add(f"{AD}/s", answer)
    envelope = {"url": f"{AD}/s", "mechanism": "img", "destination": "image", "context_origin": NEWS}
    response = _post(client, envelope, rid="abc")
    assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    assert "Set-Cookie" not in response and response["Access-Control-Allow-Origin"] == NEWS
    assert response["Attribution-Lab-Url"] == f"{AD}/s"
    outcome = _decoded(response["Attribution-Lab-Outcome"])
    assert outcome["hops"][0]["kind"] == "source"
    assert client.get("/network/outcome/abc", HTTP_HOST=BROWSER_HOST).json()["outcome"]["id"] == outcome["id"]


def test_the_reset_forgets_the_outcomes_kept_for_pages(client, routed):
    routed.add(f"{AD}/s", source_response(SHOP))
    envelope = {"url": f"{AD}/s", "mechanism": "img", "destination": "image", "context_origin": NEWS}
    assert _post(client, envelope, rid="kept").status_code == 200
    assert services.page_outcome("kept") is not None
    services.clear_all_data()
    assert services.page_outcome("kept") is None
    assert client.get("/network/outcome/kept", HTTP_HOST=BROWSER_HOST).json()["outcome"] is None


def test_the_endpoint_hides_a_response_chrome_would_hide_from_the_page(client, routed):
    routed.add(f"{AD}/s", source_response(SHOP))  # no Access-Control-Allow-Origin
    envelope = {
        "url": f"{AD}/s",
        "mechanism": "fetch",
        "mode": "cors",
        "context_origin": NEWS,
        "event_source_eligible": True,
    }
    response = _post(client, envelope, rid="cors1")
    assert "Access-Control-Allow-Origin" not in response
    assert (
        client.get("/network/outcome/cors1", HTTP_HOST=BROWSER_HOST).json()["outcome"]["hops"][0]["kind"]
        == "source"
    )


@pytest.mark.parametrize(
    ("envelope", "status", "words"),
    [
        ("{not json", 400, "not JSON"),
        ([], 400, "JSON object"),
        ({"mechanism": "img", "context_origin": NEWS}, 400, '"url"'),
        ({"url": f"{AD}/s", "mechanism": "teleport", "context_origin": NEWS}, 400, "unknown mechanism"),
        ({"url": f"{AD}/s", "headers": "x", "context_origin": NEWS}, 400, "headers"),
        ({"url": f"{AD}/gone", "mechanism": "img", "context_origin": NEWS}, 502, "Could not connect"),
        ({"url": "javascript:alert(1)", "mechanism": "img", "context_origin": NEWS}, 502, "scheme"),
    ],
)
def test_the_endpoint_reports_bad_input_clearly(client, routed, envelope, status, words):
    response = _post(client, envelope)
    assert response.status_code == status
    assert words in _decoded(response["Attribution-Lab-Error"])
    assert response["Access-Control-Allow-Origin"] == NEWS  # so the page can show why


def test_the_endpoint_refuses_an_oversized_body_and_pages_that_are_not_local(client, routed, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000_000
    envelope = {"url": f"{AD}/s", "mechanism": "fetch", "method": "POST", "context_origin": NEWS}
    response = _post(client, envelope, body=b"x" * 1_500_000)
    assert response.status_code == 502 and "at most 1,000,000" in response.content.decode()
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = _post(client, envelope, body=b"x" * 5000)
    # Refused at the door, before the network service reads it: the server's own limit.
    assert response.status_code == 413 and "larger than this server reads" in response.content.decode()
    assert _post(client, envelope, origin="https://evil.example").status_code == 403
    assert _post(client, envelope | {"url": f"{AD}/gone"}, origin="http://localhost:9000").status_code == 502


def test_the_service_worker_is_served_at_every_party_origins_root(client):
    for host in ("news.localhost:8000", "shop.localhost:8000", "adtech.localhost:8000"):
        response = client.get("/attributionlab-sw.js", HTTP_HOST=host)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
        assert 'new URL(self.location.href).searchParams.get("browser")' in response.content.decode()
    # The worker learns the browser's origin from its URL, which the first visit registers.
    bootstrap = client.get(
        "/", HTTP_HOST="news.localhost:8000", HTTP_SEC_FETCH_MODE="navigate", HTTP_SEC_FETCH_DEST="document"
    ).content.decode()
    assert "/attributionlab-sw.js?browser=http%3A%2F%2Fbrowser.localhost%3A8000" in bootstrap


def test_a_request_that_was_never_made_is_listed_in_internals_with_the_reason(client, network_stub):
    network.fetch(_page("http://ads.example/x"), transport=network_stub.transport)
    other = client.get("/api/internals", HTTP_HOST=BROWSER_HOST).json()["other_registrations"]
    assert [(h["kind"], h["status"]) for h in other] == [("error", "requestNotMade")]
    assert "not potentially trustworthy" in other[0]["explanation"]


def test_a_refused_cors_preflight_stops_the_request_as_in_chrome(network_stub):
    network_stub.add(
        f"{AD}/json", lambda r: httpx.Response(204) if r.method == "OPTIONS" else source_response(SHOP)
    )
    page = _page(
        f"{AD}/json",
        mechanism="fetch",
        ctx={"event_source_eligible": True},
        method="PUT",
        headers=(("Content-Type", "application/json"),),
        body=b"{}",
        mode="cors",
    )
    result = network.fetch(page, transport=network_stub.transport)
    assert [r.method for r in network_stub.requests] == ["OPTIONS"]  # no ACAO: the PUT is never made
    preflight = network_stub.requests[0]
    assert preflight.headers["Access-Control-Request-Method"] == "PUT"
    assert preflight.headers["Access-Control-Request-Headers"] == "content-type"
    assert "attribution-reporting-eligible" not in preflight.headers
    assert "Access-Control-Allow-Origin (none)" in result.error
    assert models.Source.objects.count() == 0
