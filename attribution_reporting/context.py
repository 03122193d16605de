"""The state a registration is processed with: injected storage, config and randomness.

The engine modules take an :class:`EngineContext` (what is shared across registrations) and
a :class:`Registration` (what is known about this one response), so each algorithm is a
plain function of its inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .config import Config
from .reports import Report, new_report_id
from .storage import Storage


@dataclass
class EngineContext:
    storage: Storage
    config: Config
    rng: Any
    # False: Chromium's interop runner (no draws; the maximum aggregatable delay).
    noise: bool = True
    # The spec's automation local testing mode: no randomized response, no random null
    # reports, and every report due at its trigger time.
    local_testing_mode: bool = False
    # Scope sets seen per (navigation, reporting origin): a navigation's redirect chain may
    # use at most ``max_attribution_scope_sets_per_navigation`` distinct sets. Navigations
    # are short-lived, so this lives in memory, bounded to the most recent ones.
    navigation_scope_sets: dict[tuple[str, str], set[frozenset[str] | None]] = field(default_factory=dict)

    def new_id(self) -> str:
        return new_report_id(self.rng)


@dataclass
class Registration:
    """One registration header on one response (one redirect hop)."""

    context_origin: str
    context_site: str
    reporting_origin: str
    reporting_site: str
    time_ms: int
    debug_permission: bool = False
    fenced: bool = False
    source_type: str | None = None  # "navigation" | "event" for sources
    randomized_response: list[dict[str, int]] | None = None
    randomized_response_given: bool = False
    null_aggregatable_reports_days: list[int] | None = None
    navigation_id: str | None = None

    def trigger_debug_key(self, trigger: dict[str, Any]) -> int | None:
        """The trigger's debug key, dropped without cookie-based debug permission."""
        raw = trigger.get("debug_key")
        if raw is None or not self.debug_permission:
            return None
        return int(raw)


PENDING = "pending"  # an attribution's report is created, not yet stored


@dataclass
class AttributionResult:
    """What event-level or aggregatable attribution decided for one trigger.

    ``debug_type`` and ``limit`` feed the debug reports; ``report`` is the report made (and
    stored, once :attr:`pending` is over), ``debug_copy`` its immediate debug copy.
    """

    status: str
    debug_type: str | None = None
    limit: Any = None
    report: Report | None = None
    debug_copy: Report | None = None
    dedup_key: int | None = None

    @property
    def pending(self) -> bool:
        return self.status == PENDING
