"""The attribution engine: what a browser does with registration responses and reports.

Usage::

    engine = AttributionEngine(storage, config=CHROMIUM, rng=random.Random(seed))
    outcome = engine.handle_response(request, response, now_ms)
    engine.due_reports(now_ms)          # -> list[Report] whose time has come, oldest first
    engine.next_report_time()           # -> int | None, when the next pending report is due
    engine.report_sent(report_id, now_ms)
    engine.report_failed(report_id, now_ms, reason)   # -> the report (rescheduled or failed)
    engine.navigation_committed(now_ms)  # reports whose last retry waits for a navigation

``RegistrationRequest`` describes the request the browser made: ``context_origin`` (the
page's origin), ``eligible`` (the ``Attribution-Reporting-Eligible`` value sent, or None when
the request carried none, which allows triggers only), ``support`` (the
``Attribution-Reporting-Support`` value, ``"web"`` by default), ``fenced`` (a fenced frame
gets no debug reports) and an optional ``navigation_id`` shared by the hops of one
navigation.

``RegistrationResponse`` is one response (one redirect hop): its ``url`` (whose origin is
the reporting origin), ``headers`` (a case-insensitive mapping of name to string; the
register headers may also be already-decoded JSON, as Chromium's interop files give them),
``debug_permission`` (cookie-based debugging allowed for the reporting origin: debug keys and
verbose reports need it), and for tests ``randomized_response`` (replaces the random draw:
None is truthful, a list holds fake reports) and ``null_aggregatable_reports_days``.

``handle_response`` returns a ``RegistrationOutcome``: ``kind`` (``"source"``,
``"trigger"``, ``"os-source"``, ``"os-trigger"`` or ``"none"``), ``status`` for a source
(``"success"``, ``"successNoised"``, ``"exceedsMaxChannelCapacity"``,
``"insufficientUniqueDestinationCapacity"``, ... as Chrome's attribution-internals shows them)
or ``event_level_status`` and ``aggregatable_status`` for a trigger (``"success"``,
``"noMatchingSources"``, ``"deduplicated"``, ``"excessiveReports"``, ``"noised"``, ...),
``explanation`` (what happened and why, in a sentence or two), ``value`` (the normalized
header), ``errors`` (parse errors as ``{"path", "msg"}``) and ``reports``: every report
created, the scheduled ones and the immediate debug ones (whose ``report_time_ms`` is
``now_ms``). All of them are kept in storage until delivered; aggregatable bodies are
assembled at send time by :mod:`attribution_reporting.aggregatable_report`.

``AttributionEngine(storage, config=..., rng=..., noise=True)``: with ``noise=False`` the
engine behaves as Chromium's interop runner (``AttributionNoiseMode::kNone``): aggregatable
reports are delayed by exactly ``aggregatable_report_min_delay + aggregatable_report_delay_span``
and null aggregatable reports are made only for injected ``null_aggregatable_reports_days``
(or when a trigger makes them certain). The event-level randomized response is drawn unless
the response injects one (``randomized_response=None`` means truthful).

``local_testing_mode=True`` is the spec's automation local testing mode, which a debug mode
uses to see every outcome at once: epsilon is taken as infinite (no randomized response is
drawn, so no source is noised and no fake report is made), random null aggregatable reports
are never made, aggregatable reports have no delay and an event-level report is due at its
trigger time (its ``scheduled_report_time`` says so). What stays: the privacy limits (channel
capacity is still checked with the source's epsilon, and reports state the source's
``randomized_trigger_rate`` as Chrome's debug mode did), report windows, and the null reports
a trigger makes certain (``trigger_context_id`` or a non-default filtering ID size), whose
presence the ad tech relies on whatever the mode. An injected ``randomized_response`` still
replaces the draw.

Nothing here reads a clock, the network or global randomness: time is ``now_ms``,
randomness is ``rng`` (``random()``, ``randrange()``, ``getrandbits()``).
"""

from __future__ import annotations

from typing import Any

from . import delivery
from .config import CHROMIUM, Config
from .context import EngineContext, Registration
from .registration import (
    DRAW,
    RegistrationOutcome,
    RegistrationRequest,
    RegistrationResponse,
    process_registration,
)
from .reports import AGGREGATABLE, EVENT_LEVEL, Report
from .storage import Storage


class AttributionEngine:
    """The browser side of the API over an injected storage, config and random source."""

    def __init__(
        self,
        storage: Storage,
        *,
        config: Config = CHROMIUM,
        rng: Any,
        noise: bool = True,
        local_testing_mode: bool = False,
        navigation_scope_sets: dict | None = None,
    ) -> None:
        # ``navigation_scope_sets``: pass one dict to every engine of a process so that the
        # per-navigation scope-set limit holds across engines built per request.
        self.ctx = EngineContext(
            storage=storage, config=config, rng=rng, noise=noise, local_testing_mode=local_testing_mode
        )
        if navigation_scope_sets is not None:
            self.ctx.navigation_scope_sets = navigation_scope_sets

    @property
    def noise(self) -> bool:
        return self.ctx.noise

    @property
    def local_testing_mode(self) -> bool:
        return self.ctx.local_testing_mode

    @property
    def storage(self) -> Storage:
        return self.ctx.storage

    def handle_response(
        self, request: RegistrationRequest, response: RegistrationResponse, now_ms: int
    ) -> RegistrationOutcome:
        outcome = process_registration(self.ctx, request, response, now_ms)
        stored = {EVENT_LEVEL, AGGREGATABLE}
        for report in outcome.reports:
            if report.kind not in stored:
                self.ctx.storage.add_report(report)
        return outcome

    def due_reports(self, now_ms: int) -> list[Report]:
        return self.ctx.storage.find_reports(due_at=now_ms)

    def next_report_time(self) -> int | None:
        return self.ctx.storage.next_report_time()

    def report_sent(self, report_id: str, now_ms: int) -> Report | None:
        report = self.ctx.storage.get_report(report_id)
        if report is None:
            return None
        self.ctx.storage.update_report(delivery.after_success(report, now_ms))
        return report

    def report_failed(self, report_id: str, now_ms: int, reason: str = "") -> Report | None:
        """Reschedules a failed report as Chromium does, or marks it failed for good."""
        report = self.ctx.storage.get_report(report_id)
        if report is None:
            return None
        retry_attempt = self.ctx.config.navigation_retry_attempt
        self.ctx.storage.update_report(delivery.after_failure(report, now_ms, reason, retry_attempt))
        return report

    def navigation_committed(self, now_ms: int) -> list[Report]:
        """Schedules the reports whose last retry waits for a navigation; returns them."""
        waiting = [r for r in self.ctx.storage.find_reports() if delivery.is_awaiting_navigation(r)]
        for report in waiting:
            self.ctx.storage.update_report(delivery.after_navigation(report, now_ms))
        return waiting


__all__ = [
    "DRAW",
    "AttributionEngine",
    "Registration",
    "RegistrationOutcome",
    "RegistrationRequest",
    "RegistrationResponse",
]
