"""Who joined the room: one row per attendee's profile."""

from __future__ import annotations

from django.db import models


class Attendee(models.Model):
    """An attendee: the simulated-browser profile their join created."""

    profile = models.CharField(max_length=64, unique=True)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "id"]

    def __str__(self) -> str:
        return self.profile
