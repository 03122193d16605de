"""The ad tech's summary reports: batching by shared ID and hour, submission, tables and noise."""

from __future__ import annotations

import base64
import json
import time
import uuid
from types import SimpleNamespace

import pytest
from django.utils import timezone

from adtech import budget_units, job_submission, storage_bucket
from aggregation.models import AggregationJob
from attribution_reporting import aggregatable_payload

HOST = "adtech.localhost:8000"
ORIGIN = "http://adtech.localhost:8000"
HOUR = int(time.time()) // 3600 * 3600 - 7200


def _info(hour=HOUR, destination="http://shop.localhost:8000", srt=None, **extra) -> str:
    return aggregatable_payload.serialize_shared_info(
        {
            "api": "attribution-reporting",
            "attribution_destination": destination,
            "report_id": str(uuid.uuid4()),
            "reporting_origin": ORIGIN,
            "scheduled_report_time": str(hour + 300),
            "source_registration_time": str(srt if srt is not None else hour - hour % 86400),
            "version": "1.0",
            **extra,
        }
    )


def test_batches_follow_the_budget_unit():
    reports = [
        SimpleNamespace(pk=i, shared_info=_info(hour=h, destination=d), received_at=timezone.now())
        for i, (h, d) in enumerate(
            [
                (HOUR, "https://a.test"),
                (HOUR, "https://a.test"),
                (HOUR + 3600, "https://a.test"),
                (HOUR, "https://b.test"),
            ]
        )
    ]
    reports.append(SimpleNamespace(pk=99, shared_info="not json", received_at=timezone.now()))
    batches = budget_units.plan_batches(reports)
    assert sorted(len(b.reports) for b in batches) == [1, 1, 2]
    assert {b.hour for b in batches} == {HOUR, HOUR + 3600}
    assert len({b.shared_id for b in batches}) == 2  # the destination is part of the shared ID


def test_loopback_rewrites_localhost_hosts():
    from config.loopback import loopback_target

    url, host = loopback_target("http://aggregation.localhost:8123/v1alpha/createJob")
    assert url == "http://127.0.0.1:8123/v1alpha/createJob" and host == "aggregation.localhost:8123"
    assert loopback_target("https://aggregation.example/x") == (
        "https://aggregation.example/x",
        "aggregation.example",
    )


@pytest.fixture
def adtech_world(db, settings, tmp_path):
    from adtech import demo_data as adtech_demo
    from aggregation.keys import ensure_active_key

    settings.VAR_DIR = tmp_path
    adtech_demo.load(None)
    key, _ = ensure_active_key()
    return SimpleNamespace(key=key, public=base64.b64decode(key.public_key))


def _report(world, contributions, *, debug=True, hour=HOUR):
    from adtech.models import ReceivedReport

    info = _info(hour=hour, **({"debug_mode": "enabled"} if debug else {}))
    payload = aggregatable_payload.encrypt_payload(contributions, world.public, info)
    body = {
        "shared_info": info,
        "aggregation_service_payloads": [{"payload": payload, "key_id": world.key.key_id}],
    }
    return ReceivedReport.objects.create(
        kind=ReceivedReport.AGGREGATABLE,
        status=ReceivedReport.PROCESSED,
        reporting_origin=ORIGIN,
        path="/.well-known/attribution-reporting/report-aggregate-attribution",
        body=json.dumps(body),
        shared_info=info,
        payload=payload,
        key_id=world.key.key_id,
        report_id=json.loads(info)["report_id"],
        debug_contributions=[{"bucket": b, "value": v, "id": i} for b, v, i in contributions]
        if debug
        else None,
    )


def _buckets():
    from adtech.keyscheme import output_domain

    return sorted(output_domain())[:3]


