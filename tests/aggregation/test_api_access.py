"""Who may call createJob / getJob, with what, and job ids no page can trip over.

As on the real service the API needs authentication (here the ad tech's API key) and takes
JSON only, so no web page can create a job: a cross-site form or a no-cors fetch can send
neither the key nor ``Content-Type: application/json``. Job ids follow the service's rule.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aggregation.models import AggregationJob
from aggregation_api.jobs import is_valid_job_request_id

from .conftest import ORIGIN

pytestmark = pytest.mark.django_db
HOST = "aggregation.localhost:8000"
KEY = "attribution-lab-demo-aggregation-key"
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {KEY}"}


def _body(job_id="job-1") -> dict:
    return {
        "job_request_id": job_id,
        "input_data_blob_prefix": "batches/one/reports.avro",
        "input_data_bucket_name": "adtech",
        "output_data_blob_prefix": "summaries/one/summary.avro",
        "output_data_bucket_name": "adtech",
        "job_parameters": {
            "output_domain_blob_prefix": "batches/one/output_domain.avro",
            "output_domain_bucket_name": "adtech",
            "attribution_report_to": ORIGIN,
        },
    }


def _create(client, body, content_type="application/json", **headers):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post("/v1alpha/createJob", data, content_type=content_type, HTTP_HOST=HOST, **headers)


def test_without_the_key_is_401_with_a_challenge(client, agg_var):
    response = _create(client, _body())
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["details"][0]["reason"] == "UNAUTHENTICATED"
    assert client.get("/v1alpha/getJob?job_request_id=x", HTTP_HOST=HOST).status_code == 401
    assert AggregationJob.objects.count() == 0


def test_a_wrong_key_is_403(client, agg_var):
    response = _create(client, _body(), HTTP_AUTHORIZATION="Bearer guessed")
    assert response.status_code == 403 and response.json()["code"] == 403
    assert AggregationJob.objects.count() == 0


def test_the_key_comes_from_settings(client, agg_var, settings):
    settings.ARA_AGGREGATION_API_KEY = "rotated"
    assert _create(client, _body(), **AUTH).status_code == 403
    assert _create(client, _body(), HTTP_AUTHORIZATION="Bearer rotated").status_code == 202


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_only_json_is_accepted(client, agg_var, content_type):
    response = _create(client, _body(), content_type=content_type, **AUTH)
    assert response.status_code == 415
    assert "application/json" in response.json()["message"]
    assert AggregationJob.objects.count() == 0


def test_a_cross_site_no_cors_post_creates_nothing(client, agg_var):
    # What a page on any site can send without a preflight: text/plain, no Authorization.
    response = _create(client, _body(), content_type="text/plain", HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 401
    assert AggregationJob.objects.count() == 0


def test_oversize_bodies_get_the_service_error_format(client, agg_var):
    big = json.dumps({**_body(), "pad": "x" * 70_000})
    response = _create(client, big, **AUTH)
    assert response.status_code == 413 and set(response.json()) == {"code", "message", "details"}
    huge = _create(client, "x" * 3_000_000, **AUTH)
    assert huge.status_code == 413 and huge.json()["code"] == 413


@pytest.mark.parametrize(
    "job_id",
    ["a/b c", "pipe|id", "caf\u00e9", "tab\there", "a" * 129, "", "new\nline", "a/b c|\u00e9"],
)
def test_job_ids_outside_the_service_rule_are_refused(client, agg_var, job_id):
    response = _create(client, _body(job_id), **AUTH)
    assert response.status_code == 400 and "job_request_id" in response.json()["message"]
    assert AggregationJob.objects.count() == 0


def test_the_rule_is_the_service_rule():
    assert is_valid_job_request_id("a7a0b84-c8a2-44e0-be2a-05f5e5caf2c5")
    assert is_valid_job_request_id("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{}~" + "aZ09")
    assert is_valid_job_request_id("x" * 128)
    for bad in ["|", " ", "\u00e9", "x" * 129, "", None, 5]:
        assert not is_valid_job_request_id(bad)


@pytest.mark.parametrize("job_id", ["team/2026/batch-1", "a?b#c%2F", "../up", "x" * 128])
def test_ids_with_slashes_and_punctuation_work_on_every_page(client, agg_var, job_id):
    assert _create(client, _body(job_id), **AUTH).status_code == 202
    got = client.get("/v1alpha/getJob", {"job_request_id": job_id}, HTTP_HOST=HOST, **AUTH)
    assert got.status_code == 200 and got.json()["job_request_id"] == job_id
    job = AggregationJob.objects.get(job_request_id=job_id)
    for path in ("/", "/jobs/", "/budget/"):
        assert client.get(path, HTTP_HOST=HOST).status_code == 200, path
    page = client.get(job.page_url, HTTP_HOST=HOST)
    assert page.status_code == 200 and job_id.replace("&", "&amp;") in page.content.decode()
    assert job.page_url in client.get("/jobs/", HTTP_HOST=HOST).content.decode()


def test_a_stored_id_no_page_can_name_never_breaks_a_page(client, agg_var):
    # A row written before ids were checked (or by hand): listed, not linked, never a 500.
    for odd in ["has space|pipe", "caf\u00e9/\u2603"]:
        AggregationJob.objects.create(job_request_id=odd, request={}, output_path="x")
    for path in ("/", "/jobs/", "/budget/"):
        response = client.get(path, HTTP_HOST=HOST)
        assert response.status_code == 200, path
        assert "has space|pipe" in response.content.decode() or path == "/budget/"
    assert client.get("/jobs/has%20space%7Cpipe/", HTTP_HOST=HOST).status_code == 404


def test_get_job_refuses_odd_ids_in_the_service_format(client):
    response = client.get("/v1alpha/getJob", {"job_request_id": "a b|c"}, HTTP_HOST=HOST, **AUTH)
    assert response.status_code == 400 and response.json()["details"][0]["reason"] == "INVALID_ARGUMENT"


def test_the_ad_tech_sends_the_key(settings):
    from adtech import aggregation_client

    settings.ARA_AGGREGATION_API_KEY = "k-123"
    assert aggregation_client._headers("aggregation.localhost:8000") == {
        "Host": "aggregation.localhost:8000",
        "Authorization": "Bearer k-123",
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    job_id=st.text(min_size=1, max_size=128).filter(
        lambda s: "\x00" not in s and s.encode("utf-8", "surrogatepass").decode("utf-8", "ignore") == s
    )
)
def test_no_stored_job_id_makes_a_listing_fail(client, agg_var, job_id):
    AggregationJob.objects.all().delete()
    AggregationJob.objects.create(job_request_id=job_id, request={}, output_path="x")
    for path in ("/", "/jobs/", "/budget/"):
        assert client.get(path, HTTP_HOST=HOST).status_code == 200, path
