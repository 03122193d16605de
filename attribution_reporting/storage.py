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

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .reports import PENDING, Report

# Rate-limit record scopes (the spec's "rate-limit scope").
SCOPE_SOURCE = "source"
SCOPE_EVENT_ATTRIBUTION = "event-attribution"
SCOPE_AGGREGATABLE_ATTRIBUTION = "aggregatable-attribution"


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
        data = dataclasses.asdict(self)
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
        return dataclasses.asdict(self)

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
        return dataclasses.asdict(self)

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


class _Table:
    """JSON documents by id, with secondary indexes on some fields."""

    def __init__(self, indexed: tuple[str, ...]) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.indexed = indexed
        self.index: dict[str, dict[Any, set[str]]] = {name: defaultdict(set) for name in indexed}

    def _keys(self, name: str, row: dict[str, Any]) -> list[Any]:
        value = row.get(name)
        return list(value) if isinstance(value, list) else [value]

    def put(self, key: str, row: dict[str, Any]) -> None:
        self.delete(key)
        self.rows[key] = row
        for name in self.indexed:
            for value in self._keys(name, row):
                self.index[name][value].add(key)

    def delete(self, key: str) -> None:
        row = self.rows.pop(key, None)
        if row is None:
            return
        for name in self.indexed:
            for value in self._keys(name, row):
                bucket = self.index[name].get(value)
                if bucket is not None:
                    bucket.discard(key)
                    if not bucket:
                        del self.index[name][value]

    def select(self, **equal: Any) -> list[dict[str, Any]]:
        """Rows matching every given (non-None) field, using the smallest index."""
        wanted = {k: v for k, v in equal.items() if v is not None}
        keyed = [k for k in wanted if k in self.indexed]
        if keyed:
            ids = min((self.index[k].get(wanted[k], set()) for k in keyed), key=len)
            rows = [self.rows[i] for i in sorted(ids)]
        else:
            rows = list(self.rows.values())
        out = []
        for row in rows:
            ok = True
            for k, v in wanted.items():
                value = row.get(k)
                if isinstance(value, list):
                    ok = v in value
                else:
                    ok = value == v
                if not ok:
                    break
            if ok:
                out.append(row)
        return out


class MemoryStorage:
    """The storage protocol in memory, with the same copy semantics as a database."""

    def __init__(self) -> None:
        self._sources = _Table(("destination_sites", "source_site", "source_origin", "reporting_origin"))
        self._reports = _Table(("source_id", "destination_site", "kind", "status"))
        self._rate_limits = _Table(("source_site", "destination_site", "source_id"))
        self._debug_budgets = _Table(("context_site",))
        self._order = 0  # insertion order keeps results deterministic

    def _seq(self) -> int:
        self._order += 1
        return self._order

    # Sources
    def add_source(self, source: StoredSource) -> None:
        row = source.to_json()
        row["_seq"] = self._seq()
        self._sources.put(source.source_id, row)

    def update_source(self, source: StoredSource) -> None:
        old = self._sources.rows.get(source.source_id)
        row = source.to_json()
        row["_seq"] = old["_seq"] if old else self._seq()
        self._sources.put(source.source_id, row)

    def delete_sources(self, source_ids: Iterable[str]) -> None:
        for source_id in list(source_ids):
            self._sources.delete(source_id)

    def get_source(self, source_id: str) -> StoredSource | None:
        row = self._sources.rows.get(source_id)
        return StoredSource.from_json(row) if row else None

    def find_sources(
        self,
        *,
        destination_site: str | None = None,
        reporting_origin: str | None = None,
        source_site: str | None = None,
        source_origin: str | None = None,
        unexpired_at: int | None = None,
        active_only: bool = False,
    ) -> list[StoredSource]:
        rows = self._sources.select(
            destination_sites=destination_site,
            reporting_origin=reporting_origin,
            source_site=source_site,
            source_origin=source_origin,
        )
        if unexpired_at is not None:
            rows = [r for r in rows if r["expiry_time_ms"] > unexpired_at]
        if active_only:
            rows = [r for r in rows if r["active"]]
        rows.sort(key=lambda r: r["_seq"])
        return [StoredSource.from_json(r) for r in rows]

    # Reports
    def add_report(self, report: Report) -> None:
        row = report.to_json()
        row["_seq"] = self._seq()
        self._reports.put(report.report_id, row)

    def update_report(self, report: Report) -> None:
        old = self._reports.rows.get(report.report_id)
        row = report.to_json()
        row["_seq"] = old["_seq"] if old else self._seq()
        self._reports.put(report.report_id, row)

    def delete_reports(self, report_ids: Iterable[str]) -> None:
        for report_id in list(report_ids):
            self._reports.delete(report_id)

    def get_report(self, report_id: str) -> Report | None:
        row = self._reports.rows.get(report_id)
        return Report.from_json(row) if row else None

    def find_reports(
        self,
        *,
        source_id: str | None = None,
        kind: str | None = None,
        destination_site: str | None = None,
        status: str | None = PENDING,
        due_at: int | None = None,
    ) -> list[Report]:
        rows = self._reports.select(
            source_id=source_id, kind=kind, destination_site=destination_site, status=status
        )
        if due_at is not None:
            rows = [r for r in rows if r["report_time_ms"] <= due_at]
        rows.sort(key=lambda r: (r["report_time_ms"], r["_seq"]))
        return [Report.from_json(r) for r in rows]

    def next_report_time(self) -> int | None:
        pending = self._reports.index["status"].get(PENDING, set())
        times = [self._reports.rows[i]["report_time_ms"] for i in pending]
        return min(times) if times else None

    # Rate limits
    def add_rate_limits(self, records: Iterable[RateLimitRecord]) -> None:
        for record in records:
            row = record.to_json()
            row["_seq"] = self._seq()
            self._rate_limits.put(record.record_id, row)

    def update_rate_limits(self, records: Iterable[RateLimitRecord]) -> None:
        for record in records:
            old = self._rate_limits.rows.get(record.record_id)
            row = record.to_json()
            row["_seq"] = old["_seq"] if old else self._seq()
            self._rate_limits.put(record.record_id, row)

    def delete_rate_limits(self, record_ids: Iterable[str]) -> None:
        for record_id in list(record_ids):
            self._rate_limits.delete(record_id)

    def find_rate_limits(
        self,
        *,
        source_site: str | None = None,
        destination_site: str | None = None,
        scope: str | None = None,
        source_id: str | None = None,
        since_ms: int | None = None,
    ) -> list[RateLimitRecord]:
        rows = self._rate_limits.select(
            source_site=source_site, destination_site=destination_site, scope=scope, source_id=source_id
        )
        if since_ms is not None:
            rows = [r for r in rows if r["time_ms"] > since_ms]
        rows.sort(key=lambda r: r["_seq"])
        return [RateLimitRecord.from_json(r) for r in rows]

    # Aggregatable debug budgets
    def add_debug_budget(self, record: DebugBudgetRecord) -> None:
        row = record.to_json()
        row["_seq"] = self._seq()
        self._debug_budgets.put(record.record_id, row)

    def find_debug_budgets(self, *, context_site: str, since_ms: int) -> list[DebugBudgetRecord]:
        rows = [r for r in self._debug_budgets.select(context_site=context_site) if r["time_ms"] > since_ms]
        rows.sort(key=lambda r: r["_seq"])
        return [DebugBudgetRecord.from_json(r) for r in rows]
