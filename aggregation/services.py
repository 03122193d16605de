"""Aggregation jobs: accept a createJob request, shard it, aggregate, spend budget, write output.

A job runs in three steps so several workers can share a large batch: ``start_job`` counts
the reports and cuts the job into shards, each ``run_shard`` streams the batch and writes
its partial sums to disk, and the last shard to finish triggers ``finish_job``, which
merges the partials, checks the error threshold and the privacy budget and only then
writes the noised summary.
"""

from __future__ import annotations

import json
import logging
import math
import random
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from aggregation_api import avro_io
from aggregation_api.budget import BudgetUnit

from . import engine, noise, summary
from .job_requests import (  # noqa: F401 - the service's public names
    JobRequestError,
    aggregation_root,
    bucket_path,
    buckets_root,
    create_cli_job,
    create_job,
    jobs_root,
    parse_filtering_ids,
)
from .keys import decryption_keys
from .models import AggregationJob, BudgetUnitUse, CoordinatorKey, JobShard

log = logging.getLogger(__name__)

# Reports per shard: a batch with more is split across workers.
SHARD_SIZE = settings.ARA_AGGREGATION_SHARD_SIZE
MAX_SHARDS = 16
PREVIEW_ROWS = 500


def _fail(job: AggregationJob, code: str, message: str, **extra: Any) -> AggregationJob:
    job.status = AggregationJob.FINISHED
    job.return_code = code
    job.return_message = message
    job.finished_at = timezone.now()
    for name, value in extra.items():
        setattr(job, name, value)
    job.save()
    _cleanup(job)
    return job


def _cleanup(job: AggregationJob) -> None:
    shutil.rmtree(jobs_root() / str(job.pk), ignore_errors=True)


def _inputs(job: AggregationJob) -> list[Path]:
    paths: list[Path] = []
    for location in job.input_paths:
        paths += avro_io.avro_files(Path(location))
    return paths


def start_job(job_id: int) -> list[int]:
    """Count the reports and cut the job into shards; returns the shard indexes to run."""
    job = AggregationJob.objects.get(pk=job_id)
    if job.status != AggregationJob.RECEIVED:
        return []
    job.status = AggregationJob.IN_PROGRESS
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at", "updated_at"])
    paths = _inputs(job)
    if not paths:
        _fail(job, "INPUT_DATA_READ_FAILED", "No report shards found under the input prefix.")
        return []
    try:
        total = avro_io.count_records(paths)
    except avro_io.InputError as exc:
        _fail(job, "INPUT_DATA_READ_FAILED", str(exc))
        return []
    count = max(1, min(MAX_SHARDS, math.ceil(total / SHARD_SIZE)))
    job.total_reports = total
    job.shard_count = count
    job.save(update_fields=["total_reports", "shard_count", "updated_at"])
    JobShard.objects.bulk_create([JobShard(job=job, index=i) for i in range(count)])
    return list(range(count))


def _spec(job: AggregationJob, shard: JobShard) -> engine.ShardSpec:
    return engine.ShardSpec(
        filtering_ids=frozenset(job.filtering_ids or [0]),
        debug_run=job.debug_run,
        accept_cleartext=job.accept_cleartext,
        attribution_report_to=job.attribution_report_to or None,
        reporting_site=job.reporting_site or None,
        now=int(job.received_at.timestamp()) if job.origin == "api" else None,
        shard_index=shard.index,
        shard_count=job.shard_count,
    )


def run_shard(job_id: int, index: int) -> bool:
    """Aggregate one shard; True when it was the last one to finish (the job can be merged)."""
    job = AggregationJob.objects.get(pk=job_id)
    shard = JobShard.objects.get(job=job, index=index)
    if shard.done or job.status != AggregationJob.IN_PROGRESS:
        return False

    def progress(scanned: int) -> None:
        JobShard.objects.filter(pk=shard.pk).update(scanned=scanned)

    partial = jobs_root() / str(job.pk) / f"partial-{index}.json"
    partial.parent.mkdir(parents=True, exist_ok=True)
    try:
        result = engine.aggregate_shard(
            avro_io.iter_reports(_inputs(job)), decryption_keys(), _spec(job, shard), progress
        )
        partial.write_text(json.dumps(result.to_json()), encoding="utf-8")
    except engine.FatalJobError as exc:
        partial.write_text(json.dumps({"fatal": [exc.return_code, exc.message]}), encoding="utf-8")
    except avro_io.InputError as exc:
        partial.write_text(json.dumps({"fatal": ["INPUT_DATA_READ_FAILED", str(exc)]}), encoding="utf-8")
    except Exception as exc:  # the job must finish (as failed) rather than hang IN_PROGRESS
        log.exception("shard %s of job %s failed", index, job.job_request_id)
        message = f"internal error in shard {index}: {type(exc).__name__}"
        partial.write_text(json.dumps({"fatal": ["INTERNAL_ERROR", message]}), encoding="utf-8")
    with transaction.atomic():
        if not JobShard.objects.filter(pk=shard.pk, done=False).update(done=True, partial_path=str(partial)):
            return False
        AggregationJob.objects.filter(pk=job.pk).update(shards_done=F("shards_done") + 1)
        done = AggregationJob.objects.values_list("shards_done", flat=True).get(pk=job.pk)
    return done == job.shard_count


