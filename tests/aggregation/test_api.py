"""The HTTP API: public keys, createJob / getJob, and the pages; no endpoint shows a private key."""

from __future__ import annotations

import base64

import pytest

from aggregation.models import AggregationJob, CoordinatorKey
from attribution_reporting.coordinator_keys import parse_public_keys

from .conftest import ORIGIN, encrypted_record, write_batch, write_domain

pytestmark = pytest.mark.django_db
HOST = "aggregation.localhost:8000"
# createJob and getJob are for the ad tech's server: they need the service's API key.
AUTH = {"HTTP_AUTHORIZATION": "Bearer attribution-lab-demo-aggregation-key"}


def test_public_keys_in_the_coordinator_format_with_caching(client):
    response = client.get("/.well-known/aggregation-service/v1/public-keys", HTTP_HOST=HOST)
    assert response.status_code == 200
    assert "max-age=" in response["Cache-Control"]
    key_set = parse_public_keys(response.content)  # Chrome's rules accept it
    key = CoordinatorKey.objects.get()
    assert [k.id for k in key_set.keys] == [key.key_id]
    assert base64.b64encode(key_set.keys[0].key).decode() == key.public_key


def test_rotation_serves_only_the_new_key_and_keeps_the_old_for_decryption(client):
    client.get("/keys/", HTTP_HOST=HOST)
    old = CoordinatorKey.objects.get()
    response = client.post("/keys/rotate", HTTP_HOST=HOST)
    assert response.status_code == 302
    served = client.get("/.well-known/aggregation-service/v1/public-keys", HTTP_HOST=HOST).json()
    assert len(served["keys"]) == 1 and served["keys"][0]["id"] != old.key_id
    from aggregation.keys import decryption_keys

    assert set(decryption_keys()) == {old.key_id, served["keys"][0]["id"]}


def _job_body(job_id="job-1", **params):
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
            **params,
        },
    }


def test_create_and_get_job_run_the_batch_on_the_workers(
    client, agg_var, coordinator_key, eager_celery, django_capture_on_commit_callbacks
):
    pub = base64.b64decode(coordinator_key.public_key)
    bucket = agg_var / "aggregation" / "buckets" / "adtech"
    write_batch(
        bucket / "batches/one/reports.avro", [encrypted_record(pub, coordinator_key.key_id, [(3, 500, 0)])]
    )
    write_domain(bucket / "batches/one/output_domain.avro", [3, 4])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/v1alpha/createJob",
            _job_body(debug_privacy_epsilon="64"),
            content_type="application/json",
            HTTP_HOST=HOST,
            **AUTH,
        )
    assert response.status_code == 202 and response.json() == {}
    body = client.get("/v1alpha/getJob", {"job_request_id": "job-1"}, HTTP_HOST=HOST, **AUTH).json()
    assert body["job_status"] == "FINISHED"
    assert body["result_info"]["return_code"] == "SUCCESS"
    assert body["job_parameters"]["attribution_report_to"] == ORIGIN
    assert (bucket / "summaries/one/summary-1-of-1.avro").is_file()
    page = client.get("/jobs/job-1/", HTTP_HOST=HOST).content.decode()
    assert "SUCCESS" in page and "progressbar" in page
    progress = client.get("/jobs/job-1/progress.json", HTTP_HOST=HOST).json()
    assert progress["percent"] == 100 and progress["total_reports"] == 1
    duplicate = client.post(
        "/v1alpha/createJob", _job_body(), content_type="application/json", HTTP_HOST=HOST, **AUTH
    )
    assert duplicate.status_code == 409


def test_reports_of_another_origin_are_counted_as_errors(
    client, agg_var, coordinator_key, eager_celery, django_capture_on_commit_callbacks
):
    pub = base64.b64decode(coordinator_key.public_key)
    bucket = agg_var / "aggregation" / "buckets" / "adtech"
    write_batch(
        bucket / "batches/one/reports.avro", [encrypted_record(pub, coordinator_key.key_id, [(3, 1, 0)])]
    )
    write_domain(bucket / "batches/one/output_domain.avro", [3])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/v1alpha/createJob",
            _job_body(attribution_report_to="https://other.example"),
            content_type="application/json",
            HTTP_HOST=HOST,
            **AUTH,
        )
    job = AggregationJob.objects.get()
    assert job.return_code == "REPORTS_WITH_ERRORS_EXCEEDED_THRESHOLD"
    assert job.error_counts[0]["category"] == "ATTRIBUTION_REPORT_TO_MISMATCH"


