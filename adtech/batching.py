"""The ad tech's side of aggregation: batch reports, write Avro, submit jobs to the service.

Aggregatable reports are grouped by *shared ID and hour*, the service's privacy budget
unit: a batch that mixed a unit with another job's would be refused as a whole, and a unit
split over two jobs could only ever be queried in one of them. Each batch is written to the
ad tech's storage bucket (a local folder the service reads, as it reads a cloud bucket) as
the report Avro the service expects, next to the output domain built from the campaign key
scheme and a manifest the summary pages read back.

The ad tech shares nothing with the service but the wire formats (``aggregation_api``), the
storage bucket (``config.storage``) and its HTTP API, which it calls through
:mod:`adtech.aggregation_client` as a real ad tech's server does.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import secrets
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from aggregation_api.avro_io import write_domain, write_reports
from aggregation_api.budget import shared_id
from aggregation_api.jobs import debug_output_name, output_shard_name
from aggregation_api.noise import DEFAULT_EPSILON
from config.storage import bucket_root

from .aggregation_client import AggregationServiceError, client

log = logging.getLogger(__name__)

STORAGE_BUCKET = "adtech"
# Beat submits a batch once no report of it has arrived for this long (late reports of an
# hour keep coming for a while: the browser retries after 5 and 15 minutes).
QUIET_PERIOD = timedelta(minutes=10)
# A claim not confirmed this long after it was made belongs to a submission that died.
ABANDONED_AFTER = timedelta(minutes=5)


class SubmitError(RuntimeError):
    """A batch that cannot be submitted: unknown, or the aggregation service refused it."""


@dataclass
class Batch:
    shared_id: str
    hour: int
    reporting_origin: str
    destination: str
    reports: list[Any] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.shared_id, self.hour, self.reporting_origin)

    @property
    def hour_iso(self) -> str:
        return datetime.fromtimestamp(self.hour, UTC).strftime("%Y-%m-%d %H:00 UTC")

    @property
    def last_received(self):
        return max(r.received_at for r in self.reports)


def storage_root() -> Path:
    """The ad tech's storage bucket, where batches go in and summaries come back."""
    return bucket_root(STORAGE_BUCKET)


def summary_path(manifest: dict[str, Any], *, debug: bool = False) -> Path:
    """Where the service writes this batch's summary (or a debug run's debug summary)."""
    output = manifest["output"]
    return storage_root() / (debug_output_name(output) if debug else output)


def _unbatched() -> Iterable[Any]:
    from adtech.selectors import unbatched_aggregatable_reports

    return unbatched_aggregatable_reports()


def plan_batches(reports: Iterable[Any] | None = None) -> list[Batch]:
    """Group reports by (shared ID, scheduled hour, reporting origin), oldest hour first."""
    groups: dict[tuple[str, int, str], Batch] = {}
    for report in _unbatched() if reports is None else reports:
        try:
            info = json.loads(report.shared_info)
            scheduled = int(info["scheduled_report_time"])
            sid = shared_id(info, 0)
            origin = info["reporting_origin"]
        except (ValueError, KeyError, TypeError):
            log.warning("report %s has an unusable shared_info; not batched", getattr(report, "pk", "?"))
            continue
        hour = scheduled - scheduled % 3600
        batch = groups.setdefault(
            (sid, hour, origin), Batch(sid, hour, origin, str(info.get("attribution_destination", "")))
        )
        batch.reports.append(report)
    return sorted(groups.values(), key=lambda b: (b.hour, b.destination, b.shared_id))


def spent_units() -> dict[tuple[str, int, str], str]:
    """Units this ad tech already queried (from its manifests), to the job that spent them."""
    out = {}
    for manifest in read_manifests():
        if not manifest.get("debug_run"):
            out[(manifest["shared_id"], manifest["hour"], manifest["reporting_origin"])] = manifest[
                "job_request_id"
            ]
    return out


def forget_batches() -> int:
    """Removes every batch and summary this ad tech wrote; returns how many batches there were.

    For the guide's reset: the aggregation service forgets its jobs and budget then, so the ad
    tech must forget which hours it queried, or the next attendee's reports would all be "late".
    """
    count = len(read_manifests())
    for folder in ("batches", "summaries"):
        shutil.rmtree(storage_root() / folder, ignore_errors=True)
    return count