def finish_job(job_id: int, rng: noise.Rng | None = None) -> AggregationJob:
    """Merge the shards, then threshold, budget, noise and output, in the service's order."""
    job = AggregationJob.objects.get(pk=job_id)
    if job.status != AggregationJob.IN_PROGRESS:
        return job
    merged = engine.ShardResult()
    for shard in job.shards.all():
        data = json.loads(Path(shard.partial_path).read_text(encoding="utf-8"))
        if "fatal" in data:
            return _fail(job, *data["fatal"])
        merged.merge(engine.ShardResult.from_json(data))
    counts = engine.error_summary(merged)
    stats = {
        "error_counts": counts,
        "accepted_reports": merged.accepted,
        "duplicate_reports": merged.duplicates,
    }
    if engine.exceeds_threshold(merged, job.error_threshold):
        return _fail(
            job,
            "REPORTS_WITH_ERRORS_EXCEEDED_THRESHOLD",
            f"{merged.error_count} of {merged.reports} reports had errors, more than the job's "
            f"threshold of {job.error_threshold:g}%.",
            **stats,
        )
    try:
        domain = avro_io.read_domain(avro_io.avro_files(Path(job.domain_paths[0])))
    except avro_io.InputError as exc:
        return _fail(job, "INPUT_DATA_READ_FAILED", str(exc), **stats)
    if not domain:
        return _fail(job, "INPUT_DATA_READ_FAILED", "No output domain provided in the location.", **stats)
    if job.consume_budget and not job.debug_run:
        exhausted = spend_budget(job, merged.units)
        if exhausted:
            return _fail(
                job,
                "PRIVACY_BUDGET_EXHAUSTED",
                f"{len(exhausted)} privacy budget unit(s) of this batch were already used by an earlier job; "
                "no summary was written.",
                budget_debug_info=exhausted[:100],
                **stats,
            )
    rng = rng or random.SystemRandom()
    spec = summary.NoiseSpec(job.epsilon, job.l1_sensitivity, job.noising)
    facts = summary.summarize(merged.sums, domain, spec, rng)
    try:
        avro_io.write_summary(
            Path(job.output_path), ((b, v + n) for b, v, n in facts), as_json=job.json_output
        )
        if job.debug_run and job.debug_output_path:
            avro_io.write_debug_summary(
                Path(job.debug_output_path), summary.debug_facts(facts, merged.sums), as_json=job.json_output
            )
    except OSError as exc:
        return _fail(job, "RESULT_WRITE_ERROR", f"could not write the summary: {exc}", **stats)
    preview = [
        {
            "bucket": str(b),
            "bucket_hex": f"0x{b:032x}",
            "metric": v + n,
            **({"unnoised_metric": v, "noise": n} if job.debug_run else {}),
        }
        for b, v, n in facts[:PREVIEW_ROWS]
    ]
    code = "SUCCESS_WITH_ERRORS" if merged.error_count else "SUCCESS"
    job.status = AggregationJob.FINISHED
    job.return_code = code
    job.return_message = (
        "Aggregation job successfully processed"
        if code == "SUCCESS"
        else "Aggregation job successfully processed but some reports have errors."
    )
    job.finished_at = timezone.now()
    job.preview = preview
    for name, value in stats.items():
        setattr(job, name, value)
    job.save()
    _cleanup(job)
    return job


def spend_budget(job: AggregationJob, units: dict[BudgetUnit, dict[str, Any]]) -> list[dict[str, Any]]:
    """Record every unit as used by ``job``; if any was used before, record none and list them."""
    rows = [
        BudgetUnitUse(
            shared_id=u.key,
            hour=datetime.fromtimestamp(u.hour, UTC),
            reporting_origin=u.reporting_origin,
            filtering_id=info["filtering_id"],
            relevant_shared_info=info["relevant_shared_info"],
            job=job,
            job_request_id=job.job_request_id,
        )
        for u, info in sorted(units.items())
    ]
    keys = {(r.shared_id, r.hour, r.reporting_origin): r for r in rows}
    used = []
    shared_ids = sorted({r.shared_id for r in rows})
    for start in range(0, len(shared_ids), 500):
        found = BudgetUnitUse.objects.filter(shared_id__in=shared_ids[start : start + 500])
        for old in found:
            row = keys.get((old.shared_id, old.hour, old.reporting_origin))
            if row is not None:
                used.append(
                    {"relevant_shared_info": row.relevant_shared_info, "filtering_id": row.filtering_id}
                )
    if used:
        return used
    try:
        with transaction.atomic():
            BudgetUnitUse.objects.bulk_create(rows, batch_size=500)
    except IntegrityError:  # a concurrent job spent one of them first
        return [
            {"relevant_shared_info": r.relevant_shared_info, "filtering_id": r.filtering_id} for r in rows
        ]
    return []


def run_job_inline(job: AggregationJob, rng: noise.Rng | None = None) -> AggregationJob:
    """Every step in this process, one shard after the other (the CLI, tests)."""
    for index in start_job(job.pk):
        if run_shard(job.pk, index):
            break
    else:
        job.refresh_from_db()
        if job.status != AggregationJob.IN_PROGRESS:
            return job
    return finish_job(job.pk, rng)


def enqueue_job(job: AggregationJob) -> None:
    """Hand the job to the workers once the request's transaction is committed."""
    from . import tasks

    transaction.on_commit(lambda: tasks.start_job.delay(job.pk))


def clear_all_data() -> dict[str, int]:
    """Forget jobs and the budget ledger (keys stay: reports in flight still need them)."""
    jobs = AggregationJob.objects.count()
    units = BudgetUnitUse.objects.count()
    BudgetUnitUse.objects.all().delete()
    AggregationJob.objects.all().delete()
    shutil.rmtree(jobs_root(), ignore_errors=True)
    return {"jobs": jobs, "budget_units": units, "keys_kept": CoordinatorKey.objects.count()}
