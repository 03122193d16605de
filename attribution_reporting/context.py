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

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000


@dataclass
class EngineContext:
    storage: Storage
    config: Config
    rng: Any
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


@dataclass
class Decision:
    """What one step of processing decided, for the outcome and the debug reports."""

    status: str
    debug_type: str | None = None
    limit: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    reports: list[Report] = field(default_factory=list)
