from __future__ import annotations

import socket

from celery import shared_task

from . import services


@shared_task(name="guide.tasks.heartbeat", ignore_result=True)
def heartbeat(source: str = "beat") -> None:
    """Run by beat every few seconds; proves a worker is consuming the queue."""
    services.record_heartbeat(socket.gethostname(), source=source)


@shared_task(name="guide.tasks.echo")
def echo(value):
    """Round trip used by tests and the guide's "check now" button."""
    return value
