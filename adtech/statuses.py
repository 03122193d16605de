"""The ad tech's status vocabularies: a received report's processing, a registration's answer."""

from __future__ import annotations

from config.statuses import Category, Status


class ReportStatus(Status):
    """What processing made of a received report."""

    PENDING = "pending", Category.WARNING
    PROCESSED = "processed", Category.OK
    # A later copy of a report already counted: stored, counted once. Nothing is wrong.
    DUPLICATE = "duplicate", Category.WARNING
    INVALID = "invalid", Category.ERROR
    FAILED = "failed", Category.ERROR


class RegistrationStatus(Status):
    """How the ad tech answered a registration request."""

    ANSWERED = "answered", Category.OK
    DECLINED = "declined", Category.WARNING
    ERROR = "error", Category.ERROR


class ReturnCode(Status):
    """A finished aggregation job's return code, as the ad tech reads it from getJob."""

    SUCCESS = "SUCCESS", Category.OK
    SUCCESS_WITH_ERRORS = "SUCCESS_WITH_ERRORS", Category.WARNING

    @classmethod
    def category_of(cls, value: str, default: Category = Category.ERROR) -> Category:
        """Every other code is a failure (``INVALID_JOB``, ``PRIVACY_BUDGET_EXHAUSTED`` ...)."""
        return super().category_of(value, default)
