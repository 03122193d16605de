"""The ad tech's summary reports: what the service returned, beside what debug reports say.

A summary report holds one noised number per bucket of the output domain. The debug
cleartext payloads (sent only while debug keys are set) give the exact sums of the same
reports, so the pages can show each bucket's noise and how it compares with the noise the
service promises: discrete Laplace with scale L1/epsilon.

Job statuses come from the service's getJob; when it refuses, fails or does not answer, the
pages say so (``service_error``) instead of failing. Summaries are read from the ad tech's
storage bucket, where the service wrote them, in the shared Avro format.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aggregation_api import noise
from aggregation_api.avro_io import InputError, read_summary
from aggregation_api.jobs import RUNNING_STATUSES

from . import job_submission, storage_bucket
from .aggregation_client import AggregationServiceError


def _job(job_request_id: str) -> tuple[dict[str, Any] | None, AggregationServiceError | None]:
    """(getJob's answer, None when the service does not know the job; the service's error)."""
    try:
        return job_submission.get_job(job_request_id), None
    except AggregationServiceError as exc:
        return None, exc


def summary_list(limit: int = 50) -> list[dict[str, Any]]:
    """The latest submitted batches, newest first, with each job's status from getJob."""
    out = []
    unreachable: AggregationServiceError | None = None
    for manifest in storage_bucket.read_manifests()[:limit]:
        # Once the service did not answer, the other jobs are not asked (each would wait as long).
        job, error = (None, unreachable) if unreachable else _job(manifest["job_request_id"])
        if error is not None and error.unreachable:
            unreachable = error
        result = (job or {}).get("result_info") or {}
        out.append(
            {
                **manifest,
                # None: the service does not know the job (it was cleared) or gave no status.
                "job_status": job.get("job_status") if job else None,
                "return_code": result.get("return_code", ""),
                "service_error": error.message if error else "",
            }
        )
    return out


def in_progress(summaries: list[dict[str, Any]]) -> bool:
    """Whether a page listing these jobs should keep asking for news."""
    return any(s["job_status"] in RUNNING_STATUSES for s in summaries)


def summary_detail(job_request_id: str) -> dict[str, Any] | None:
    """Rows of one summary report (label, noised, exact, noise) and the noise's expected size."""
    manifest = storage_bucket.read_manifest(job_request_id)
    if manifest is None:
        return None
    found, error = _job(job_request_id)
    job = found or {}
    result = job.get("result_info") or {}
    epsilon = float(manifest.get("epsilon", noise.DEFAULT_EPSILON))
    expected = noise.expected_absolute(epsilon)
    path = storage_bucket.summary_path(manifest)
    rows: list[dict[str, Any]] = []
    facts, output_error = _read(path)
    if facts is not None:
        exact = {int(b): v for b, v in manifest.get("exact_sums", {}).items()}
        has_exact = manifest.get("reports_with_debug", 0) > 0
        for fact in facts:
            bucket = fact["bucket"]
            true = exact.get(bucket, 0) if has_exact else None
            rows.append(
                {
                    "bucket": bucket,
                    "bucket_hex": f"0x{bucket:032x}",
                    "label": manifest.get("labels", {}).get(str(bucket), "(not in the key scheme)"),
                    "metric": fact["metric"],
                    "exact": true,
                    "noise": None if true is None else fact["metric"] - true,
                }
            )
    scale = max([abs(r["metric"]) for r in rows] + [abs(r["exact"] or 0) for r in rows] + [1])
    for row in rows:
        row["metric_pct"] = round(100 * max(row["metric"], 0) / scale, 1)
        row["exact_pct"] = None if row["exact"] is None else round(100 * row["exact"] / scale, 1)
        row["noise_ratio"] = (
            None if not row["exact"] else round(abs(row["metric"] - row["exact"]) / row["exact"], 2)
        )
    rows.sort(key=lambda r: (-(r["exact"] or 0), -r["metric"]))
    check = (
        _debug_check(storage_bucket.summary_path(manifest, debug=True), rows)
        if manifest.get("debug_run") and manifest.get("reports_with_debug")
        else None
    )
    touched = [r for r in rows if r["exact"]]
    noises = [abs(r["noise"]) for r in rows if r["noise"] is not None]
    siblings = [
        m
        for m in storage_bucket.read_manifests()
        if m["job_request_id"] != job_request_id
        and (m.get("rerun_of") == job_request_id or m["job_request_id"] == manifest.get("rerun_of"))
    ]
    return {
        "manifest": manifest,
        "siblings": siblings,
        "in_progress": job.get("job_status") in RUNNING_STATUSES,
        "service_error": error.message if error else "",
        "output_error": output_error,
        "max_epsilon": noise.MAX_EPSILON,
        "count_value": _count_value(),
        "negative_rows": sum(1 for r in rows if r["metric"] < 0),
        "job": job,
        "result": result,
        "rows": rows,
        "touched": touched,
        "untouched_count": len(rows) - len(touched),
        "output_exists": facts is not None,
        "debug_check": check,
        "noise": {
            "epsilon": epsilon,
            "l1": noise.DEFAULT_L1_SENSITIVITY,
            "expected_absolute": expected,
            "std": noise.variance(epsilon) ** 0.5,
            "observed_mean_absolute": (sum(noises) / len(noises)) if noises else None,
        },
    }


def _read(path: Path) -> tuple[list[dict[str, Any]] | None, str]:
    """The summary's facts (None when there is none yet), and why it could not be read."""
    if not path.is_file():
        return None, ""
    try:
        return read_summary(path), ""
    except (InputError, ValueError, OSError, EOFError) as exc:
        return None, f"{path.name} is not a summary in the service's format: {exc}"


def _debug_check(debug: Path, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A debug run's unnoised sums against the exact sums of the browser's debug cleartext.

    They are equal in every bucket when the service decrypted every payload the browser
    encrypted (with the coordinator key it fetched) to the contributions its cleartext shows.
    """
    facts, _ = _read(debug)
    if facts is None:
        return None
    unnoised = {row["bucket"]: row.get("unnoised_metric", 0) for row in facts}
    differ = [
        {"label": r["label"], "exact": r["exact"], "unnoised": unnoised.get(r["bucket"], 0)}
        for r in rows
        if r["exact"] is not None and unnoised.get(r["bucket"], 0) != r["exact"]
    ]
    return {"buckets": len(rows), "differ": differ}


def _count_value() -> int:
    """What one conversion adds to a count bucket, with the ad tech's current value scaling."""
    from .registrations import aggregation_settings, scaling_of

    return scaling_of(aggregation_settings()).count_value
