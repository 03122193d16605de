"""Report data as the engine stores it until delivery.

A :class:`Report` is plain data: the engine creates it when a source or trigger is
processed, storage keeps it as a JSON document (``to_json``/``from_json``), and delivery
turns it into a request. Event-level and verbose debug bodies are final at creation time
(Chrome fixes them then); aggregatable bodies are assembled at send time from
:class:`AggregatableData`, because encryption needs the coordinator's current keys.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

WELL_KNOWN = "/.well-known/attribution-reporting"

# Report kinds and the path each one is POSTed to on the reporting origin.
EVENT_LEVEL = "event-level"
AGGREGATABLE = "aggregatable"
EVENT_LEVEL_DEBUG = "event-level-debug"
AGGREGATABLE_DEBUG = "aggregatable-debug"
VERBOSE_DEBUG = "verbose-debug"
AGGREGATABLE_DEBUG_REPORT = "aggregatable-debug-report"

KINDS = (
    EVENT_LEVEL,
    AGGREGATABLE,
    EVENT_LEVEL_DEBUG,
    AGGREGATABLE_DEBUG,
    VERBOSE_DEBUG,
    AGGREGATABLE_DEBUG_REPORT,
)

PATHS = {
    EVENT_LEVEL: WELL_KNOWN + "/report-event-attribution",
    EVENT_LEVEL_DEBUG: WELL_KNOWN + "/debug/report-event-attribution",
    AGGREGATABLE: WELL_KNOWN + "/report-aggregate-attribution",
    AGGREGATABLE_DEBUG: WELL_KNOWN + "/debug/report-aggregate-attribution",
    VERBOSE_DEBUG: WELL_KNOWN + "/debug/verbose",
    AGGREGATABLE_DEBUG_REPORT: WELL_KNOWN + "/debug/report-aggregate-debug",
}

# Delivery states.
PENDING = "pending"
SENT = "sent"
FAILED = "failed"


def report_url(reporting_origin: str, kind: str) -> str:
    """The URL a report of ``kind`` is sent to."""
    return reporting_origin + PATHS[kind]


def new_report_id(rng: Any) -> str:
    """A version-4 UUID string drawn from the injected random source."""
    bits = rng.getrandbits(128)
    bits &= ~(0xF000 << 64)
    bits |= 0x4000 << 64
    bits &= ~(0xC000000000000000)
    bits |= 0x8000000000000000
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass
class AggregatableData:
    """What an aggregatable report (attribution, debug copy, null or debug report) carries.

    ``contributions`` are ``(bucket, value, filtering_id)`` triples, unpadded; padding and
    encryption happen when the body is assembled at send time.
    """

    api: str = "attribution-reporting"
    attribution_destination: str = ""
    reporting_origin: str = ""
    scheduled_report_time: int = 0  # seconds since the epoch, floored
    source_registration_time: int | None = None  # day-floored seconds, only with "include"
    contributions: list[tuple[int, int, int]] = field(default_factory=list)
    filtering_id_max_bytes: int = 1
    aggregation_coordinator_origin: str = ""
    source_debug_key: int | None = None
    trigger_debug_key: int | None = None
    trigger_context_id: str | None = None
    debug_mode: bool = False
    is_null: bool = False
    # The ``shared_info.report_id`` of a debug copy: the delayed report's, as Chrome sends it.
    # None means the stored report's own id (every report that is not a copy).
    report_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["contributions"] = [[str(b), v, str(f)] for b, v, f in self.contributions]
        for key in ("source_debug_key", "trigger_debug_key"):
            if data[key] is not None:
                data[key] = str(data[key])
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AggregatableData:
        values = {f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data}
        values["contributions"] = [(int(b), int(v), int(f)) for b, v, f in data.get("contributions", [])]
        for key in ("source_debug_key", "trigger_debug_key"):
            if values.get(key) is not None:
                values[key] = int(values[key])
        return cls(**values)


@dataclass
class Report:
    """One report waiting for (or past) delivery.

    ``report_time_ms`` is when it is due; a failed attempt moves it later, while the body's
    ``scheduled_report_time`` keeps the original time. ``destination_site`` is the trigger's
    destination (what the per-destination storage limits count); ``source_id`` links the
    report to its source so a source's deletion can take its reports along.
    """

    report_id: str
    kind: str
    url: str
    reporting_origin: str
    report_time_ms: int
    trigger_time_ms: int | None = None
    body: Any = None
    aggregatable: AggregatableData | None = None
    source_id: str | None = None
    priority: int = 0
    attempts: int = 0
    status: str = PENDING
    destination_site: str | None = None
    original_report_time_ms: int | None = None
    last_error: str | None = None
    context_site: str | None = None

    def __post_init__(self) -> None:
        if self.original_report_time_ms is None:
            self.original_report_time_ms = self.report_time_ms

    @property
    def is_debug(self) -> bool:
        """Debug kinds are sent immediately and never count against attribution limits."""
        return self.kind not in (EVENT_LEVEL, AGGREGATABLE)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["aggregatable"] = self.aggregatable.to_json() if self.aggregatable else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        values = {f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data}
        if values.get("aggregatable") is not None:
            values["aggregatable"] = AggregatableData.from_json(values["aggregatable"])
        return cls(**values)


DEBUG_COPY_KINDS = {EVENT_LEVEL: EVENT_LEVEL_DEBUG, AGGREGATABLE: AGGREGATABLE_DEBUG}


def debug_copy(report: Report, *, report_id: str, time_ms: int) -> Report:
    """The attribution-success debug copy of a report with both debug keys, sent at once.

    Same body (or aggregatable data), sent to the report kind's ``/debug/`` path. The copy is
    stored under its own ``report_id`` (storage keys reports by id), but what it *sends*
    carries the delayed report's id, as Chrome's copies do: the event-level body is the same
    dict, and the aggregatable data names the original id for ``shared_info``, so an ad tech
    can join a debug copy with the report that arrives later.
    """
    kind = DEBUG_COPY_KINDS[report.kind]
    aggregatable = report.aggregatable
    if aggregatable is not None:
        aggregatable = dataclasses.replace(aggregatable, report_id=aggregatable.report_id or report.report_id)
    return Report(
        report_id=report_id,
        kind=kind,
        url=report_url(report.reporting_origin, kind),
        reporting_origin=report.reporting_origin,
        report_time_ms=time_ms,
        trigger_time_ms=time_ms,
        body=dict(report.body) if isinstance(report.body, dict) else report.body,
        aggregatable=aggregatable,
        source_id=report.source_id,
        context_site=report.context_site,
    )
