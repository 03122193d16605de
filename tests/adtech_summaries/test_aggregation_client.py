"""The ad tech as a client of the aggregation service: only the API and the shared formats.

Failures of the service (a refusal, a crash, no answer) are statuses on the ad tech's pages and
in its submission outcome, never a 500; a job the service may have stored keeps its claim.
"""

from __future__ import annotations

import ast
import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from django.utils import timezone

from adtech import aggregation_client, job_submission, storage_bucket
from adtech.models import BatchClaim
from aggregation.models import AggregationJob

from .test_summaries import HOST, _buckets, _report, adtech_world  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[2]


def _imports(folder: str) -> set[str]:
    names: set[str] = set()
    for path in (ROOT / folder).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    return names


def _top(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


def test_the_parties_share_only_the_wire_formats():
    assert "aggregation" not in _top(_imports("adtech"))
    assert "adtech" not in _top(_imports("aggregation"))
    shared = _top(_imports("aggregation_api"))
    assert shared <= {"__future__", "collections", "hashlib", "json", "math", "pathlib", "string"} | {
        "dataclasses",
        "datetime",
        "functools",
        "typing",
        "fastavro",
    }, shared


def _serve(handler, monkeypatch) -> list[httpx.Request]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    monkeypatch.setattr(aggregation_client, "TRANSPORT", httpx.MockTransport(record))
    return seen


def test_the_client_sends_the_api_key_and_reads_the_services_errors(settings, monkeypatch):
    settings.ARA_AGGREGATION_API_KEY = "k-9"
    seen = _serve(lambda r: httpx.Response(409, json={"code": 409, "message": "already exists"}), monkeypatch)
    with pytest.raises(aggregation_client.AggregationServiceError) as refused:
        aggregation_client.client().create_job({"job_request_id": "j-1"})
    assert refused.value.status == 409 and not refused.value.maybe_done
    assert str(refused.value) == "j-1: 409 already exists"
    assert seen[0].headers["Authorization"] == "Bearer k-9"
    assert seen[0].url.path == "/v1alpha/createJob" and json.loads(seen[0].content) == {
        "job_request_id": "j-1"
    }
    settings.ARA_AGGREGATION_API_KEY = ""
    seen = _serve(lambda r: httpx.Response(404, json={"message": "no job"}), monkeypatch)
    assert aggregation_client.client().get_job("j-1") is None
    assert "Authorization" not in seen[0].headers and seen[0].url.params["job_request_id"] == "j-1"


def test_getjob_failures_are_statuses_on_the_pages(
    client,
    adtech_world,  # noqa: F811
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    _report(adtech_world, [(_buckets()[0], 5, 0)])
    _report(adtech_world, [(_buckets()[0], 5, 0)], hour=int(timezone.now().timestamp()) // 3600 * 3600 - 3600)
    with django_capture_on_commit_callbacks(execute=True):
        submitted = job_submission.submit_pending(force=True, debug_run=True)["submitted"]
    assert len(submitted) == 2
    _serve(lambda r: httpx.Response(500, text="<h1>Server Error</h1>"), monkeypatch)
    listing = client.get("/summaries/", HTTP_HOST=HOST)
    assert listing.status_code == 200
    page = listing.content.decode()
    assert page.count('data-job-status="SERVICE_ERROR"') == 2 and "getJob answered 500" in page
    detail = client.get(f"/summaries/{submitted[0]}/", HTTP_HOST=HOST)
    assert detail.status_code == 200 and "getJob answered 500" in detail.content.decode()

    def no_answer(request):
        raise httpx.ConnectError("connection refused", request=request)

    seen = _serve(no_answer, monkeypatch)
    page = client.get("/summaries/", HTTP_HOST=HOST).content.decode()
    assert "could not be reached" in page and page.count('data-job-status="SERVICE_ERROR"') == 2
    assert len(seen) == 1  # once unreachable, the other jobs are not asked

    def slow(request):
        raise httpx.ReadTimeout("timed out", request=request)

    _serve(slow, monkeypatch)
    detail = client.get(f"/summaries/{submitted[1]}/", HTTP_HOST=HOST)
    assert detail.status_code == 200 and "did not answer in time" in detail.content.decode()


def test_a_crash_during_createjob_keeps_the_claim_until_getjob_says(adtech_world, monkeypatch):  # noqa: F811
    report = _report(adtech_world, [(_buckets()[0], 5, 0)])
    _serve(lambda r: httpx.Response(503, json={"code": 503, "message": "overloaded"}), monkeypatch)
    outcome = job_submission.submit_pending(force=True)
    assert outcome["submitted"] == [] and "503 overloaded" in outcome["errors"][0]
    report.refresh_from_db()
    claim = BatchClaim.objects.get()
    # The service may have stored the job: the unit stays claimed and its batch written.
    assert report.batch_job_id == claim.job_request_id and not claim.submitted
    assert [m["job_request_id"] for m in storage_bucket.read_manifests()] == [claim.job_request_id]
    BatchClaim.objects.update(created_at=timezone.now() - timedelta(minutes=6))
    _serve(lambda r: httpx.Response(404, json={"code": 404, "message": "no job"}), monkeypatch)
    assert job_submission.recover_abandoned(timezone.now()) == [claim.job_request_id]
    report.refresh_from_db()
    assert report.batch_job_id is None and storage_bucket.read_manifests() == []


def test_an_unreachable_service_is_a_message_on_the_page(client, adtech_world, monkeypatch):  # noqa: F811
    report = _report(adtech_world, [(_buckets()[0], 5, 0)])

    def no_answer(request):
        raise httpx.ConnectError("connection refused", request=request)

    _serve(no_answer, monkeypatch)
    response = client.post("/summaries/create", {"epsilon": "10"}, HTTP_HOST=HOST, follow=True)
    assert response.status_code == 200 and "could not be reached" in response.content.decode()
    report.refresh_from_db()
    assert report.batch_job_id is None and not BatchClaim.objects.exists()
    assert storage_bucket.read_manifests() == [] and AggregationJob.objects.count() == 0


def test_a_refused_rerun_and_an_unreadable_summary_are_messages(
    client,
    adtech_world,  # noqa: F811
    monkeypatch,
    eager_celery,
    django_capture_on_commit_callbacks,
):
    _report(adtech_world, [(_buckets()[0], 5, 0)])
    with django_capture_on_commit_callbacks(execute=True):
        first = job_submission.submit_pending(force=True)["submitted"][0]
    manifest = storage_bucket.read_manifest(first)
    storage_bucket.summary_path(manifest).write_bytes(b"not avro")
    page = client.get(f"/summaries/{first}/", HTTP_HOST=HOST)
    assert page.status_code == 200 and "data-output-error" in page.content.decode()
    _serve(lambda r: httpx.Response(400, json={"code": 400, "message": "epsilon out of range"}), monkeypatch)
    response = client.post(f"/summaries/{first}/rerun", {"epsilon": "64"}, HTTP_HOST=HOST, follow=True)
    assert response.status_code == 200 and "epsilon out of range" in response.content.decode()
    assert [m["job_request_id"] for m in storage_bucket.read_manifests()] == [first]
