"""Read-only views of jobs, keys and the budget ledger, shaped for the API and the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from aggregation_api import noise
from aggregation_api.jobs import is_valid_job_request_id

from .keys import active_keys
from .models import AggregationJob, BudgetUnitUse, CoordinatorKey
from .statuses import JobStatus


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def get_job(job_request_id: str) -> AggregationJob | None:
    if not is_valid_job_request_id(job_request_id):
        return None  # no job can have such an id (and PostgreSQL refuses NUL in a query)
    return AggregationJob.objects.filter(job_request_id=job_request_id).first()


def job_response(job: AggregationJob) -> dict[str, Any]:
    """The getJob response: the request echoed, the status and, once finished, the result."""
    request = job.request if job.origin == "api" else {}
    body: dict[str, Any] = {
        "job_status": job.status,
        "request_received_at": _iso(job.received_at),
        "request_updated_at": _iso(job.updated_at),
        "job_request_id": job.job_request_id,
        "input_data_blob_prefix": request.get("input_data_blob_prefix", ""),
        "input_data_bucket_name": request.get("input_data_bucket_name", ""),
        "output_data_blob_prefix": request.get("output_data_blob_prefix", ""),
        "output_data_bucket_name": request.get("output_data_bucket_name", ""),
        "postback_url": request.get("postback_url", ""),
        "job_parameters": request.get("job_parameters", {}),
    }
    if request.get("input_data_blob_prefixes") is not None:
        body["input_data_blob_prefixes"] = request["input_data_blob_prefixes"]
        del body["input_data_blob_prefix"]
    if job.started_at:
        body["request_processing_started_at"] = _iso(job.started_at)
    if job.status == AggregationJob.FINISHED:
        body["result_info"] = {
            "return_code": job.return_code,
            "return_message": job.return_message,
            "error_summary": {"error_counts": job.error_counts, "error_messages": []},
            "finished_at": _iso(job.finished_at),
        }
    return body


def job_progress(job: AggregationJob) -> dict[str, Any]:
    """What the progress bar needs: reports scanned out of all the shards have to scan."""
    scanned = job.shards.aggregate(total=Sum("scanned"))["total"] or 0
    work = job.total_reports * max(job.shard_count, 1)
    if job.status == AggregationJob.FINISHED:
        percent = 100.0
    elif work:
        percent = min(99.0, 100.0 * scanned / work)
    else:
        percent = 0.0
    return {
        "job_request_id": job.job_request_id,
        "job_status": job.status,
        "category": JobStatus.category_of(job.status),
        "return_code": job.return_code,
        "return_message": job.return_message,
        "total_reports": job.total_reports,
        "scanned": scanned,
        "shards": job.shard_count,
        "shards_done": job.shards_done,
        "percent": round(percent, 1),
        "error_counts": job.error_counts,
    }


def summary() -> dict[str, int]:
    """What the guide shows of the aggregation service: its jobs, finished and succeeded (one query)."""
    finished = Q(status=AggregationJob.FINISHED)
    return AggregationJob.objects.aggregate(
        jobs=Count("id"),
        finished=Count("id", filter=finished),
        succeeded=Count("id", filter=finished & Q(return_code__startswith="SUCCESS")),
    )


def succeeded_among(job_request_ids: list[str]) -> list[str]:
    """Which of ``job_request_ids`` finished with a summary report."""
    return list(
        AggregationJob.objects.filter(
            job_request_id__in=job_request_ids,
            status=AggregationJob.FINISHED,
            return_code__startswith="SUCCESS",
        ).values_list("job_request_id", flat=True)
    )


def recent_jobs(limit: int = 50):
    return AggregationJob.objects.all()[:limit]


def keys_overview() -> list[dict[str, Any]]:
    """Every key's public half, id and dates; never the private half."""
    active = set(active_keys().values_list("pk", flat=True))
    return [
        {
            "key_id": k.key_id,
            "public_key": k.public_key,
            "created_at": k.created_at,
            "expires_at": k.expires_at,
            "active": k.pk in active,
        }
        for k in CoordinatorKey.objects.only("key_id", "public_key", "created_at", "expires_at")
    ]


def budget_ledger(limit: int = 200) -> dict[str, Any]:
    units = BudgetUnitUse.objects.all()[:limit]
    by_job = (
        BudgetUnitUse.objects.values("job_request_id").annotate(units=Count("id")).order_by("-units")[:50]
    )
    return {"units": units, "total": BudgetUnitUse.objects.count(), "by_job": list(by_job)}


def noise_explainer(epsilon: float = noise.DEFAULT_EPSILON) -> dict[str, float]:
    return {
        "epsilon": epsilon,
        "l1": noise.DEFAULT_L1_SENSITIVITY,
        "expected_absolute": noise.expected_absolute(epsilon),
        "std": noise.variance(epsilon) ** 0.5,
        "p_zero": noise.probability(0, epsilon),
    }


def now():
    return timezone.now()