def read_manifests() -> list[dict[str, Any]]:
    root = storage_root() / "batches"
    if not root.is_dir():
        return []
    out = []
    for path in root.glob("*/manifest.json"):
        try:
            out.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return sorted(out, key=lambda m: m.get("created_at", ""), reverse=True)


def read_manifest(job_request_id: str) -> dict[str, Any] | None:
    if not job_request_id or "/" in job_request_id or job_request_id.startswith("."):
        return None
    path = storage_root() / "batches" / job_request_id / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _output_domain() -> dict[int, str]:
    from adtech.keyscheme import output_domain

    return output_domain()


def _exact_sums(reports: Iterable[Any]) -> tuple[dict[str, int], int]:
    """Per bucket sums of the debug cleartext contributions (filtering id 0), and how many reports had one."""
    sums: dict[str, int] = {}
    with_debug = 0
    for report in reports:
        contributions = getattr(report, "debug_contributions", None)
        if contributions is None:
            continue
        with_debug += 1
        for c in contributions:
            if c.get("id", 0) == 0:
                sums[str(c["bucket"])] = sums.get(str(c["bucket"]), 0) + int(c["value"])
    return sums, with_debug


def _records(reports: Iterable[Any]) -> Iterable[dict[str, Any]]:
    for report in reports:
        try:
            payload = base64.b64decode(report.payload, validate=True)
        except (binascii.Error, ValueError):
            payload = b""  # the service counts it as a report that does not decrypt
        yield {"payload": payload, "key_id": report.key_id, "shared_info": report.shared_info}


def _senders(reports: Iterable[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for report in reports:
        key = getattr(report, "browser", "") or "unknown"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def write_batch(batch: Batch, job_request_id: str, *, epsilon: float, debug_run: bool) -> dict[str, Any]:
    """Write reports.avro, output_domain.avro and manifest.json; return the manifest."""
    folder = storage_root() / "batches" / job_request_id
    folder.mkdir(parents=True, exist_ok=True)
    write_reports(folder / "reports.avro", _records(batch.reports))
    domain = _output_domain()
    write_domain(folder / "output_domain.avro", sorted(domain))
    exact, with_debug = _exact_sums(batch.reports)
    manifest = {
        "job_request_id": job_request_id,
        "created_at": timezone.now().isoformat(),
        "shared_id": batch.shared_id,
        "hour": batch.hour,
        "hour_iso": datetime.fromtimestamp(batch.hour, UTC).strftime("%Y-%m-%d %H:00 UTC"),
        "reporting_origin": batch.reporting_origin,
        "destination": batch.destination,
        "report_count": len(batch.reports),
        # Which browser sent them (adtech/browsers.py): a real Chrome, the simulated browser or other.
        "senders": _senders(batch.reports),
        "reports_with_debug": with_debug,
        "epsilon": epsilon,
        "debug_run": debug_run,
        "labels": {str(b): label for b, label in domain.items()},
        "exact_sums": exact,
        "input": f"batches/{job_request_id}/reports.avro",
        "domain": f"batches/{job_request_id}/output_domain.avro",
        **_outputs(job_request_id),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


def _outputs(job_request_id: str) -> dict[str, str]:
    prefix = f"summaries/{job_request_id}/summary.avro"
    return {"output_prefix": prefix, "output": output_shard_name(prefix)}


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
        manifest = write_batch(batch, job_id, epsilon=epsilon, debug_run=debug_run)
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
    original = read_manifest(job_request_id)
    if original is None:
        raise SubmitError(f"no batch {job_request_id!r} was submitted")
    now = now or timezone.now()
    job_id = f"adtech-{now:%Y%m%d-%H%M%S}-{original['shared_id'][:8]}-{secrets.token_hex(3)}"
    folder = storage_root() / "batches" / job_id
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {
        **original,
        "job_request_id": job_id,
        "created_at": now.isoformat(),
        "epsilon": epsilon,
        "debug_run": True,
        "rerun_of": job_request_id,
        **_outputs(job_id),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
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
    shutil.rmtree(storage_root() / "batches" / job_id, ignore_errors=True)
