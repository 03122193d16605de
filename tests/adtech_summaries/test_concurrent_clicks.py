"""Many "Create summary" clicks at once make one aggregation job per budget unit, never one each."""

from __future__ import annotations

import base64
import re
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from types import SimpleNamespace

import httpx
import pytest

from adtech import aggregation_client, budget_units, job_submission, storage_bucket
from adtech.models import BatchClaim, ReceivedReport
from aggregation.models import AggregationJob

from .test_summaries import _buckets, _report, adtech_world  # noqa: F401 (a fixture)

CLICKS = 10


def _click(base: str, host: str, barrier: Barrier) -> int:
    with httpx.Client(base_url=base, headers={"Host": host}, timeout=60) as http:
        page = http.get("/summaries/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        barrier.wait()
        response = http.post(
            "/summaries/create",
            data={"epsilon": "64", "csrfmiddlewaretoken": token},
            headers={"Referer": f"http://{host}/summaries/"},
        )
        return response.status_code


@pytest.mark.django_db(transaction=True)
def test_ten_clicks_at_once_submit_one_job(lab_server, settings, tmp_path, eager_celery):
    from adtech import demo_data as adtech_demo
    from aggregation.keys import ensure_active_key

    settings.VAR_DIR = tmp_path
    adtech_demo.load(None)
    key, _ = ensure_active_key()
    world = SimpleNamespace(key=key, public=base64.b64decode(key.public_key))
    reports = [_report(world, [(_buckets()[0], 5, 0)]) for _ in range(6)]
    port = lab_server.url.rsplit(":", 1)[1]
    barrier = Barrier(CLICKS)
    with ThreadPoolExecutor(CLICKS) as pool:
        statuses = list(
            pool.map(lambda _: _click(lab_server.url, f"adtech.localhost:{port}", barrier), range(CLICKS))
        )
    assert statuses == [302] * CLICKS
    job = AggregationJob.objects.get()  # one job, so no budget spent twice and no job failed for it
    assert job.return_code == "SUCCESS", job.return_message
    assert job.accepted_reports == len(reports)
    assert set(ReceivedReport.objects.values_list("batch_job_id", flat=True)) == {job.job_request_id}
    assert list(BatchClaim.objects.values_list("job_request_id", flat=True)) == [job.job_request_id]
    assert [m["job_request_id"] for m in storage_bucket.read_manifests()] == [job.job_request_id]


def test_a_refused_job_releases_its_claim(db, settings, tmp_path, monkeypatch):
    from adtech import demo_data as adtech_demo
    from aggregation.keys import ensure_active_key

    settings.VAR_DIR = tmp_path
    adtech_demo.load(None)
    key, _ = ensure_active_key()
    world = SimpleNamespace(key=key, public=base64.b64decode(key.public_key))
    report = _report(world, [(_buckets()[0], 5, 0)])
    refuse = httpx.MockTransport(
        lambda request: httpx.Response(400, json={"code": 400, "message": "refused"})
    )
    monkeypatch.setattr(aggregation_client, "TRANSPORT", refuse)
    outcome = job_submission.submit_pending(force=True)
    assert outcome["submitted"] == [] and "refused" in outcome["errors"][0]
    report.refresh_from_db()
    assert report.batch_job_id is None and not BatchClaim.objects.exists()
    assert storage_bucket.read_manifests() == []


def test_a_submission_that_died_after_its_claim_is_given_back(
    adtech_world,  # noqa: F811
    eager_celery,
    django_capture_on_commit_callbacks,
):
    from datetime import timedelta

    from django.utils import timezone

    from adtech import services

    report = _report(adtech_world, [(_buckets()[0], 5, 0)])
    # A submission killed after it claimed the unit and wrote the batch, before createJob answered.
    batch = budget_units.plan_batches()[0]
    assert services.claim_batch(batch.key, [report.pk], "adtech-died-1") is None
    storage_bucket.write_batch(batch, "adtech-died-1", epsilon=10, debug_run=False)
    # While it may still be in flight, nobody else takes the unit.
    assert job_submission.submit_pending(force=True)["submitted"] == []
    BatchClaim.objects.update(created_at=timezone.now() - timedelta(minutes=6))
    with django_capture_on_commit_callbacks(execute=True):
        outcome = job_submission.submit_pending(force=True)
    assert len(outcome["submitted"]) == 1 and outcome["late"] == 0
    report.refresh_from_db()
    assert report.batch_job_id == outcome["submitted"][0]
    claim = BatchClaim.objects.get()
    assert claim.job_request_id == outcome["submitted"][0] and claim.submitted
    assert AggregationJob.objects.get().return_code == "SUCCESS"
    assert [m["job_request_id"] for m in storage_bucket.read_manifests()] == outcome["submitted"]
    # A submission that died after createJob was accepted keeps its claim: the service knows the job.
    BatchClaim.objects.update(submitted=False, created_at=timezone.now() - timedelta(minutes=6))
    assert job_submission.recover_abandoned(timezone.now()) == []
    assert BatchClaim.objects.get().submitted
