"""The ad tech's storage bucket: the batches it writes for the aggregation service and the
summaries the service writes back.

The bucket is a local folder the service reads, as it reads a cloud bucket
(``config.storage``). Each batch is a folder named after its job request ID holding the report
Avro the service expects, the output domain built from the campaign key scheme and a manifest
the summary pages read back; the service writes each summary under ``summaries/``.
"""

from __future__ import annotations

import base64
import binascii
import json
import shutil
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from aggregation_api.avro_io import write_domain, write_reports
from aggregation_api.jobs import debug_output_name, output_shard_name
from config.storage import bucket_root

if TYPE_CHECKING:
    from .budget_units import Batch

STORAGE_BUCKET = "adtech"


def storage_root() -> Path:
    """The ad tech's storage bucket, where batches go in and summaries come back."""
    return bucket_root(STORAGE_BUCKET)


def summary_path(manifest: dict[str, Any], *, debug: bool = False) -> Path:
    """Where the service writes this batch's summary (or a debug run's debug summary)."""
    output = manifest["output"]
    return storage_root() / (debug_output_name(output) if debug else output)


def read_manifests() -> list[dict[str, Any]]:
    """Every batch written, newest first (a manifest that cannot be read is skipped)."""
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
    """One batch's manifest; None for an unknown job or an ID that is no folder name."""
    if not job_request_id or "/" in job_request_id or job_request_id.startswith("."):
        return None
    path = storage_root() / "batches" / job_request_id / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def forget_batches() -> int:
    """Removes every batch and summary this ad tech wrote; returns how many batches there were.

    For the guide's reset: the aggregation service forgets its jobs and budget then, so the ad
    tech must forget which hours it queried, or the next attendee's reports would all be "late".
    """
    count = len(read_manifests())
    for folder in ("batches", "summaries"):
        shutil.rmtree(storage_root() / folder, ignore_errors=True)
    return count


def remove_batch(job_request_id: str) -> None:
    """Removes a batch the service never took, so its reports can go into another."""
    shutil.rmtree(storage_root() / "batches" / job_request_id, ignore_errors=True)


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


def _outputs(job_request_id: str) -> dict[str, str]:
    prefix = f"summaries/{job_request_id}/summary.avro"
    return {"output_prefix": prefix, "output": output_shard_name(prefix)}


def _write_manifest(manifest: dict[str, Any]) -> None:
    folder = storage_root() / "batches" / manifest["job_request_id"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")


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
        "hour_iso": batch.hour_iso,
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
    _write_manifest(manifest)
    return manifest


def write_rerun(
    original: dict[str, Any], job_request_id: str, *, epsilon: float, now: datetime
) -> dict[str, Any]:
    """The manifest of a debug run over a written batch: same reports and domain, own output."""
    manifest = {
        **original,
        "job_request_id": job_request_id,
        "created_at": now.isoformat(),
        "epsilon": epsilon,
        "debug_run": True,
        "rerun_of": original["job_request_id"],
        **_outputs(job_request_id),
    }
    _write_manifest(manifest)
    return manifest
