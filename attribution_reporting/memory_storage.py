"""The storage protocol in memory, with the same copy semantics as a database.

Rows are kept as JSON documents (``to_json``), with secondary indexes on the fields the
engine looks up by (destination site, reporting origin, source site and origin, report kind
and status), so each lookup costs what the matching rows cost, not what the store holds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from .reports import PENDING, Report
from .storage import DebugBudgetRecord, RateLimitRecord, StoredSource


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
                ok = v in value if isinstance(value, list) else value == v
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
