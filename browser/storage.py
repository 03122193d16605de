"""The engine's storage protocol on Django models, so the browser's state survives restarts.

Each record is the engine's own JSON document (``to_json``) plus indexed columns for the
fields lookups filter on; results come back in insertion order (the primary key), exactly as
:class:`attribution_reporting.storage.MemoryStorage` returns them, so both pass the same
interop suite. Writes are bulk where the protocol passes several records at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db.models import QuerySet

from attribution_reporting.reports import PENDING
from attribution_reporting.reports import Report as ReportData
from attribution_reporting.storage import DebugBudgetRecord, RateLimitRecord, StoredSource

from . import models, profiles


def dumps(value: object) -> str:
    """JSON text that keeps non-finite floats (debug mode's infinite epsilon)."""
    return json.dumps(value, separators=(",", ":"))


def loads(text: str) -> object:
    return json.loads(text)


def _source_columns(source: StoredSource) -> dict:
    return {
        "source_site": source.source_site,
        "source_origin": source.source_origin,
        "reporting_origin": source.reporting_origin,
        "source_type": source.source_type,
        "source_time_ms": source.source_time_ms,
        "expiry_time_ms": source.expiry_time_ms,
        "active": source.active,
        "data": dumps(source.to_json()),
    }


def _report_columns(report: ReportData) -> dict:
    return {
        "kind": report.kind,
        "status": report.status,
        "report_time_ms": report.report_time_ms,
        "source_id": report.source_id or "",
        "destination_site": report.destination_site or "",
        "reporting_origin": report.reporting_origin,
        "data": dumps(report.to_json()),
    }


def _rate_limit_columns(record: RateLimitRecord) -> dict:
    return {
        "scope": record.scope,
        "source_id": record.source_id or "",
        "source_site": record.source_site,
        "destination_site": record.destination_site,
        "time_ms": record.time_ms,
        "data": dumps(record.to_json()),
    }


def _where(qs: QuerySet, **equal: object) -> QuerySet:
    """``qs`` filtered on every lookup whose value is given: the protocol's None means "any"."""
    given = {lookup: value for lookup, value in equal.items() if value is not None}
    return qs.filter(**given) if given else qs


def _documents(cls: type, qs: QuerySet) -> list:
    """The engine records stored in ``qs``'s ``data`` column, in the queryset's order."""
    return [cls.from_json(loads(d)) for d in qs.values_list("data", flat=True)]


def _document(cls: type, qs: QuerySet) -> object | None:
    """The one engine record in ``qs``, or None when there is none."""
    data = qs.values_list("data", flat=True).first()
    return cls.from_json(loads(data)) if data is not None else None


def _delete(qs: QuerySet, key: str, ids: Iterable[str]) -> None:
    """Deletes the rows of ``qs`` whose ``key`` column is one of ``ids`` (no query for none)."""
    ids = list(ids)
    if ids:
        qs.filter(**{f"{key}__in": ids}).delete()


class DatabaseStorage:
    """:class:`attribution_reporting.storage.Storage` backed by the ``browser`` models.

    One profile's records: every lookup is confined to ``profile`` (the current one by default),
    so one attendee's sources never attribute another's triggers.
    """

    def __init__(self, profile: str | None = None) -> None:
        self.profile = profile or profiles.current()

    def _sources(self) -> QuerySet:
        return models.Source.objects.filter(profile=self.profile)

    def _reports(self) -> QuerySet:
        return models.Report.objects.filter(profile=self.profile)

    def _rate_limits(self) -> QuerySet:
        return models.RateLimit.objects.filter(profile=self.profile)

    # Sources
    def add_source(self, source: StoredSource) -> None:
        row = models.Source.objects.create(
            source_id=source.source_id, profile=self.profile, **_source_columns(source)
        )
        models.SourceDestination.objects.bulk_create(
            [
                models.SourceDestination(source=row, site=site)
                for site in dict.fromkeys(source.destination_sites)
            ]
        )

    def update_source(self, source: StoredSource) -> None:
        # The row and its destinations in one query: a trigger updates every source it touches.
        rows = self._sources().filter(source_id=source.source_id).values_list("id", "destinations__site")
        found = list(rows)
        if not found:
            self.add_source(source)
            return
        row_id = found[0][0]
        self._sources().filter(id=row_id).update(**_source_columns(source))
        current = {site for _, site in found if site is not None}
        wanted = set(source.destination_sites)
        if current != wanted:
            models.SourceDestination.objects.filter(source_id=row_id).delete()
            models.SourceDestination.objects.bulk_create(
                [models.SourceDestination(source_id=row_id, site=site) for site in dict.fromkeys(wanted)]
            )

    def delete_sources(self, source_ids: Iterable[str]) -> None:
        _delete(self._sources(), "source_id", source_ids)

    def get_source(self, source_id: str) -> StoredSource | None:
        return _document(StoredSource, self._sources().filter(source_id=source_id))

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
        qs = _where(
            self._sources(),
            destinations__site=destination_site,
            reporting_origin=reporting_origin,
            source_site=source_site,
            source_origin=source_origin,
            expiry_time_ms__gt=unexpired_at,
            active=True if active_only else None,
        )
        return _documents(StoredSource, qs.order_by("id"))

    # Reports
    def add_report(self, report: ReportData) -> None:
        models.Report.objects.create(
            report_id=report.report_id, profile=self.profile, **_report_columns(report)
        )

    def update_report(self, report: ReportData) -> None:
        updated = self._reports().filter(report_id=report.report_id).update(**_report_columns(report))
        if not updated:
            self.add_report(report)

    def delete_reports(self, report_ids: Iterable[str]) -> None:
        _delete(self._reports(), "report_id", report_ids)

    def get_report(self, report_id: str) -> ReportData | None:
        return _document(ReportData, self._reports().filter(report_id=report_id))

    def find_reports(
        self,
        *,
        source_id: str | None = None,
        kind: str | None = None,
        destination_site: str | None = None,
        status: str | None = PENDING,
        due_at: int | None = None,
    ) -> list[ReportData]:
        qs = _where(
            self._reports(),
            source_id=source_id,
            kind=kind,
            destination_site=destination_site,
            status=status,
            report_time_ms__lte=due_at,
        )
        return _documents(ReportData, qs.order_by("report_time_ms", "id"))

    def next_report_time(self) -> int | None:
        row = (
            self._reports()
            .filter(status=PENDING)
            .order_by("report_time_ms")
            .values_list("report_time_ms", flat=True)
            .first()
        )
        return row

    # Rate limits
    def add_rate_limits(self, records: Iterable[RateLimitRecord]) -> None:
        rows = [
            models.RateLimit(record_id=r.record_id, profile=self.profile, **_rate_limit_columns(r))
            for r in records
        ]
        if rows:
            models.RateLimit.objects.bulk_create(rows)

    def update_rate_limits(self, records: Iterable[RateLimitRecord]) -> None:
        records = list(records)
        if not records:
            return
        existing = dict(
            self._rate_limits()
            .filter(record_id__in=[r.record_id for r in records])
            .values_list("record_id", "id")
        )
        changed, new = [], []
        for record in records:
            row = models.RateLimit(
                record_id=record.record_id, profile=self.profile, **_rate_limit_columns(record)
            )
            if record.record_id in existing:
                row.id = existing[record.record_id]
                changed.append(row)
            else:
                new.append(row)
        if changed:
            fields = ["scope", "source_id", "source_site", "destination_site", "time_ms", "data"]
            models.RateLimit.objects.bulk_update(changed, fields)
        if new:
            models.RateLimit.objects.bulk_create(new)

    def delete_rate_limits(self, record_ids: Iterable[str]) -> None:
        _delete(self._rate_limits(), "record_id", record_ids)

    def find_rate_limits(
        self,
        *,
        source_site: str | None = None,
        destination_site: str | None = None,
        scope: str | None = None,
        source_id: str | None = None,
        since_ms: int | None = None,
    ) -> list[RateLimitRecord]:
        qs = _where(
            self._rate_limits(),
            source_site=source_site,
            destination_site=destination_site,
            scope=scope,
            source_id=source_id,
            time_ms__gt=since_ms,
        )
        return _documents(RateLimitRecord, qs.order_by("id"))

    # Aggregatable debug budgets
    def add_debug_budget(self, record: DebugBudgetRecord) -> None:
        models.DebugBudget.objects.create(
            record_id=record.record_id,
            profile=self.profile,
            context_site=record.context_site,
            time_ms=record.time_ms,
            data=dumps(record.to_json()),
        )

    def find_debug_budgets(self, *, context_site: str, since_ms: int) -> list[DebugBudgetRecord]:
        qs = models.DebugBudget.objects.filter(
            profile=self.profile, context_site=context_site, time_ms__gt=since_ms
        )
        return _documents(DebugBudgetRecord, qs.order_by("id"))


def clear(profile: str | None = None) -> None:
    """Deletes the stored records (sources, reports, rate limits, budgets) of ``profile``, or of all."""
    for model in (models.Source, models.Report, models.RateLimit, models.DebugBudget):
        qs = model.objects.all() if profile is None else model.objects.filter(profile=profile)
        qs.delete()
