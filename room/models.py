"""Who joined the room: one row per attendee's profile."""

from __future__ import annotations

from django.db import models


class Attendee(models.Model):
    """An attendee: the simulated-browser profile their join created."""

    profile = models.CharField(max_length=64, unique=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    # A keyed hash of the joining client's address: enough to count joins per client, not to say who.
    client = models.CharField(max_length=64, blank=True, default="", db_index=True)

    class Meta:
        ordering = ["joined_at", "id"]

    def __str__(self) -> str:
        return self.profile
