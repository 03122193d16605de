"""Aggregation of one shard of a report batch, and the merge of shards into a summary.

No Django here: a shard reads Avro records one at a time, decrypts each payload with the
coordinator's private keys (through ``attribution_reporting.aggregatable_payload``), drops
repeated ``report_id``s, sums contributions per bucket for the job's filtering IDs and
collects the privacy budget units the batch spends. Shards of one job split the reports
by a hash of their ``report_id``, so a repeated report always lands in the shard that saw
it first and no shard needs another shard's memory.
"""

from __future__ import annotations

import functools
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aggregation_api.budget import BudgetUnit, budget_unit
from attribution_reporting import aggregatable_payload as payloads
from attribution_reporting.time_units import DAY_S

from .report_ids import ReportIdSet
from .shared_info import SUPPORTED_APIS as SUPPORTED_APIS  # re-exported: services use engine.*
from .shared_info import FatalJobError as FatalJobError  # re-exported
from .shared_info import ReportError, parse_shared_info

MAX_REPORT_AGE_SECONDS = 90 * DAY_S

# Error categories and their descriptions, as the service reports them in error_summary.
ERROR_DESCRIPTIONS = {
    "ATTRIBUTION_REPORT_TO_MISMATCH": "Report's reporting origin did not match the job's attribution_report_to.",
    "REPORTING_SITE_MISMATCH": "Report's reporting origin did not belong to the job's reporting_site.",
    "DEBUG_NOT_ENABLED": "Reports without debug mode enabled cannot be processed in a debug run.",
    "DECRYPTION_KEY_NOT_FOUND": "Could not find the decryption key on the coordinator.",
    "DECRYPTION_ERROR": "Unable to decrypt the report (wrong key, altered payload or shared_info).",
    "REPORT_PARSING_ERROR": "The decrypted payload is not a valid CBOR histogram payload.",
    "UNSUPPORTED_OPERATION": "Report's operation is not 'histogram'.",
    "UNSUPPORTED_SHAREDINFO_VERSION": "Report's shared_info version is not supported.",
    "UNSUPPORTED_REPORT_API_TYPE": "Report's api is not one the service aggregates.",
    "REQUIRED_SHAREDINFO_FIELD_INVALID": "A shared_info field the service needs is missing or malformed.",
    "ORIGINAL_REPORT_TIME_TOO_OLD": "Report's scheduled_report_time is more than 90 days old.",
    "NUM_REPORTS_WITH_ERRORS": "Total number of reports that had an error. These reports were not aggregated.",
}


@dataclass(frozen=True)
class ShardSpec:
    """What a shard aggregates and how; ``now`` (epoch seconds) enables the age check."""

    filtering_ids: frozenset[int] = frozenset({0})
    debug_run: bool = False
    accept_cleartext: bool = False
    attribution_report_to: str | None = None
    reporting_site: str | None = None
    now: int | None = None
    shard_index: int = 0
    shard_count: int = 1


