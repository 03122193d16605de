"""The ad tech's write operations: receiving reports, handing them to workers, batching marks,
saving settings and clearing data."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from config.room_cache import ROOM_WIDE

from . import browsers
from .models import AggregationSettings, BatchClaim, Campaign, ConversionEvent, ReceivedReport, Registration
from .processing import mark_failed, process_report

__all__ = [
    "store_report",
    "process_report",
    "process_pending",
    "mark_batched",
    "claim_batch",
    "release_batch",
    "confirm_batch",
    "unconfirmed_batches",
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
MAX_USER_AGENT = 500


def store_report(
    *,
    kind: str,
    body: str,
    content_type: str,
    reporting_origin: str,
    path: str,
    report_id: str = "",
    user_agent: str = "",
) -> ReceivedReport:
    """Commit the raw body (and who sent it), then ask a worker to process it.

    The row is committed before this returns, so the 200 the receiver answers is a promise
    kept even if the broker or the worker is down: the periodic sweep processes what no
    task did. A report whose (kind, report_id) is already counted is stored as a marked copy
    of that row (the database's unique constraint decides, also between concurrent
    requests) and is not processed.
    """
    fields = dict(
        kind=kind,
        body=body,
        content_type=content_type,
        reporting_origin=reporting_origin,
        path=path,
        report_id=report_id,
        user_agent=user_agent[:MAX_USER_AGENT],
        browser=browsers.identify(user_agent).key,
    )
    for _ in range(3):
        try:
            with transaction.atomic():
                report = ReceivedReport.objects.create(**fields)
                transaction.on_commit(partial(enqueue, report.pk))
            return report
        except IntegrityError:
            if not report_id:
                raise
        with transaction.atomic():
            canonical = _counted_copy(kind, report_id)
            if canonical is not None:
                return ReceivedReport.objects.create(
                    **fields,
                    status=ReceivedReport.DUPLICATE,
                    duplicate_of=canonical,
                    processed_at=timezone.now(),
                )
        # The counted row gave up its identity in between (found invalid): try again.
    raise IntegrityError(f"could not store report {report_id!r} of kind {kind}")


def _counted_copy(kind: str, report_id: str) -> ReceivedReport | None:
    """The row that holds (kind, report_id), if one does, locked until the copy is stored (so it
    cannot give up its identity to earlier copies in between)."""
    return (
        ReceivedReport.objects.select_for_update()
        .filter(kind=kind, report_id=report_id, duplicate_of__isnull=True)
        .exclude(status__in=ReceivedReport.NOT_COUNTED)
        .first()
    )


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
        # Each row on its own: one that cannot be processed is marked failed, the rest go on.
        try:
            process_report(pk)
        except (OperationalError, InterfaceError) as exc:  # the database, not the report: next sweep
            log.warning("report %s stays pending: %s", pk, exc)
        except Exception as exc:
            log.exception("report %s could not be processed", pk)
            mark_failed(pk, exc)
    return len(pks)


def mark_batched(report_ids: Iterable[int | str], job_id: str | int) -> int:
    """Record that these aggregatable reports went into aggregation job ``job_id``.

    ``report_ids`` are primary keys of :class:`ReceivedReport` (integers) or the reports'
    ``report_id`` UUIDs (strings). Reports already in a batch are left alone: a report's
    contribution may be aggregated only once.
    """
    pks = [i for i in report_ids if isinstance(i, int)]
    uuids = [i for i in report_ids if isinstance(i, str)]
    qs = ReceivedReport.objects.filter(
        kind=ReceivedReport.AGGREGATABLE, status=ReceivedReport.PROCESSED, batch_job_id__isnull=True
    )
    return qs.filter(Q(pk__in=pks) | Q(report_id__in=uuids)).update(batch_job_id=str(job_id))


class _ReportsTaken(Exception):
    pass


def claim_batch(unit: tuple[str, int, str], report_pks: Iterable[int], job_id: str) -> str | None:
    """Claim a budget unit and its reports for job ``job_id``, all or nothing.

    Returns None when claimed, else the id of the job that holds the unit (or "" when some
    of the reports are already in another job). The database decides between concurrent
    submissions: the unit's unique constraint, and an update of only unbatched reports.
    """
    shared_id, hour, origin = unit
    pks = set(report_pks)
    try:
        with transaction.atomic():
            BatchClaim.objects.create(
                shared_id=shared_id, hour=hour, reporting_origin=origin, job_request_id=job_id
            )
            taken = ReceivedReport.objects.filter(
                pk__in=pks,
                kind=ReceivedReport.AGGREGATABLE,
                status=ReceivedReport.PROCESSED,
                batch_job_id__isnull=True,
            ).update(batch_job_id=job_id)
            if taken != len(pks):
                raise _ReportsTaken
    except IntegrityError:
        holder = BatchClaim.objects.filter(shared_id=shared_id, hour=hour, reporting_origin=origin)
        return holder.values_list("job_request_id", flat=True).first() or ""
    except _ReportsTaken:
        return ""
    return None


def release_batch(job_id: str) -> int:
    """Undo a claim whose job was not accepted: its reports may go into a later job."""
    with transaction.atomic():
        BatchClaim.objects.filter(job_request_id=job_id).delete()
        return ReceivedReport.objects.filter(batch_job_id=job_id).update(batch_job_id=None)


def confirm_batch(job_id: str) -> None:
    """The service accepted the job: its claim is final."""
    BatchClaim.objects.filter(job_request_id=job_id).update(submitted=True)


def unconfirmed_batches(claimed_before: datetime) -> list[str]:
    """Jobs claimed before ``claimed_before`` whose acceptance was never recorded (a submission that died)."""
    old = BatchClaim.objects.filter(submitted=False, created_at__lt=claimed_before)
    return list(old.values_list("job_request_id", flat=True))


def clear_all_data() -> dict[str, int]:
    """Forget every received report, registration, submitted job and queried batch.

    Campaigns and settings stay. The batch manifests are this ad tech's record of the jobs it
    submitted and of the hours it already queried: left behind, they would set the next
    attendee's reports aside as "late" for an hour the last attendee queried.
    """
    from .storage_bucket import forget_batches

    with transaction.atomic():
        reports, _ = ReceivedReport.objects.all().delete()
        registrations, _ = Registration.objects.all().delete()
        # The claims on budget units go with the jobs: the next attendee's reports of the same
        # hour are a new batch.
        BatchClaim.objects.all().delete()
    jobs = forget_batches()
    ROOM_WIDE.clear()  # this process's next dashboard poll shows the emptied ad tech at once
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
