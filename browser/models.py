"""What the simulated browser keeps: the engine's state, registrations seen, delivery, the clock.

The engine's records (sources, reports, rate-limit and debug-budget records) are stored as
JSON documents in ``data`` (the engine's own ``to_json``), with the fields its lookups filter
on copied into indexed columns. ``data`` is a text column, not a JSONField: the engine may
store non-finite floats (an epsilon of infinity in debug mode), which strict JSON columns
refuse.
"""

from __future__ import annotations

from django.db import models


class BrowserState(models.Model):
    """One row per profile: the virtual clock's offset from real time and the debug-mode switch."""

    profile = models.CharField(max_length=64, unique=True, default="default")
    clock_offset_ms = models.BigIntegerField(default=0)
    debug_mode = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"offset {self.clock_offset_ms} ms, debug mode {self.debug_mode}"


class EngineRecord(models.Model):
    """An engine record: its JSON document, read back in insertion order."""

    data = models.TextField()
    profile = models.CharField(max_length=64, default="default", db_index=True)

    class Meta:
        abstract = True
        ordering = ["id"]


class TimedRecord(EngineRecord):
    """A rate-limit or budget record: named by ``record_id``, counted in windows of ``time_ms``."""

    record_id = models.CharField(max_length=64, unique=True)
    time_ms = models.BigIntegerField()

    class Meta(EngineRecord.Meta):
        abstract = True

    def __str__(self) -> str:
        return self.record_id


class Source(EngineRecord):
    source_id = models.CharField(max_length=64, unique=True)
    source_site = models.CharField(max_length=255, db_index=True)
    source_origin = models.CharField(max_length=255, db_index=True)
    reporting_origin = models.CharField(max_length=255, db_index=True)
    source_type = models.CharField(max_length=16)
    source_time_ms = models.BigIntegerField()
    expiry_time_ms = models.BigIntegerField()
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.source_id


class SourceDestination(models.Model):
    """One destination site of a source: the per-trigger lookup goes through this index."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="destinations")
    site = models.CharField(max_length=255, db_index=True)

    def __str__(self) -> str:
        return self.site


class Report(EngineRecord):
    report_id = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=32, db_index=True)
    status = models.CharField(max_length=16, db_index=True)
    report_time_ms = models.BigIntegerField(db_index=True)
    source_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    destination_site = models.CharField(max_length=255, blank=True, default="", db_index=True)
    reporting_origin = models.CharField(max_length=255)
    # Delivery bookkeeping (the engine's Report keeps attempts and the last error too).
    created_at = models.DateTimeField(auto_now_add=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at_ms = models.BigIntegerField(null=True, blank=True)
    response_status = models.IntegerField(null=True, blank=True)
    sent_body = models.TextField(blank=True, default="")
    delivery_note = models.TextField(blank=True, default="")

    def __str__(self) -> str:
        return f"{self.kind} {self.report_id}"


class RateLimit(TimedRecord):
    scope = models.CharField(max_length=32, db_index=True)
    source_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    source_site = models.CharField(max_length=255, db_index=True)
    destination_site = models.CharField(max_length=255, db_index=True)


class DebugBudget(TimedRecord):
    context_site = models.CharField(max_length=255, db_index=True)


class Registration(models.Model):
    """One registration the page asked for: a URL fetched with attribution eligibility."""

    created_at = models.DateTimeField(auto_now_add=True)
    time_ms = models.BigIntegerField(help_text="virtual clock time of the request")
    mechanism = models.CharField(max_length=32)
    url = models.TextField()
    context_origin = models.CharField(max_length=255)
    frame_origin = models.CharField(max_length=255, blank=True, default="")
    eligible = models.CharField(max_length=128, blank=True, default="")
    # A navigation's registrations: where the navigation goes, and whether they are still running
    # (triggers on that destination wait for them, as Chrome's do).
    navigation_url = models.TextField(blank=True, default="")
    navigation_token = models.CharField(max_length=64, blank=True, default="", db_index=True)
    destination_site = models.CharField(max_length=255, blank=True, default="", db_index=True)
    pending = models.BooleanField(default=False, db_index=True)
    profile = models.CharField(max_length=64, default="default", db_index=True)
    summary = models.TextField(blank=True, default="")
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.mechanism} {self.url}"


class RegistrationHop(models.Model):
    """One request/response of a registration (a redirect chain has several)."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="hops")
    index = models.PositiveIntegerField()
    url = models.TextField()
    reporting_origin = models.CharField(max_length=255, blank=True, default="")
    request_headers = models.TextField(default="{}")
    response_status = models.IntegerField(null=True, blank=True)
    response_headers = models.TextField(default="{}")
    kind = models.CharField(max_length=16, db_index=True)
    status = models.CharField(max_length=128, blank=True, default="")
    explanation = models.TextField(blank=True, default="")
    detail = models.TextField(default="{}")

    class Meta:
        ordering = ["registration_id", "index"]

    def __str__(self) -> str:
        return f"{self.kind} {self.status} {self.url}"


class CoordinatorKeys(models.Model):
    """A coordinator's public key set, kept for as long as its Cache-Control allows."""

    origin = models.CharField(max_length=255, unique=True)
    url = models.TextField()
    document = models.TextField()
    fetched_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.origin


class Profile(models.Model):
    """A simulated-browser profile: its settings (``default``, or one per attendee in room mode)."""

    key = models.CharField(max_length=64, unique=True)
    third_party_cookies = models.BooleanField(
        default=True, help_text="allowed (Chrome's default) or blocked, for every cross-site request"
    )

    def __str__(self) -> str:
        return self.key


class Cookie(models.Model):
    """One cookie in a profile's jar (RFC 6265bis storage model)."""

    profile = models.CharField(max_length=64, db_index=True)
    name = models.CharField(max_length=4096)
    value = models.TextField()
    domain = models.CharField(max_length=255)
    host_only = models.BooleanField(default=True)
    path = models.CharField(max_length=1024, default="/")
    secure = models.BooleanField(default=False)
    http_only = models.BooleanField(default=False)
    same_site = models.CharField(max_length=8, blank=True, default="")
    expires_ms = models.BigIntegerField(null=True, blank=True, help_text="virtual clock; null: session")
    created_ms = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.name} ({self.domain}{self.path})"
