"""Worker liveness: the heartbeat the worker writes and what the guide says about it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .models import WorkerHeartbeat

ALIVE_WITHIN = timedelta(seconds=45)


@dataclass(frozen=True)
class WorkerStatus:
    alive: bool
    last_seen: datetime | None
    hostname: str | None
    broker_kind: str
    broker_explanation: str

    def as_dict(self) -> dict:
        return {
            "alive": self.alive,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "hostname": self.hostname,
            "broker": self.broker_kind,
            "broker_explanation": self.broker_explanation,
        }


def record_heartbeat(hostname: str, source: str = "beat", now: datetime | None = None) -> WorkerHeartbeat:
    now = now or timezone.now()
    beat = WorkerHeartbeat.objects.create(hostname=hostname, seen_at=now, source=source)
    # Keep the table small: only recent heartbeats matter.
    WorkerHeartbeat.objects.filter(seen_at__lt=now - timedelta(hours=1)).delete()
    return beat


def worker_status(now: datetime | None = None) -> WorkerStatus:
    now = now or timezone.now()
    last = WorkerHeartbeat.objects.order_by("-seen_at").first()
    alive = bool(last and now - last.seen_at <= ALIVE_WITHIN)
    return WorkerStatus(
        alive=alive,
        last_seen=last.seen_at if last else None,
        hostname=last.hostname if last else None,
        broker_kind=settings.BROKER.kind,
        broker_explanation=settings.BROKER.explanation,
    )
