"""The ad tech's write operations: receiving reports, handing them to workers, batching marks,
saving settings and clearing data."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import AggregationSettings, Campaign, ConversionEvent, ReceivedReport, Registration
from .processing import process_report

__all__ = [
    "store_report",
    "process_report",
    "process_pending",
    "mark_batched",
    "clear_all_data",
    "save_campaign",
    "save_conversion_settings",
]

log = logging.getLogger(__name__)

# Path under /.well-known/attribution-reporting/ → kind of report.
REPORT_PATHS = {
    "report-event-attribution": ReceivedReport.EVENT_LEVEL,
    "report-aggregate-attribution": ReceivedReport.AGGREGATABLE,
    "debug/report-event-attribution": ReceivedReport.EVENT_LEVEL_DEBUG,
    "debug/report-aggregate-attribution": ReceivedReport.AGGREGATABLE_DEBUG_COPY,
    "debug/verbose": ReceivedReport.VERBOSE_DEBUG,
    "debug/report-aggregate-debug": ReceivedReport.AGGREGATE_DEBUG,
}
SWEEP_GRACE = timedelta(seconds=20)


def store_report(
    *, kind: str, body: str, content_type: str, reporting_origin: str, path: str
) -> ReceivedReport:
    """Commit the raw body, then ask a worker to process it.

    The row is committed before this returns, so the 200 the receiver answers is a promise
    kept even if the broker or the worker is down: the periodic sweep processes what no
    task did.
    """
    with transaction.atomic():
        report = ReceivedReport.objects.create(
            kind=kind, body=body, content_type=content_type, reporting_origin=reporting_origin, path=path
        )
        transaction.on_commit(lambda: enqueue(report.pk))
    return report


def enqueue(report_pk: int) -> None:
    from .tasks import process_report_task

    try:
        process_report_task.delay(report_pk)
    except Exception as exc:  # broker down: the sweep will pick the report up
        log.warning("could not enqueue report %s (%s); the periodic sweep will process it", report_pk, exc)


def process_pending(older_than: timedelta | None = None, limit: int = 500) -> int:
    """Process reports still pending after ``older_than`` (a lost task, a broker outage)."""
    cutoff = timezone.now() - (SWEEP_GRACE if older_than is None else older_than)
    pks = list(
        ReceivedReport.objects.filter(status=ReceivedReport.PENDING, received_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in pks:
        process_report(pk)
    return len(pks)


def mark_batched(report_ids: Iterable[int | str], job_id: str | int) -> int:
    """Record that these aggregatable reports went into aggregation job ``job_id``.

    ``report_ids`` are primary keys of :class:`ReceivedReport` (integers) or the reports'
    ``report_id`` UUIDs (strings). Reports already in a batch are left alone: a report's
    contribution may be aggregated only once.
    """
    pks = [i for i in report_ids if isinstance(i, int)]
    uuids = [i for i in report_ids if isinstance(i, str)]
    qs = ReceivedReport.objects.filter(kind=ReceivedReport.AGGREGATABLE, batch_job_id__isnull=True)
    return qs.filter(Q(pk__in=pks) | Q(report_id__in=uuids)).update(batch_job_id=str(job_id))


def clear_all_data() -> dict[str, int]:
    """Forget every received report, registration, submitted job and queried batch.

    Campaigns and settings stay. The batch manifests are this ad tech's record of the jobs it
    submitted and of the hours it already queried: left behind, they would set the next
    attendee's reports aside as "late" for an hour the last attendee queried.
    """
    from .batching import forget_batches

    with transaction.atomic():
        reports, _ = ReceivedReport.objects.all().delete()
        registrations, _ = Registration.objects.all().delete()
    jobs = forget_batches()
    return {"reports": reports, "registrations": registrations, "submitted_jobs": jobs}


def save_campaign(campaign: Campaign) -> Campaign:
    campaign.full_clean()
    campaign.save()
    return campaign


def save_conversion_settings(events: Iterable[ConversionEvent], settings_row: AggregationSettings) -> None:
    with transaction.atomic():
        for event in events:
            event.save()
        settings_row.save()
