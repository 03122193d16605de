"""The engine as the simulated browser runs it: database storage, the demo config, debug mode.

Debug mode plays Chrome's ``--attribution-reporting-debug-mode``: no noise (truthful
randomized response, no null reports) and no delays, so every report is due the moment it is
created. The demo's config lists the local coordinator first among the aggregation
coordinators (the default for triggers that name none) and keeps Google's two after it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from attribution_reporting import reports as R
from attribution_reporting.config import CHROMIUM, DEFAULT_COORDINATOR_ORIGINS, Config
from attribution_reporting.engine import DRAW, AttributionEngine, RegistrationRequest, RegistrationResponse

from . import clock
from .storage import DatabaseStorage

_rng = random.SystemRandom()


def local_coordinator_origin() -> str:
    from config.hosts import party

    return party("aggregation").origin


def demo_config() -> Config:
    return CHROMIUM.replace(
        aggregation_coordinator_origins=(local_coordinator_origin(), *DEFAULT_COORDINATOR_ORIGINS)
    )


def engine(*, debug_mode: bool | None = None) -> AttributionEngine:
    """An engine over the database; ``debug_mode`` None reads the stored switch."""
    debug = clock.debug_mode() if debug_mode is None else debug_mode
    return AttributionEngine(DatabaseStorage(), config=demo_config(), rng=_rng, noise=not debug)


def debug_permission() -> bool:
    """Cookie-based debugging (debug keys, verbose reports): on unless a setting turns it off."""
    return bool(getattr(settings, "ARA_BROWSER_DEBUG_COOKIES", True))


@dataclass
class HopResult:
    kind: str
    status: str
    explanation: str
    detail: dict[str, Any] = field(default_factory=dict)
    reports: list[R.Report] = field(default_factory=list)


def _status(outcome: Any) -> str:
    if outcome.kind == "trigger" and outcome.status is None:
        return f"event-level: {outcome.event_level_status}; aggregatable: {outcome.aggregatable_status}"
    return outcome.status or ""


def process_response(
    *, context_origin: str, eligible: str | None, url: str, headers: Mapping[str, str], now_ms: int
) -> HopResult:
    """Hands one response to the engine (inside the caller's transaction)."""
    debug = clock.debug_mode()
    eng = engine(debug_mode=debug)
    request = RegistrationRequest(context_origin=context_origin, eligible=eligible, support="web")
    response = RegistrationResponse(
        url=url,
        headers=dict(headers.items()),
        debug_permission=debug_permission(),
        randomized_response=None if debug else DRAW,
    )
    outcome = eng.handle_response(request, response, now_ms)
    reports = list(outcome.reports)
    if debug:
        reports = [_due_now(eng, report, now_ms) for report in reports]
    explanation = outcome.explanation
    if outcome.kind == "none" and not any(k.lower().startswith("attribution-reporting-") for k in headers):
        explanation = "The response carried no Attribution-Reporting headers, so nothing was registered."
    detail = {
        "header": outcome.header,
        "value": outcome.value,
        "errors": outcome.errors,
        "warnings": outcome.warnings,
        "event_level_status": outcome.event_level_status,
        "aggregatable_status": outcome.aggregatable_status,
        "report_ids": [r.report_id for r in reports],
    }
    return HopResult(outcome.kind, _status(outcome), explanation, detail, reports)


def _due_now(eng: AttributionEngine, report: R.Report, now_ms: int) -> R.Report:
    """Debug mode: a scheduled report is due at once (and its body says so)."""
    stored = eng.storage.get_report(report.report_id)
    if stored is None or stored.report_time_ms <= now_ms:
        return stored or report
    stored.report_time_ms = now_ms
    stored.original_report_time_ms = now_ms
    if isinstance(stored.body, dict) and "scheduled_report_time" in stored.body:
        stored.body["scheduled_report_time"] = str(now_ms // 1000)
    if stored.aggregatable is not None:
        stored.aggregatable.scheduled_report_time = now_ms // 1000
    eng.storage.update_report(stored)
    return stored
