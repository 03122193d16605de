"""Report batches by privacy budget unit: the reports one aggregation job may query together.

The aggregation service spends its privacy budget per *budget unit*: shared ID, the hour of
``scheduled_report_time`` and reporting origin. A batch that mixed a unit with another job's
would be refused as a whole, and a unit split over two jobs could only ever be queried in one
of them, so the ad tech batches reports by unit. Units it already queried are read back from
the manifests in its storage bucket (:mod:`adtech.storage_bucket`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aggregation_api.budget import shared_id

from .storage_bucket import read_manifests

log = logging.getLogger(__name__)


@dataclass
class Batch:
    """The reports of one budget unit, with the destination the summary pages show."""

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
