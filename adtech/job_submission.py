"""Submitting batches to the aggregation service as jobs, and recovering submissions that died.

The ad tech shares nothing with the service but the wire formats (``aggregation_api``), the
storage bucket (:mod:`adtech.storage_bucket`) and its HTTP API, which it calls through
:mod:`adtech.aggregation_client` as a real ad tech's server does. Each batch of one privacy
budget unit (:mod:`adtech.budget_units`) becomes one createJob request; the unit is claimed in
the database first, so it is never queried twice.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from aggregation_api.noise import DEFAULT_EPSILON

from . import storage_bucket
from .aggregation_client import AggregationServiceError, client
from .budget_units import Batch, plan_batches, spent_units
from .storage_bucket import STORAGE_BUCKET

log = logging.getLogger(__name__)

# Beat submits a batch once no report of it has arrived for this long (late reports of an
# hour keep coming for a while: the browser retries after 5 and 15 minutes).
QUIET_PERIOD = timedelta(minutes=10)
# A claim not confirmed this long after it was made belongs to a submission that died.
ABANDONED_AFTER = timedelta(minutes=5)


class SubmitError(RuntimeError):
    """A batch that cannot be submitted: unknown, or the aggregation service refused it."""


def job_request(manifest: dict[str, Any]) -> dict[str, Any]:
    """The createJob body for a written batch."""
    params = {
        "output_domain_blob_prefix": manifest["domain"],
        "output_domain_bucket_name": STORAGE_BUCKET,
        "attribution_report_to": manifest["reporting_origin"],
        "debug_privacy_epsilon": str(manifest["epsilon"]),
        "report_error_threshold_percentage": "10",
        "input_report_count": str(manifest["report_count"]),
    }
    if manifest["debug_run"]:
        params["debug_run"] = "true"
    return {
        "job_request_id": manifest["job_request_id"],
        "input_data_blob_prefix": manifest["input"],
        "input_data_bucket_name": STORAGE_BUCKET,
        "output_data_blob_prefix": manifest["output_prefix"],
        "output_data_bucket_name": STORAGE_BUCKET,
        "job_parameters": params,
    }


def get_job(job_request_id: str) -> dict[str, Any] | None:
    """getJob's answer, or None when the service does not know the job.

    Raises :class:`AggregationServiceError` when the service fails or cannot be reached.
    """
    return client().get_job(job_request_id)


def new_job_request_id(batch: Batch, now: datetime) -> str:
    # At most 64 characters: the report store keeps it in batch_job_id.
    return f"adtech-{now:%Y%m%d-%H%M%S}-{batch.shared_id[:8]}-{secrets.token_hex(3)}"


def submit_pending(
    *,
    force: bool = False,
    epsilon: float = DEFAULT_EPSILON,
    debug_run: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Batch every unbatched report and submit one job per batch.

    Without ``force`` (the periodic run) a batch waits until no report of it arrived for
    :data:`QUIET_PERIOD`. Reports of a unit already queried can never be aggregated again;
    they are set aside as late rather than failing a new job. Before anything is written,
    the unit and its reports are claimed in the database, so concurrent submissions (ten
    clicks at once, a click during beat's run) make one job per unit, never one each.
    """
    from adtech import services

    now = now or timezone.now()
    recover_abandoned(now)
    spent = spent_units()
    submitted, errors, late, waiting, taken = [], [], 0, 0, []
    for batch in plan_batches():
        if not force and now - batch.last_received < QUIET_PERIOD:
            waiting += 1
            continue
        if not debug_run and batch.key in spent:
            late += _mark(batch.reports, f"late-{spent[batch.key]}"[:64])
            continue
        job_id = new_job_request_id(batch, now)
        if not debug_run:
            holder = services.claim_batch(batch.key, [r.pk for r in batch.reports], job_id)
            if holder is not None:
                # Another submission has this unit: its job is the one; what it left out is late.
                taken.append(holder)
                if holder:
                    late += _mark(batch.reports, f"late-{holder}"[:64])
                continue
        manifest = storage_bucket.write_batch(batch, job_id, epsilon=epsilon, debug_run=debug_run)
        try:
            client().create_job(job_request(manifest))
        except AggregationServiceError as exc:
            if exc.maybe_done and not debug_run:
                # The service may have stored the job: the claim stays until getJob says
                # (recover_abandoned), so the unit is never queried twice.
                errors.append(f"{exc.message} (the service will be asked about {job_id} again)")
                break
            errors.append(exc.message)
            _discard(job_id, debug_run)
            if exc.unreachable:
                break
            continue
        if not debug_run:
            services.confirm_batch(job_id)
        submitted.append(job_id)
    return {"submitted": submitted, "errors": errors, "late": late, "waiting": waiting, "taken": taken}


def recover_abandoned(now: datetime) -> list[str]:
    """Give back the claims of submissions that died between the claim and createJob's answer.

    The service is asked about each: a job it knows was accepted (the claim is confirmed), one
    it does not know never will be (the claim and the written batch are discarded, so its
    reports go into the next job). When the service cannot be reached nothing is decided.
    """
    from adtech import services

    released = []
    for job_id in services.unconfirmed_batches(now - ABANDONED_AFTER):
        try:
            job = client().get_job(job_id)
        except AggregationServiceError as exc:
            log.warning("abandoned claims stay until the service answers: %s", exc)
            break
        if job is not None:
            services.confirm_batch(job_id)
        else:
            _discard(job_id, debug_run=False)
            released.append(job_id)
    if released:
        log.warning("released %d abandoned batch claim(s): %s", len(released), ", ".join(released))
    return released


def _mark(reports: list[Any], job_id: str) -> int:
    from adtech.services import mark_batched

    return mark_batched([r.pk for r in reports], job_id)


def rerun_with_epsilon(job_request_id: str, epsilon: float, *, now: datetime | None = None) -> str:
    """Query an already aggregated batch again as a *debug run* with another epsilon.

    A debug run spends no privacy budget, so the same reports can be summed again: the page can put
    the noise of two epsilons side by side. Production would refuse a second real query of them.
    """
    original = storage_bucket.read_manifest(job_request_id)
    if original is None:
        raise SubmitError(f"no batch {job_request_id!r} was submitted")
    now = now or timezone.now()
    job_id = f"adtech-{now:%Y%m%d-%H%M%S}-{original['shared_id'][:8]}-{secrets.token_hex(3)}"
    manifest = storage_bucket.write_rerun(original, job_id, epsilon=epsilon, now=now)
    try:
        client().create_job(job_request(manifest))
    except AggregationServiceError as exc:
        _discard(job_id, True)
        raise SubmitError(exc.message) from None
    return job_id


def _discard(job_id: str, debug_run: bool) -> None:
    if not debug_run:
        from adtech.services import release_batch

        release_batch(job_id)
    storage_bucket.remove_batch(job_id)
