from django.db import models


class WorkerHeartbeat(models.Model):
    """Written by the Celery worker; the guide reads it to say whether a worker is up."""

    hostname = models.CharField(max_length=200)
    seen_at = models.DateTimeField()
    source = models.CharField(max_length=20, default="beat")  # "beat" or "ping"

    class Meta:
        ordering = ["-seen_at"]
        indexes = [models.Index(fields=["-seen_at"])]

    def __str__(self) -> str:
        return f"{self.hostname} at {self.seen_at:%H:%M:%S}"
