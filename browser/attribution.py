"""The engine as the simulated browser runs it: database storage, the demo config, debug mode.

Debug mode plays Chrome's ``--attribution-reporting-debug-mode`` with the engine's local
testing mode: no noise (truthful randomized response, no random null reports) and no delays,
so every report is due the moment it is created. The demo's config lists the local coordinator first among the aggregation
coordinators (the default for triggers that name none) and keeps Google's two after it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from attribution_reporting.config import CHROMIUM, DEFAULT_COORDINATOR_ORIGINS, Config
from attribution_reporting.engine import DRAW, AttributionEngine, RegistrationRequest, RegistrationResponse
from attribution_reporting.reports import Report

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


# The attribution-scope sets seen per navigation: a navigation's redirect chain is handled in
# one process, so the engines of that process share this (bounded) memory.
_NAVIGATION_SCOPE_SETS: dict = {}


def forget_navigations() -> None:
    """Drops the remembered navigations (the reset for the next attendee)."""
    _NAVIGATION_SCOPE_SETS.clear()


def engine(*, debug_mode: bool | None = None) -> AttributionEngine:
    """An engine over the database; ``debug_mode`` None reads the stored switch."""
    debug = clock.debug_mode() if debug_mode is None else debug_mode
    return AttributionEngine(
        DatabaseStorage(),
        config=demo_config(),
        rng=_rng,
        local_testing_mode=debug,
        navigation_scope_sets=_NAVIGATION_SCOPE_SETS,
    )


@dataclass
class HopResult:
    kind: str
    status: str
    explanation: str
    detail: dict[str, Any] = field(default_factory=dict)
    reports: list[Report] = field(default_factory=list)


def _status(outcome: Any) -> str:
    if outcome.kind == "trigger" and outcome.status is None:
        return f"event-level: {outcome.event_level_status}; aggregatable: {outcome.aggregatable_status}"
    return outcome.status or ""


def process_response(
    *,
    context_origin: str,
    eligible: str | None,
    url: str,
    headers: Mapping[str, str],
    now_ms: int,
    debug_permission: bool,
    navigation_id: str | None = None,
) -> HopResult:
    """Hands one response to the engine (inside the caller's transaction).

    ``debug_permission`` is cookie-based debugging for this response's reporting origin
    (:func:`browser.cookies.debug_allowed`): debug keys and verbose debug reports.
    """
    debug = clock.debug_mode()
    eng = engine(debug_mode=debug)
    request = RegistrationRequest(
        context_origin=context_origin, eligible=eligible, support="web", navigation_id=navigation_id
    )
    response = RegistrationResponse(
        url=url,
        headers=dict(headers.items()),
        debug_permission=debug_permission,
        randomized_response=DRAW,
    )
    outcome = eng.handle_response(request, response, now_ms)
    reports = list(outcome.reports)
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