def test_create_summary_report_end_to_end(
    client, adtech_world, eager_celery, django_capture_on_commit_callbacks
):
    b1, b2, _ = _buckets()
    reports = [_report(adtech_world, [(b1, 20000, 0), (b2, 3000, 0)]) for _ in range(4)]
    reports.append(_report(adtech_world, [(b1, 1000, 0)], debug=False))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/summaries/create", {"epsilon": "64"}, HTTP_HOST=HOST)
    assert response.status_code == 302
    job = AggregationJob.objects.get()
    assert job.return_code == "SUCCESS", job.return_message
    assert job.accepted_reports == 5
    for report in reports:
        report.refresh_from_db()
        assert report.batch_job_id == job.job_request_id
    listing = client.get("/summaries/", HTTP_HOST=HOST).content.decode()
    assert job.job_request_id in listing and "SUCCESS" in listing
    response = client.get(f"/summaries/{job.job_request_id}/", HTTP_HOST=HOST)
    page = response.content.decode()
    rows = {r["bucket"]: r for r in response.context["rows"]}
    assert rows[b1]["exact"] == 80000 and rows[b2]["exact"] == 12000  # the debug cleartext's sums
    # epsilon 64: noise of about 1,000; the summary holds all five reports, the exact sums only four.
    assert abs(rows[b1]["metric"] - 81000) < 20_000
    assert 'class="bar noised"' in page and "expected size of the noise" in page
    assert f"±{round(response.context['noise']['expected_absolute']):,}".replace(",", "") in page.replace(
        ",", ""
    )
    assert len(rows) == len(response.context["manifest"]["labels"])  # every domain bucket is reported
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post("/summaries/create", {"epsilon": "64"}, HTTP_HOST=HOST, follow=True)
    assert "No aggregatable reports are waiting" in again.content.decode()
    assert AggregationJob.objects.count() == 1


def test_late_reports_of_a_queried_hour_are_set_aside(
    adtech_world, eager_celery, django_capture_on_commit_callbacks
):
    b1 = _buckets()[0]
    _report(adtech_world, [(b1, 5, 0)])
    with django_capture_on_commit_callbacks(execute=True):
        first = job_submission.submit_pending(force=True)
    assert len(first["submitted"]) == 1
    late = _report(adtech_world, [(b1, 5, 0)])
    with django_capture_on_commit_callbacks(execute=True):
        second = job_submission.submit_pending(force=True)
    assert second["submitted"] == [] and second["late"] == 1
    late.refresh_from_db()
    assert late.batch_job_id.startswith("late-")
    assert AggregationJob.objects.get().return_code == "SUCCESS"


def test_after_the_reset_the_same_hour_is_aggregated_again(
    client, adtech_world, eager_celery, django_capture_on_commit_callbacks
):
    """The next attendee's reports of an hour the last one queried make a new summary, not "late" ones."""
    from guide.services import reset_all

    b1 = _buckets()[0]
    _report(adtech_world, [(b1, 5, 0)])
    with django_capture_on_commit_callbacks(execute=True):
        assert len(job_submission.submit_pending(force=True)["submitted"]) == 1
    results = reset_all({})
    assert all(r["cleared"] for r in results.values()), results
    assert results["adtech"]["detail"]["submitted_jobs"] == 1
    assert storage_bucket.read_manifests() == [] and AggregationJob.objects.count() == 0
    _report(adtech_world, [(b1, 7, 0)])
    with django_capture_on_commit_callbacks(execute=True):
        again = job_submission.submit_pending(force=True)
    assert again["late"] == 0 and len(again["submitted"]) == 1
    assert AggregationJob.objects.get().return_code == "SUCCESS"
    listing = client.get("/summaries/", HTTP_HOST=HOST).content.decode()
    assert "UNKNOWN" not in listing


def test_debug_runs_leave_reports_for_the_real_query(
    adtech_world, eager_celery, django_capture_on_commit_callbacks
):
    _report(adtech_world, [(_buckets()[0], 5, 0)])
    with django_capture_on_commit_callbacks(execute=True):
        outcome = job_submission.submit_pending(force=True, debug_run=True)
    job = AggregationJob.objects.get(job_request_id=outcome["submitted"][0])
    assert job.debug_run and job.return_code == "SUCCESS"
    with django_capture_on_commit_callbacks(execute=True):
        real = job_submission.submit_pending(force=True)
    assert len(real["submitted"]) == 1
    assert AggregationJob.objects.get(job_request_id=real["submitted"][0]).return_code == "SUCCESS"


