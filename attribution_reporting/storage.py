"""What the engine keeps between registrations, behind a small storage protocol.

Everything is plain data: :class:`StoredSource`, :class:`RateLimitRecord`,
:class:`DebugBudgetRecord` and :class:`~attribution_reporting.reports.Report`, each with
``to_json``/``from_json`` so a database can keep them as JSON documents. The protocol is
coarse on purpose (find / add / update / delete), so a second implementation (the simulated
browser's database) stays short and both pass the same conformance tests.

Lookups that run for every trigger are keyed by destination site and reporting origin, and
those that run for every source by source site or source origin, so their cost does not grow
with unrelated sources. :class:`MemoryStorage` keeps JSON copies, not live objects, so the
engine must write back what it changes, exactly as with a database.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .reports import PENDING, Report

# Rate-limit record scopes (the spec's "rate-limit scope").
SCOPE_SOURCE = "source"
SCOPE_EVENT_ATTRIBUTION = "event-attribution"
SCOPE_AGGREGATABLE_ATTRIBUTION = "aggregatable-attribution"


def _shallow_json(obj: Any) -> dict[str, Any]:
    """Field values by name (faster than ``dataclasses.asdict``; callers copy containers)."""
    return {name: getattr(obj, name) for name in _field_names(type(obj))}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _plain(cls: type, data: dict[str, Any]) -> Any:
    return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data})


@dataclass
class StoredSource:
    """An attribution source with its attribution state.

    Times are absolute milliseconds since the epoch. ``aggregation_keys`` keep the
    registration's order (contributions are emitted in source key order).
    """

    source_id: str
    source_event_id: int
    source_origin: str
    source_site: str
    reporting_origin: str
    reporting_site: str
    destination_sites: list[str]
    source_type: str
    source_time_ms: int
    expiry_time_ms: int
    event_report_window_start_ms: int
    event_report_window_ends_ms: list[int]
    aggregatable_report_window_end_ms: int
    priority: int = 0
    destination_limit_priority: int = 0
    filter_data: dict[str, list[str]] = field(default_factory=dict)
    debug_key: int | None = None
    debug_reporting: bool = False
    debug_cookie_set: bool = False
    aggregation_keys: dict[str, int] = field(default_factory=dict)
    trigger_data: list[int] = field(default_factory=list)
    trigger_data_matching: str = "modulus"
    max_event_level_reports: int = 3
    event_level_epsilon: float = 14.0
    randomized_trigger_rate: float = 0.0
    randomized_response: list[dict[str, int]] | None = None
    attribution_scopes: dict[str, Any] | None = None
    named_budgets: dict[str, int] = field(default_factory=dict)
    aggregatable_debug_reporting: dict[str, Any] | None = None
    remaining_aggregatable_budget: int = 65536
    remaining_aggregatable_debug_budget: int = 0
    num_event_reports: int = 0
    num_aggregatable_reports: int = 0
    num_aggregatable_debug_reports: int = 0
    event_dedup_keys: list[int] = field(default_factory=list)
    aggregatable_dedup_keys: list[int] = field(default_factory=list)
    event_level_attributable: bool = True
    active: bool = True
    named_budget_totals: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = _shallow_json(self)
        data["destination_sites"] = list(self.destination_sites)
        data["filter_data"] = {k: list(v) for k, v in self.filter_data.items()}
        data["trigger_data"] = list(self.trigger_data)
        data["randomized_response"] = (
            None if self.randomized_response is None else [dict(f) for f in self.randomized_response]
        )
        data["attribution_scopes"] = copy.deepcopy(self.attribution_scopes)
        data["named_budgets"] = dict(self.named_budgets)
        data["named_budget_totals"] = dict(self.named_budget_totals)
        data["aggregatable_debug_reporting"] = copy.deepcopy(self.aggregatable_debug_reporting)
        data["event_report_window_ends_ms"] = list(self.event_report_window_ends_ms)
        # uint64 and uint128 values as strings: JSON documents and databases keep them exactly.
        data["source_event_id"] = str(self.source_event_id)
        data["debug_key"] = None if self.debug_key is None else str(self.debug_key)
        data["aggregation_keys"] = [[k, hex(v)] for k, v in self.aggregation_keys.items()]
        data["event_dedup_keys"] = [str(k) for k in self.event_dedup_keys]
        data["aggregatable_dedup_keys"] = [str(k) for k in self.aggregatable_dedup_keys]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StoredSource:
        source = _plain(cls, data)
        # Fresh containers: the caller may change them without touching the stored document.
        source.destination_sites = list(source.destination_sites)
        source.filter_data = {k: list(v) for k, v in source.filter_data.items()}
        source.trigger_data = list(source.trigger_data)
        source.event_report_window_ends_ms = list(source.event_report_window_ends_ms)
        source.named_budgets = dict(source.named_budgets)
        source.named_budget_totals = dict(source.named_budget_totals)
        source.attribution_scopes = copy.deepcopy(source.attribution_scopes)
        source.aggregatable_debug_reporting = copy.deepcopy(source.aggregatable_debug_reporting)
        if source.randomized_response is not None:
            source.randomized_response = [dict(f) for f in source.randomized_response]
        source.source_event_id = int(source.source_event_id)
        source.debug_key = None if source.debug_key is None else int(source.debug_key)
        source.aggregation_keys = {k: int(v, 16) for k, v in data.get("aggregation_keys", [])}
        source.event_dedup_keys = [int(k) for k in source.event_dedup_keys]
        source.aggregatable_dedup_keys = [int(k) for k in source.aggregatable_dedup_keys]
        return source


@dataclass
class RateLimitRecord:
    """One rate-limit record: a stored source (per destination) or an attribution.

    ``context_origin`` is the source origin for ``source`` records and the destination
    origin for attribution records. ``deactivated`` marks source records whose source was
    removed by the unexpired-destination limit: they still count for the time-based limits.
    """

    record_id: str
    scope: str
    source_id: str | None
    source_site: str
    destination_site: str
    context_origin: str
    reporting_origin: str
    reporting_site: str
    time_ms: int
    expiry_ms: int
    destination_limit_priority: int = 0
    deactivated: bool = False
    report_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return _shallow_json(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RateLimitRecord:
        return _plain(cls, data)


@dataclass
class DebugBudgetRecord:
    """Aggregatable debug budget spent by one report, for the per-day budget limits."""

    record_id: str
    context_site: str
    reporting_origin: str
    reporting_site: str
    time_ms: int
    consumed_budget: int

    def to_json(self) -> dict[str, Any]:
        return _shallow_json(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DebugBudgetRecord:
        return _plain(cls, data)


class Storage(Protocol):
    """Everything the engine keeps. Implementations return fresh copies, never live objects."""

    # Sources. Filters combine with AND; ``unexpired_at`` keeps sources with expiry > it.
    def add_source(self, source: StoredSource) -> None: ...
    def update_source(self, source: StoredSource) -> None: ...
    def delete_sources(self, source_ids: Iterable[str]) -> None: ...
    def get_source(self, source_id: str) -> StoredSource | None: ...
    def find_sources(
        self,
        *,
        destination_site: str | None = None,
        reporting_origin: str | None = None,
        source_site: str | None = None,
        source_origin: str | None = None,
        unexpired_at: int | None = None,
        active_only: bool = False,
    ) -> list[StoredSource]: ...

    # Reports.
    def add_report(self, report: Report) -> None: ...
    def update_report(self, report: Report) -> None: ...
    def delete_reports(self, report_ids: Iterable[str]) -> None: ...
    def get_report(self, report_id: str) -> Report | None: ...
    def find_reports(
        self,
        *,
        source_id: str | None = None,
        kind: str | None = None,
        destination_site: str | None = None,
        status: str | None = PENDING,
        due_at: int | None = None,
    ) -> list[Report]: ...
    def next_report_time(self) -> int | None: ...

    # Rate-limit records. ``since_ms`` keeps records with time > since_ms.
    def add_rate_limits(self, records: Iterable[RateLimitRecord]) -> None: ...
    def update_rate_limits(self, records: Iterable[RateLimitRecord]) -> None: ...
    def delete_rate_limits(self, record_ids: Iterable[str]) -> None: ...
    def find_rate_limits(
        self,
        *,
        source_site: str | None = None,
        destination_site: str | None = None,
        scope: str | None = None,
        source_id: str | None = None,
        since_ms: int | None = None,
    ) -> list[RateLimitRecord]: ...

    # Aggregatable debug budget records.
    def add_debug_budget(self, record: DebugBudgetRecord) -> None: ...
    def find_debug_budgets(self, *, context_site: str, since_ms: int) -> list[DebugBudgetRecord]: ...


# The in-memory implementation lives in its own module; it is part of this module's API.
from .memory_storage import MemoryStorage  # noqa: E402

__all__ = [
    "SCOPE_AGGREGATABLE_ATTRIBUTION",
    "SCOPE_EVENT_ATTRIBUTION",
    "SCOPE_SOURCE",
    "DebugBudgetRecord",
    "MemoryStorage",
    "RateLimitRecord",
    "Storage",
    "StoredSource",
]
