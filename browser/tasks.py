"""Celery tasks: each fetches by id and calls a delivery service."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready

from . import delivery

log = logging.getLogger("browser.tasks")


@shared_task(name="browser.tasks.send_report", ignore_result=True, acks_late=True)
def send_report(report_id: str) -> str:
    """Sends one report if it is still pending and due (a duplicate message is harmless)."""
    return delivery.send_report(report_id)


@shared_task(name="browser.tasks.send_reports", ignore_result=True, acks_late=True)
def send_reports(report_ids: list[str]) -> dict[str, str]:
    """Sends reports that came due together, each if still pending and due."""
    return delivery.send_reports(report_ids)


@shared_task(name="browser.tasks.sweep", ignore_result=True)
def sweep() -> int:
    """Run by beat: queues every due report that was missed (worker down, clock moved)."""
    return len(delivery.sweep())


@worker_ready.connect
def _catch_up_on_start(sender=None, **kwargs) -> None:
    """A (re)started worker sends what is due and re-arms ETAs a dead worker was holding."""
    try:
        sweep.delay()
    except Exception as exc:  # pragma: no cover - a broker outage is logged, beat retries
        log.warning("could not queue the start-up delivery sweep: %s", exc)
