"""Arbitrary JSON at the endpoints that take JSON: a 2xx or a clear 4xx, never a 500 or a crash later."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adtech import services as adtech_services
from adtech.models import ReceivedReport

pytestmark = pytest.mark.django_db

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=12,
)
# Report-shaped objects: the right keys, arbitrary values, so the processing code is reached.
REPORT_KEYS = [
    "attribution_destination",
    "randomized_trigger_rate",
    "report_id",
    "scheduled_report_time",
    "source_event_id",
    "source_type",
    "trigger_data",
    "shared_info",
    "aggregation_service_payloads",
    "aggregation_coordinator_origin",
    "source_debug_key",
    "trigger_debug_key",
]
REPORTISH = st.dictionaries(st.sampled_from(REPORT_KEYS), JSON, max_size=len(REPORT_KEYS))
PATHS = [
    "report-event-attribution",
    "report-aggregate-attribution",
    "debug/report-event-attribution",
    "debug/report-aggregate-attribution",
    "debug/verbose",
    "debug/report-aggregate-debug",
]
FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(path=st.sampled_from(PATHS), body=JSON | REPORTISH | st.lists(REPORTISH, max_size=2))
def test_report_endpoints_store_then_process_without_crashing(client, path, body):
    response = client.post(
        f"/.well-known/attribution-reporting/{path}",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_HOST="adtech.localhost:8000",
    )
    assert response.status_code < 500
    for report in ReceivedReport.objects.filter(status="pending"):
        adtech_services.process_report(report.pk)
        report.refresh_from_db()
        assert report.status in {"processed", "duplicate", "invalid", "failed"}


@FUZZ
@given(body=JSON)
def test_create_job_answers_every_body(client, body):
    response = client.post(
        "/v1alpha/createJob",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_HOST="aggregation.localhost:8000",
        HTTP_AUTHORIZATION="Bearer attribution-lab-demo-aggregation-key",
    )
    assert response.status_code < 500
    assert response.status_code not in (401, 403, 415)  # reached the validation it fuzzes


@FUZZ
@given(
    header=st.sampled_from(
        ["source", "trigger", "eligible", "info", "support", "os-source", "os-trigger", "bogus"]
    ),
    value=st.text(max_size=200) | JSON.map(json.dumps),
)
def test_validator_api_answers_every_value(client, header, value):
    response = client.post(
        "/api/validate",
        data=json.dumps({"header": header, "source_type": "event", "value": value}),
        content_type="application/json",
        HTTP_HOST="adtech.localhost:8000",
    )
    assert response.status_code < 500


@FUZZ
@given(
    body=st.dictionaries(
        st.sampled_from(["mechanism", "url", "context_origin", "frame_origin", "event_source_eligible"]),
        JSON.filter(lambda v: "://" not in json.dumps(v)),
        max_size=5,
    )
)
def test_browser_registration_api_answers_every_body(client, body):
    response = client.post(
        "/api/registrations",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_HOST="browser.localhost:8000",
        HTTP_ORIGIN="http://news.localhost:8000",
    )
    assert response.status_code < 500
