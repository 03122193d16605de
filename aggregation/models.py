"""The coordinator's keys, aggregation jobs and the privacy budget ledger."""

from __future__ import annotations

from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .statuses import JobStatus


class CoordinatorKey(models.Model):
    """An X25519 key pair. Only the public half is ever served; the private half never leaves here."""

    key_id = models.CharField(max_length=128, unique=True)
    public_key = models.CharField(max_length=64, help_text="base64 of the raw 32-byte X25519 public key")
    private_key = models.CharField(max_length=64, help_text="base64 of the raw 32-byte X25519 private key")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.key_id

    def __repr__(self) -> str:  # never show the private half, even in a debugger or a log
        return f"<CoordinatorKey {self.key_id}>"

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return self.expires_at is None or self.expires_at > now


class AggregationJob(models.Model):
    RECEIVED = JobStatus.RECEIVED.value
    IN_PROGRESS = JobStatus.IN_PROGRESS.value
    FINISHED = JobStatus.FINISHED.value
    STATUSES = JobStatus.choices()

    job_request_id = models.CharField(max_length=128, unique=True)
    origin = models.CharField(max_length=8, default="api", help_text="api (createJob) or cli")
    request = models.JSONField(help_text="the createJob request, as received")
    input_paths = models.JSONField(default=list)
    domain_paths = models.JSONField(default=list)
    output_path = models.CharField(max_length=500, help_text="summary report file (Avro or JSON)")
    debug_output_path = models.CharField(max_length=500, blank=True)
    epsilon = models.FloatField(default=10.0)
    l1_sensitivity = models.FloatField(default=65536)
    noising = models.BooleanField(default=True)
    json_output = models.BooleanField(default=False)
    debug_run = models.BooleanField(default=False)
    consume_budget = models.BooleanField(default=True)
    accept_cleartext = models.BooleanField(default=False)
    filtering_ids = models.JSONField(default=list)
    error_threshold = models.FloatField(default=10.0)
    attribution_report_to = models.CharField(max_length=300, blank=True)
    reporting_site = models.CharField(max_length=300, blank=True)

    status = models.CharField(max_length=16, choices=STATUSES, default=RECEIVED)
    return_code = models.CharField(max_length=64, blank=True)
    return_message = models.TextField(blank=True)
    error_counts = models.JSONField(default=list, blank=True)
    budget_debug_info = models.JSONField(default=list, blank=True)
    total_reports = models.BigIntegerField(default=0)
    accepted_reports = models.BigIntegerField(default=0)
    duplicate_reports = models.BigIntegerField(default=0)
    shard_count = models.PositiveIntegerField(default=0)
    shards_done = models.PositiveIntegerField(default=0)
    preview = models.JSONField(default=list, blank=True, help_text="first rows of the summary, for the page")

    received_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return self.job_request_id

    @property
    def page_url(self) -> str:
        """The job's page, or "" for an id no page can name (one stored before ids were checked)."""
        from aggregation_api.jobs import is_valid_job_request_id

        if not is_valid_job_request_id(self.job_request_id):
            return ""
        try:
            return reverse("aggregation-job", args=[self.job_request_id], urlconf="aggregation.urls")
        except NoReverseMatch:
            return ""


class JobShard(models.Model):
    """One worker's share of a job: progress while it runs, partial sums on disk when done."""

    job = models.ForeignKey(AggregationJob, on_delete=models.CASCADE, related_name="shards")
    index = models.PositiveIntegerField()
    scanned = models.BigIntegerField(default=0)
    done = models.BooleanField(default=False)
    partial_path = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["job", "index"]
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="aggregation_unique_shard")]

    def __str__(self) -> str:
        return f"{self.job_id}#{self.index}"


class BudgetUnitUse(models.Model):
    """A spent privacy budget unit: (shared ID, hour, reporting origin) used by one job."""

    shared_id = models.CharField(max_length=64)
    hour = models.DateTimeField()
    reporting_origin = models.CharField(max_length=300)
    filtering_id = models.BigIntegerField(default=0)
    relevant_shared_info = models.TextField()
    job = models.ForeignKey(AggregationJob, null=True, on_delete=models.SET_NULL, related_name="budget_units")
    job_request_id = models.CharField(max_length=128)
    consumed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-consumed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shared_id", "hour", "reporting_origin"], name="aggregation_budget_unit_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.shared_id[:12]}@{self.hour:%Y-%m-%d %H}:00"