def test_periodic_run_waits_for_a_quiet_hour(adtech_world):
    _report(adtech_world, [(_buckets()[0], 5, 0)])
    assert job_submission.submit_pending()["waiting"] == 1
    assert AggregationJob.objects.count() == 0


def test_bad_epsilon_is_a_message_not_a_500(client, adtech_world):
    response = client.post("/summaries/create", {"epsilon": "0"}, HTTP_HOST=HOST, follow=True)
    assert response.status_code == 200 and "epsilon must be" in response.content.decode()
    assert client.get("/summaries/nope/", HTTP_HOST=HOST).status_code == 404
    assert client.get("/summaries/..%2F..%2Fetc/", HTTP_HOST=HOST).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_submission_goes_over_http_to_the_service(lab_server, settings, tmp_path, eager_celery):
    from adtech import demo_data as adtech_demo
    from aggregation.keys import ensure_active_key

    settings.VAR_DIR = tmp_path
    adtech_demo.load(None)
    key, _ = ensure_active_key()
    world = SimpleNamespace(key=key, public=base64.b64decode(key.public_key))
    _report(world, [(_buckets()[0], 5, 0)])
    outcome = job_submission.submit_pending(force=True)
    assert outcome["errors"] == [] and len(outcome["submitted"]) == 1
    status = job_submission.get_job(outcome["submitted"][0])
    assert status["job_status"] == "FINISHED" and status["result_info"]["return_code"] == "SUCCESS"


def test_a_debug_run_checks_the_services_sums_against_the_debug_cleartext(
    client, adtech_world, eager_celery, django_capture_on_commit_callbacks
):
    b1, b2, _ = _buckets()
    _report(adtech_world, [(b1, 300, 0)])
    liar = _report(adtech_world, [(b2, 700, 0)])
    liar.debug_contributions = [{"bucket": b2, "value": 500, "id": 0}]  # not what its payload holds
    liar.save()
    with django_capture_on_commit_callbacks(execute=True):
        job_id = job_submission.submit_pending(force=True, debug_run=True)["submitted"][0]
    page = client.get(f"/summaries/{job_id}/", HTTP_HOST=HOST).content.decode()
    assert 'data-debug-check="differ"' in page and "700 instead of 500" in page

    liar.debug_contributions = [{"bucket": b2, "value": 700, "id": 0}]
    liar.save()
    with django_capture_on_commit_callbacks(execute=True):
        job_id = job_submission.submit_pending(force=True, debug_run=True)["submitted"][0]
    page = client.get(f"/summaries/{job_id}/", HTTP_HOST=HOST).content.decode()
    assert 'data-debug-check="equal"' in page


def test_compare_with_a_larger_epsilon_is_a_debug_run_of_the_same_batch(
    client, adtech_world, eager_celery, django_capture_on_commit_callbacks
):
    b1 = _buckets()[0]
    for _ in range(3):
        _report(adtech_world, [(b1, 4096, 0)])
    with django_capture_on_commit_callbacks(execute=True):
        first = job_submission.submit_pending(force=True)["submitted"][0]
    page = client.get(f"/summaries/{first}/", HTTP_HOST=HOST).content.decode()
    assert "Negative values" in page and "In production" in page and "third-party cookies" in page
    assert "Compare: the same reports with ε = 64" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/summaries/{first}/rerun", {"epsilon": "64"}, HTTP_HOST=HOST)
    rerun = response.url.rstrip("/").rsplit("/", 1)[1]
    job = AggregationJob.objects.get(job_request_id=rerun)
    assert job.debug_run and job.return_code == "SUCCESS", job.return_message
    detail = client.get(f"/summaries/{rerun}/", HTTP_HOST=HOST)
    rows = {r["bucket"]: r for r in detail.context["rows"]}
    assert rows[b1]["exact"] == 3 * 4096 and detail.context["noise"]["epsilon"] == 64
    assert first in detail.content.decode()  # it links back to the batch's real query
