"""Celery tasks of the ad tech: each fetches by id and calls a service."""

from __future__ import annotations

from celery import shared_task

from . import job_submission, services


@shared_task(name="adtech.tasks.process_report", ignore_result=True, acks_late=True)
def process_report_task(report_pk: int) -> None:
    """Parse, validate, decode and deduplicate one received report."""
    services.process_report(report_pk)


@shared_task(name="adtech.tasks.sweep_reports", ignore_result=True)
def sweep_reports() -> int:
    """Process reports no task processed (broker down when they arrived, a worker lost)."""
    return services.process_pending()


@shared_task(name="adtech.tasks.submit_pending_batches", ignore_result=True)
def submit_pending_batches() -> dict:
    """Run by beat: submit to the aggregation service the batches whose hour has gone quiet."""
    return job_submission.submit_pending()
