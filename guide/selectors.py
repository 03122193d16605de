"""What the guide reads from the other parties, each call guarded.

The guide must keep working while a party is missing, broken or being rebuilt: every call returns a
``PartyState`` that says whether the answer came, and why not when it did not.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PartyState:
    ok: bool
    data: dict[str, Any]
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "error": self.error}


def call_party(module: str, name: str) -> PartyState:
    """Calls ``module.name()``; a missing module or function, or an exception, becomes an explanation."""
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        return PartyState(False, {}, f"{module} is not available ({exc})")
    func = getattr(mod, name, None)
    if func is None:
        return PartyState(False, {}, f"{module}.{name}() does not exist yet")
    try:
        with transaction.atomic():  # a failing query must not break the caller's transaction
            data = func()
    except Exception as exc:
        logger.exception("guide: %s.%s() failed", module, name)
        return PartyState(False, {}, f"{module}.{name}() failed: {exc}")
    return PartyState(True, data if isinstance(data, dict) else {"value": data})


def browser_summary() -> PartyState:
    return call_party("browser.selectors", "summary")


def adtech_summary() -> PartyState:
    return call_party("adtech.selectors", "dashboard_summary")


def aggregation_summary() -> PartyState:
    """Finished aggregation jobs: the aggregation service exposes no summary selector, so count its jobs."""
    state = call_party("aggregation.selectors", "summary")
    if state.ok:
        return state

    def count_jobs() -> dict[str, Any]:
        from aggregation.models import AggregationJob

        jobs = AggregationJob.objects.all()
        return {
            "jobs": jobs.count(),
            "finished": jobs.filter(status="FINISHED").count(),
            "succeeded": jobs.filter(status="FINISHED", return_code__startswith="SUCCESS").count(),
        }

    try:
        with transaction.atomic():
            return PartyState(True, count_jobs())
    except Exception as exc:
        logger.exception("guide: counting aggregation jobs failed")
        return PartyState(False, {}, f"could not read the aggregation service's jobs: {exc}")


def number(data: dict[str, Any], *path: str) -> int:
    """The integer at ``path`` in a nested dict, 0 where absent or not a number."""
    value: Any = data
    for key in path:
        if not isinstance(value, dict):
            return 0
        value = value.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def number_map(data: dict[str, Any], *path: str) -> dict[str, Any]:
    """The dict at ``path`` in a nested dict, empty where absent."""
    value: Any = data
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else {}


def sum_counts(value: Any) -> int:
    """Sum of every integer in a nested dict (e.g. reports by kind and status)."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, dict):
        return sum(sum_counts(v) for v in value.values())
    return 0
