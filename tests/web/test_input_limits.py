"""Bounds every request meets: clear, fast 4xx for what no endpoint can use, never a 5xx.

Query-parameter counts, URL and header sizes, control characters in headers, Content-Length,
body sizes and JSON depth; and header values stored in columns of a fixed width are cut to
fit (PostgreSQL refuses a longer value, SQLite would not notice).
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db

ADTECH = "adtech.localhost:8000"
BROWSER = "browser.localhost:8000"
AGGREGATION = "aggregation.localhost:8000"
NEWS_ORIGIN = "http://news.localhost:8000"
KEY = {"HTTP_AUTHORIZATION": "Bearer attribution-lab-demo-aggregation-key"}
DEEP = "[" * 20_000 + "]" * 20_000
EVENT_REPORT = {"report_id": "r-1", "source_event_id": "1", "trigger_data": "1"}

# Every endpoint that reads a JSON body, with what it needs besides the body.
JSON_ENDPOINTS = [
    (ADTECH, "/.well-known/attribution-reporting/report-event-attribution", "application/json", {}),
    (ADTECH, "/.well-known/attribution-reporting/debug/verbose", "application/json", {}),
    (ADTECH, "/api/validate", "application/json", {}),
    (BROWSER, "/api/registrations", "application/json", {"HTTP_ORIGIN": NEWS_ORIGIN}),
    (BROWSER, "/api/registrations", "text/plain", {"HTTP_ORIGIN": NEWS_ORIGIN}),
    (AGGREGATION, "/v1alpha/createJob", "application/json", KEY),
]


@pytest.mark.parametrize("host,path,content_type,extra", JSON_ENDPOINTS)
def test_deep_json_is_a_clear_400_everywhere(client, host, path, content_type, extra):
    response = client.post(path, DEEP, content_type=content_type, HTTP_HOST=host, **extra)
    assert response.status_code == 400
    assert "nests more than 32 levels" in response.content.decode()


@pytest.mark.parametrize("host,path,content_type,extra", JSON_ENDPOINTS)
def test_lone_surrogates_are_refused_at_the_door(client, host, path, content_type, extra):
    body = '{"url": "http://adtech.localhost:8000/\\ud800", "report_id": "\\udfff", "value": "x"}'
    response = client.post(path, body, content_type=content_type, HTTP_HOST=host, **extra)
    assert response.status_code == 400 and "surrogate" in response.content.decode()


@pytest.mark.parametrize(
    "host,path",
    [
        (ADTECH, "/api/reports/"),
        (ADTECH, "/register/source"),
        (BROWSER, "/api/sources"),
        ("news.localhost:8000", "/"),
        (AGGREGATION, "/v1alpha/getJob"),
    ],
)
def test_too_many_query_parameters_are_refused_before_parsing(client, host, path):
    response = client.get(path + "?" + "a=1&" * 1500, HTTP_HOST=host, **KEY)
    assert response.status_code == 400
    assert "Too many query parameters" in response.content.decode()
    # Up to the limit is fine (the page answers on its own terms).
    assert client.get(path + "?" + "a=1&" * 500, HTTP_HOST=host, **KEY).status_code < 500


def test_oversize_url_header_and_control_characters(client):
    assert client.get("/?" + "x" * 70_000, HTTP_HOST=ADTECH).status_code == 414
    assert client.get("/", HTTP_HOST=ADTECH, HTTP_X_BIG="h" * 17_000).status_code == 431
    assert client.get("/", HTTP_HOST=ADTECH, HTTP_COOKIE="c=" + "v" * 12_000).status_code == 200
    for value in ("a\x00b", "a\r\nX-Injected: 1"):
        response = client.get("/api/reports/", HTTP_HOST=ADTECH, HTTP_ORIGIN=value)
        assert response.status_code == 400 and "control character" in response.json()["detail"]
    response = client.post(
        "/.well-known/attribution-reporting/report-event-attribution",
        json.dumps(EVENT_REPORT),
        content_type="application/json\x00",
        HTTP_HOST=ADTECH,
    )
    assert response.status_code == 400 and set(response.json()) == {"error"}


@pytest.mark.parametrize("value", ["abc", "-1", "1e3", "\uff15"])
def test_a_content_length_that_is_not_a_number_is_400(client, value):
    response = client.post(
        "/.well-known/attribution-reporting/report-event-attribution",
        json.dumps(EVENT_REPORT),
        content_type="application/json",
        HTTP_HOST=ADTECH,
        CONTENT_LENGTH=value,
    )
    assert response.status_code == 400 and "Content-Length" in response.json()["error"]


def test_long_content_type_is_stored_cut_to_its_column(client):
    from adtech.models import ReceivedReport

    response = client.post(
        "/.well-known/attribution-reporting/report-event-attribution",
        json.dumps(EVENT_REPORT),
        content_type="application/json; charset=utf-8; x=" + "y" * 300,
        HTTP_HOST=ADTECH,
    )
    assert response.status_code == 200
    stored = ReceivedReport.objects.get()
    assert stored.content_type.startswith("application/json") and len(stored.content_type) == 200


def test_long_origin_is_stored_cut_to_its_column(client):
    from adtech import demo_data
    from adtech.models import Registration

    demo_data.load()
    origin = "http://" + "o" * 300 + ".example"
    response = client.get(
        "/register/source?campaign=trail-tents&creative=tent-leaderboard&type=click",
        HTTP_HOST=ADTECH,
        HTTP_ORIGIN=origin,
        HTTP_ATTRIBUTION_REPORTING_ELIGIBLE="navigation-source",
    )
    assert response.status_code < 500
    assert Registration.objects.get().context_origin == origin[:200]


def test_registration_bodies_are_bounded(client):
    big = json.dumps({"url": "http://adtech.localhost:8000/x", "pad": "p" * 100_000})
    for content_type in ("text/plain", "application/json"):
        response = client.post(
            "/api/registrations", big, content_type=content_type, HTTP_HOST=BROWSER, HTTP_ORIGIN=NEWS_ORIGIN
        )
        assert response.status_code == 413 and "65536" in response.json()["detail"]


def test_validator_api_answers_oversize_bodies_in_json(client):
    response = client.post(
        "/api/validate", "x" * 3_000_000, content_type="application/json", HTTP_HOST=ADTECH
    )
    assert response.status_code == 413 and set(response.json()) == {"detail"}


def test_a_crlf_in_a_test_page_header_value_is_400(client, settings):
    settings.ARA_BROWSER_TEST_PAGES = True
    for query in ("raw=a%0D%0AX-Injected:%201", "redirect=http://x/%0D%0ASet-Cookie:%20a=b"):
        response = client.get(
            "/test/register-source?" + query,
            HTTP_HOST=BROWSER,
            HTTP_ATTRIBUTION_REPORTING_ELIGIBLE="navigation-source",
        )
        assert response.status_code == 400
        assert "X-Injected" not in response and "Set-Cookie" not in response


@pytest.mark.parametrize("field", ["context_origin", "frame_origin"])
def test_registration_origins_longer_than_their_columns_are_400(client, field):
    body = {
        "url": "http://adtech.localhost:8000/register/source",
        "mechanism": "img",
        field: "http://" + "o" * 300,
    }
    response = client.post(
        "/api/registrations",
        json.dumps(body),
        content_type="text/plain",
        HTTP_HOST=BROWSER,
        HTTP_ORIGIN=NEWS_ORIGIN,
    )
    assert response.status_code == 400 and "longer than 255" in response.json()["error"]