@pytest.mark.parametrize(
    "body,fragment",
    [
        ("not json", "not JSON"),
        ({}, "job_request_id"),
        ({**_job_body(), "input_data_bucket_name": "../etc"}, "bucket"),
        ({**_job_body(), "input_data_blob_prefix": "../../x"}, "prefix"),
        (_job_body(debug_privacy_epsilon="0"), "debug_privacy_epsilon"),
        (_job_body(debug_privacy_epsilon="100"), "debug_privacy_epsilon"),
        (_job_body(reporting_site="https://adtech.localhost"), "exactly one"),
        (_job_body(filtering_ids="1,x"), "filtering_ids"),
        (_job_body(debug_run="maybe"), "debug_run"),
    ],
)
def test_bad_create_job_requests_are_400_with_a_reason(client, agg_var, body, fragment):
    kwargs = {"content_type": "application/json", "HTTP_HOST": HOST, **AUTH}
    response = client.post("/v1alpha/createJob", body, **kwargs)
    assert response.status_code == 400
    assert fragment in response.json()["message"]
    assert AggregationJob.objects.count() == 0


def test_get_job_errors(client):
    assert client.get("/v1alpha/getJob", HTTP_HOST=HOST, **AUTH).status_code == 400
    assert (
        client.get("/v1alpha/getJob", {"job_request_id": "nope"}, HTTP_HOST=HOST, **AUTH).status_code == 404
    )


def test_no_endpoint_or_page_shows_a_private_key(client, agg_var, coordinator_key):
    secrets = [k.private_key for k in CoordinatorKey.objects.all()]
    secrets += [base64.b64decode(s).hex() for s in secrets]
    paths = [
        "/",
        "/keys/",
        "/jobs/",
        "/budget/",
        "/.well-known/aggregation-service/v1/public-keys",
        "/v1alpha/getJob?job_request_id=x",
    ]
    for path in paths:
        body = client.get(path, HTTP_HOST=HOST).content.decode()
        assert not any(s in body for s in secrets), path
    assert coordinator_key.private_key not in repr(coordinator_key) + str(coordinator_key)


def test_pages_explain_the_service(client, agg_var):
    home = client.get("/", HTTP_HOST=HOST).content.decode()
    assert "summary report" in home and "PRIVACY_BUDGET_EXHAUSTED" in home
    assert "Rotate keys now" in client.get("/keys/", HTTP_HOST=HOST).content.decode()
    assert "budget unit" in client.get("/budget/", HTTP_HOST=HOST).content.decode()
    assert client.get("/jobs/nope/", HTTP_HOST=HOST).status_code == 404


def test_debug_run_job_writes_the_debug_summary_beside_the_output(
    client, agg_var, coordinator_key, eager_celery, django_capture_on_commit_callbacks
):
    from aggregation_api import avro_io

    pub = base64.b64decode(coordinator_key.public_key)
    bucket = agg_var / "aggregation" / "buckets" / "adtech"
    write_batch(
        bucket / "batches/one/reports.avro", [encrypted_record(pub, coordinator_key.key_id, [(3, 77, 0)])]
    )
    write_domain(bucket / "batches/one/output_domain.avro", [3])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/v1alpha/createJob",
            _job_body(debug_run="true"),
            content_type="application/json",
            HTTP_HOST=HOST,
            **AUTH,
        )
    assert AggregationJob.objects.get().return_code == "SUCCESS"
    debug = avro_io.read_summary(bucket / "summaries/one/debug/summary-1-of-1.avro")
    assert [(r["bucket"], r["unnoised_metric"]) for r in debug] == [(3, 77)]
    page = client.get("/jobs/job-1/", HTTP_HOST=HOST).content.decode()
    assert "Unnoised" in page
