"""What the ad tech keeps: its campaigns and their header settings, the registration
requests it answered, and every report it received (raw body first, decoded later)."""

from __future__ import annotations

from django.db import models

from .statuses import ReportStatus

EVENTS = ("product-view", "add-to-cart", "purchase", "newsletter-signup")
EVENT_CHOICES = [(e, e) for e in EVENTS]


class Campaign(models.Model):
    """An advertising campaign: the settings every source registration of its ads carries."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    # Small number that identifies the campaign inside source_event_id and aggregation keys.
    code = models.PositiveSmallIntegerField(unique=True, help_text="1..255: used in source_event_id and keys")
    product_category = models.CharField(max_length=25, help_text="sent as filter_data.product_category")
    landing_sku = models.CharField(max_length=40, help_text="shop product the ad links to")
    active = models.BooleanField(default=True)

    priority = models.BigIntegerField(
        default=0, help_text="source priority: wins attribution over lower ones"
    )
    expiry_days = models.PositiveSmallIntegerField(default=30, help_text="1..30 days")
    click_report_windows_days = models.CharField(
        max_length=40, default="2,7,30", help_text="event_report_windows.end_times for clicks, in days"
    )
    view_report_window_days = models.PositiveSmallIntegerField(
        default=30, help_text="event_report_window for views, in days"
    )
    click_max_event_level_reports = models.PositiveSmallIntegerField(default=3)
    aggregatable_report_window_days = models.PositiveSmallIntegerField(default=30)
    debug_reporting = models.BooleanField(default=True, help_text="ask for verbose debug reports")
    debug_key = models.CharField(max_length=20, blank=True, default="", help_text="uint64; empty = none")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


# A campaign's header settings, in the order its settings page and the API list them.
CAMPAIGN_SETTINGS = (
    "product_category",
    "landing_sku",
    "active",
    "priority",
    "expiry_days",
    "click_report_windows_days",
    "click_max_event_level_reports",
    "view_report_window_days",
    "aggregatable_report_window_days",
    "debug_reporting",
    "debug_key",
)


class Creative(models.Model):
    """One ad of a campaign; its code goes into source_event_id so reports name the ad."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="creatives")
    slug = models.SlugField(unique=True)
    code = models.PositiveSmallIntegerField(unique=True, help_text="1..255: used in source_event_id and keys")
    headline = models.CharField(max_length=120)
    body = models.CharField(max_length=240, blank=True)
    format = models.CharField(max_length=20, default="leaderboard")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["campaign__code", "code"]

    def __str__(self) -> str:
        return f"{self.campaign.slug}/{self.slug}"


class ConversionEvent(models.Model):
    """How one advertiser event is registered as a trigger (triggers do not know the campaign)."""

    event = models.CharField(max_length=30, unique=True, choices=EVENT_CHOICES)
    enabled = models.BooleanField(default=True)
    trigger_data_click = models.PositiveIntegerField(help_text="0..7: navigation sources have 8 values")
    trigger_data_view = models.PositiveIntegerField(help_text="0..1: event sources have 2 values")
    priority = models.BigIntegerField(default=0, help_text="higher replaces lower when reports run out")
    deduplicate_by_order = models.BooleanField(
        default=False,
        help_text="use the order id as deduplication_key (a reloaded thank-you page counts once)",
    )
    filter_by_category = models.BooleanField(
        default=False, help_text="only attribute to sources whose product_category matches"
    )
    aggregatable = models.BooleanField(default=True, help_text="add aggregatable contributions")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "event"]

    def __str__(self) -> str:
        return self.event


class AggregationSettings(models.Model):
    """The ad tech's aggregation key scheme and value scaling (one row)."""

    source_dimensions = models.JSONField(default=list, help_text="dimensions in the source key pieces")
    trigger_dimensions = models.JSONField(default=list, help_text="dimensions in the trigger key pieces")
    count_budget_share = models.FloatField(
        default=0.25, help_text="part of the 65536 budget for the conversion-count key"
    )
    expected_conversions = models.PositiveSmallIntegerField(
        default=2, help_text="conversions per source the budget is planned for"
    )
    max_purchase_minor = models.PositiveIntegerField(
        default=50000, help_text="largest purchase value planned for (minor units, e.g. cents)"
    )
    trigger_debug_reporting = models.BooleanField(default=True)
    trigger_debug_key = models.CharField(max_length=20, blank=True, default="")

    def __str__(self) -> str:
        return "Aggregation settings"