@dataclass
class ShardResult:
    scanned: int = 0
    reports: int = 0
    accepted: int = 0
    duplicates: int = 0
    sums: dict[int, int] = field(default_factory=dict)
    errors: Counter = field(default_factory=Counter)
    units: dict[BudgetUnit, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "scanned": self.scanned,
            "reports": self.reports,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "sums": {str(b): v for b, v in self.sums.items()},
            "errors": dict(self.errors),
            "units": [[u.key, u.hour, u.reporting_origin, info] for u, info in self.units.items()],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ShardResult:
        return cls(
            scanned=data["scanned"],
            reports=data["reports"],
            accepted=data["accepted"],
            duplicates=data["duplicates"],
            sums={int(b): v for b, v in data["sums"].items()},
            errors=Counter(data["errors"]),
            units={BudgetUnit(k, h, o): info for k, h, o, info in data["units"]},
        )

    def merge(self, other: ShardResult) -> ShardResult:
        self.scanned += other.scanned
        self.reports += other.reports
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        for bucket, value in other.sums.items():
            self.sums[bucket] = self.sums.get(bucket, 0) + value
        self.errors.update(other.errors)
        for unit, info in other.units.items():
            self.units.setdefault(unit, info)
        return self

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def _loaded_key(raw: Any) -> Any:
    """The key parsed once for the whole shard; as given if unusable, so each report's decryption fails."""
    try:
        return payloads.load_private_key(raw)
    except payloads.PayloadError:
        return raw


@functools.lru_cache(maxsize=256)
def _site(origin: str) -> str | None:
    """Cached: a batch holds few reporting origins and every report is checked against them."""
    from attribution_reporting.sites import site_of

    try:
        return site_of(origin)
    except ValueError:
        return None


def aggregate_shard(
    records: Iterable[Mapping[str, Any]],
    keys: Mapping[str, bytes],
    spec: ShardSpec,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 5000,
) -> ShardResult:
    """Aggregate the records of shard ``spec.shard_index`` (of ``spec.shard_count``).

    This loop runs once per report of a batch that may hold millions: state lives in
    locals, and each report's budget unit is computed only when its fields are new.
    """
    result = ShardResult()
    sums, errors, units = result.sums, result.errors, result.units
    wanted = spec.filtering_ids
    site = _site(spec.reporting_site) if spec.reporting_site else None
    checking = bool(spec.debug_run or spec.attribution_report_to or site or spec.now is not None)
    first_shard = spec.shard_index == 0
    shard_count, shard_index = spec.shard_count, spec.shard_index
    accept_cleartext = spec.accept_cleartext
    decrypt, contributions_of = payloads.decrypt_plaintext_bytes, payloads.histogram_contributions
    unit_fields: set[tuple[Any, ...]] = set()
    loaded: dict[str, Any] = {}  # key id -> key ready for HPKE; only ids that are in ``keys``
    scanned = reports = accepted = duplicates = 0
    with ReportIdSet() as seen:
        for record in records:
            scanned += 1
            if progress is not None and scanned % progress_every == 0:
                progress(scanned)
            text = record["shared_info"]
            try:
                info = parse_shared_info(text)
            except ReportError as err:
                if first_shard:  # reports without a usable id belong to shard 0
                    reports += 1
                    errors[err.category] += 1
                continue
            report_id = info["_id"]
            if shard_count > 1 and zlib.crc32(report_id) % shard_count != shard_index:
                continue
            reports += 1
            try:
                if checking:
                    _check(info, spec, site)
                key_id = record["key_id"]
                key = loaded.get(key_id)
                if key is None and key_id in keys:
                    key = loaded[key_id] = _loaded_key(keys[key_id])
                if key is not None:
                    try:
                        plaintext = decrypt(record["payload"], key, text)
                    except payloads.PayloadError:
                        raise ReportError("DECRYPTION_ERROR") from None
                elif accept_cleartext:
                    plaintext = record["payload"]
                else:
                    raise ReportError("DECRYPTION_KEY_NOT_FOUND")
                try:
                    operation, contributions = contributions_of(plaintext)
                except payloads.PayloadError:
                    raise ReportError(
                        "REPORT_PARSING_ERROR" if key is not None else "DECRYPTION_KEY_NOT_FOUND"
                    ) from None
                if operation != payloads.OPERATION:
                    raise ReportError("UNSUPPORTED_OPERATION")
            except ReportError as err:
                errors[err.category] += 1
                continue
            if not seen.add(report_id):
                duplicates += 1
                continue
            accepted += 1
            # budget_unit reads exactly these fields: reports that share them share units.
            scheduled = int(info["scheduled_report_time"])
            fields = (
                info["api"],
                info["version"],
                info["reporting_origin"],
                info.get("attribution_destination"),
                info.get("source_registration_time"),
                scheduled - scheduled % 3600,
            )
            if fields not in unit_fields:
                unit_fields.add(fields)
                for fid in wanted:
                    unit = budget_unit(info, fid)
                    if unit not in units:
                        units[unit] = {"relevant_shared_info": text, "filtering_id": fid}
            for bucket, value, fid in contributions:  # padding is already left out
                if fid in wanted:
                    sums[bucket] = sums.get(bucket, 0) + value
    result.scanned, result.reports = scanned, reports
    result.accepted, result.duplicates = accepted, duplicates
    if progress is not None:
        progress(scanned)
    return result


def _check(info: dict[str, Any], spec: ShardSpec, site: str | None) -> None:
    if spec.debug_run and info.get("debug_mode") != "enabled":
        raise ReportError("DEBUG_NOT_ENABLED")
    if spec.attribution_report_to and info["reporting_origin"] != spec.attribution_report_to:
        raise ReportError("ATTRIBUTION_REPORT_TO_MISMATCH")
    if site and _site(info["reporting_origin"]) != site:
        raise ReportError("REPORTING_SITE_MISMATCH")
    if spec.now is not None and int(info["scheduled_report_time"]) < spec.now - MAX_REPORT_AGE_SECONDS:
        raise ReportError("ORIGINAL_REPORT_TIME_TOO_OLD")


def error_summary(result: ShardResult) -> list[dict[str, Any]]:
    """``error_counts`` as getJob shows them, with the total last."""
    counts = [
        {"category": c, "count": n, "description": ERROR_DESCRIPTIONS.get(c, c)}
        for c, n in sorted(result.errors.items())
        if n
    ]
    if counts:
        counts.append(
            {
                "category": "NUM_REPORTS_WITH_ERRORS",
                "count": result.error_count,
                "description": ERROR_DESCRIPTIONS["NUM_REPORTS_WITH_ERRORS"],
            }
        )
    return counts


def exceeds_threshold(result: ShardResult, threshold_percentage: float) -> bool:
    """True when the share of reports with errors is above the job's threshold."""
    if not result.reports:
        return False
    return result.error_count * 100.0 / result.reports > threshold_percentage
