"""The aggregation service's job statuses (as getJob reports them) and their categories."""

from __future__ import annotations

from config.statuses import Category, Status


class JobStatus(Status):
    RECEIVED = "RECEIVED", Category.WARNING
    IN_PROGRESS = "IN_PROGRESS", Category.WARNING
    FINISHED = "FINISHED", Category.OK