class Registration(models.Model):
    """A registration request the ad tech answered, and what it answered and why."""

    KIND_CHOICES = [("source", "source"), ("trigger", "trigger")]

    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    reporting_origin = models.CharField(max_length=200)
    url = models.TextField()
    context_origin = models.CharField(
        max_length=200, blank=True, help_text="Origin or Referer of the request"
    )
    eligible_header = models.TextField(
        blank=True, help_text="raw Attribution-Reporting-Eligible, '' if absent"
    )
    eligible_present = models.BooleanField(default=False)
    eligibility = models.JSONField(default=list, help_text="keys the ad tech read from the header")
    answered_header = models.CharField(max_length=80, blank=True)
    header_value = models.TextField(blank=True)
    redirect_to = models.TextField(blank=True)
    status = models.CharField(max_length=20, help_text="answered, declined or error")
    reason = models.TextField()
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL)
    event = models.CharField(max_length=30, blank=True)
    user_agent = models.TextField(blank=True, help_text="the request's User-Agent, as received")
    browser = models.CharField(
        max_length=20, blank=True, db_index=True, help_text="chrome, simulated or other (adtech/browsers.py)"
    )

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.status} {self.received_at:%H:%M:%S}"


class ReceivedReport(models.Model):
    """A report as it arrived (raw body), then what processing made of it.

    A report is identified by (kind, report_id), read when it arrives. At most one row per
    identity is *canonical* (not a copy, not invalid or failed): a database constraint, so no
    ordering of retries, workers or outages can count a report twice. Later copies are kept,
    marked as copies of the canonical row, never dropped: every body answered with 200 stays.
    """

    EVENT_LEVEL = "event-level"
    AGGREGATABLE = "aggregatable"
    EVENT_LEVEL_DEBUG = "event-level-debug"
    AGGREGATABLE_DEBUG_COPY = "aggregatable-debug-copy"
    VERBOSE_DEBUG = "verbose-debug"
    AGGREGATE_DEBUG = "aggregate-debug"
    KIND_CHOICES = [
        (EVENT_LEVEL, "event-level report"),
        (AGGREGATABLE, "aggregatable report"),
        (EVENT_LEVEL_DEBUG, "event-level debug copy"),
        (AGGREGATABLE_DEBUG_COPY, "aggregatable debug copy"),
        (VERBOSE_DEBUG, "verbose debug report"),
        (AGGREGATE_DEBUG, "aggregatable debug report"),
    ]

    PENDING = ReportStatus.PENDING.value
    PROCESSED = ReportStatus.PROCESSED.value
    DUPLICATE = ReportStatus.DUPLICATE.value
    INVALID = ReportStatus.INVALID.value
    FAILED = ReportStatus.FAILED.value
    STATUS_CHOICES = ReportStatus.choices()
    # Rows that give up their identity: a later copy may then be counted instead.
    NOT_COUNTED = (INVALID, FAILED)

    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=30, choices=KIND_CHOICES, db_index=True)
    reporting_origin = models.CharField(max_length=200)
    path = models.CharField(max_length=200)
    content_type = models.CharField(max_length=200, blank=True)
    body = models.TextField(help_text="the raw body, exactly as received")
    user_agent = models.TextField(blank=True, help_text="the sender's User-Agent, as received")
    browser = models.CharField(
        max_length=20, blank=True, db_index=True, help_text="chrome, simulated or other (adtech/browsers.py)"
    )

    status = models.CharField(max_length=20, choices=STATUS_CHOICES, default=PENDING, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    report_id = models.CharField(max_length=64, blank=True, db_index=True, help_text="read when received")
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="copies",
        help_text="the canonical row this one is a later copy of",
    )
    decoded = models.JSONField(null=True, blank=True, help_text="what processing read from the body")
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL)
    creative = models.ForeignKey(Creative, null=True, blank=True, on_delete=models.SET_NULL)
    event = models.CharField(max_length=30, blank=True, help_text="conversion event, when it can be told")

    # Aggregatable reports, prepared for the aggregation service.
    shared_info = models.TextField(blank=True, help_text="the exact string received: it is the HPKE info")
    payload = models.TextField(blank=True)
    key_id = models.CharField(max_length=128, blank=True)
    aggregation_coordinator_origin = models.CharField(max_length=200, blank=True)
    debug_contributions = models.JSONField(null=True, blank=True)
    # NULL = not in any aggregation job yet (a job request id is a string).
    batch_job_id = models.CharField(max_length=128, null=True, blank=True, db_index=True)  # noqa: DJ001

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["kind", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "report_id"],
                condition=models.Q(duplicate_of__isnull=True)
                & ~models.Q(report_id="")
                & ~models.Q(status__in=["invalid", "failed"]),
                name="adtech_report_counted_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"


class BatchClaim(models.Model):
    """A privacy budget unit (shared ID, hour, reporting origin) this ad tech has submitted a job for.

    The aggregation service lets each unit be queried once. The unique constraint makes a
    second job for a unit impossible however many "Create summary" clicks arrive at once:
    the claim and the marking of the batch's reports commit together or not at all.
    """

    shared_id = models.CharField(max_length=128)
    hour = models.BigIntegerField(help_text="start of the scheduled hour, Unix seconds")
    reporting_origin = models.CharField(max_length=200)
    job_request_id = models.CharField(max_length=128, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted = models.BooleanField(default=False, help_text="the service accepted the job")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shared_id", "hour", "reporting_origin"], name="adtech_one_job_per_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.job_request_id} ({self.reporting_origin} {self.hour})"
