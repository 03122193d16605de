"""Aggregation of one shard of a report batch, and the merge of shards into a summary.

No Django here: a shard reads Avro records one at a time, decrypts each payload with the
coordinator's private keys (through ``attribution_reporting.aggregatable_payload``), drops
repeated ``report_id``s, sums contributions per bucket for the job's filtering IDs and
collects the privacy budget units the batch spends. Shards of one job split the reports
by a hash of their ``report_id``, so a repeated report always lands in the shard that saw
it first and no shard needs another shard's memory.
"""

from __future__ import annotations

import base64
import functools
import json
import sqlite3
import tempfile
import uuid
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from attribution_reporting import aggregatable_payload as payloads

from .budget import ATTRIBUTION_APIS, BudgetUnit, budget_unit

SUPPORTED_APIS = (*ATTRIBUTION_APIS, "protected-audience", "shared-storage")
MAX_REPORT_AGE_SECONDS = 90 * 24 * 3600

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


class FatalJobError(Exception):
    """A condition that fails the whole job, with the service's return code."""

    def __init__(self, return_code: str, message: str):
        super().__init__(message)
        self.return_code = return_code
        self.message = message


class ReportError(Exception):
    def __init__(self, category: str):
        super().__init__(category)
        self.category = category


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


class ReportIdSet:
    """Report IDs seen so far, on disk: memory stays flat however large the batch."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="aggregation-ids-")
        self._db = sqlite3.connect(Path(self._dir.name) / "ids.sqlite3", isolation_level=None)
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-8000;"
            "CREATE TABLE ids (id BLOB PRIMARY KEY) WITHOUT ROWID; BEGIN;"
        )
        self._insert = "INSERT OR IGNORE INTO ids VALUES (?)"

    def add(self, report_id: bytes) -> bool:
        """True if ``report_id`` is new."""
        return self._db.execute(self._insert, (report_id,)).rowcount == 1

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()


def parse_shared_info(text: str) -> dict[str, Any]:
    """The shared_info fields the service checks; ReportError (or FatalJobError) if unusable."""
    try:
        info = json.loads(text)
    except ValueError:
        raise ReportError("REQUIRED_SHAREDINFO_FIELD_INVALID") from None
    if not isinstance(info, dict):
        raise ReportError("REQUIRED_SHAREDINFO_FIELD_INVALID")
    version = info.get("version")
    if not isinstance(version, str):
        raise ReportError("REQUIRED_SHAREDINFO_FIELD_INVALID")
    major = version.split(".", 1)[0]
    if not major.isdigit():
        raise ReportError("UNSUPPORTED_SHAREDINFO_VERSION")
    if int(major) > 1:
        raise FatalJobError(
            "UNSUPPORTED_REPORT_VERSION",
            f"A report has shared_info version {version}; the service reads 0.x and 1.x.",
        )
    if version in ("0", "0.0"):
        raise ReportError("UNSUPPORTED_SHAREDINFO_VERSION")
    if info.get("api") not in SUPPORTED_APIS:
        raise ReportError("UNSUPPORTED_REPORT_API_TYPE")
    for name in ("reporting_origin", "report_id", "scheduled_report_time"):
        if not isinstance(info.get(name), str) or not info[name]:
            raise ReportError("REQUIRED_SHAREDINFO_FIELD_INVALID")
    if info["api"] in ATTRIBUTION_APIS and not isinstance(info.get("attribution_destination"), str):
        raise ReportError("REQUIRED_SHAREDINFO_FIELD_INVALID")
    for name in ("scheduled_report_time", "source_registration_time"):
        value = info.get(name)
        if value is not None and not (isinstance(value, str) and value.isdigit()):
            raise ReportError("REQUIRED_SHAREDINFO_FIELD_INVALID")
    try:
        info["_id"] = uuid.UUID(info["report_id"]).bytes
    except ValueError:
        raise ReportError("REQUIRED_SHAREDINFO_FIELD_INVALID") from None
    return info


def _open_payload(payload: bytes, key: bytes | None, shared_info: str) -> bytes:
    """The CBOR plaintext of a payload: decrypted with ``key``, or as is (cleartext).

    Avro carries raw bytes; the library's ``decrypt_plaintext`` takes base64, so the bytes
    are re-encoded unless the library offers ``decrypt_plaintext_bytes(sealed, key, info)``.
    """
    if key is None:
        return payload
    fast = getattr(payloads, "decrypt_plaintext_bytes", None)
    try:
        if fast is not None:
            return fast(payload, key, shared_info)
        return payloads.decrypt_plaintext(base64.b64encode(payload).decode("ascii"), key, shared_info)
    except payloads.PayloadError:
        raise ReportError("DECRYPTION_ERROR") from None


def _decode(plaintext: bytes, *, encrypted: bool) -> dict[str, Any]:
    try:
        decoded = payloads.decode_plaintext(plaintext)
    except payloads.PayloadError:
        raise ReportError("REPORT_PARSING_ERROR" if encrypted else "DECRYPTION_KEY_NOT_FOUND") from None
    if decoded["operation"] != payloads.OPERATION:
        raise ReportError("UNSUPPORTED_OPERATION")
    return decoded


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
    """Aggregate the records of shard ``spec.shard_index`` (of ``spec.shard_count``)."""
    result = ShardResult()
    seen = ReportIdSet()
    sums = result.sums
    wanted = spec.filtering_ids
    site = _site(spec.reporting_site) if spec.reporting_site else None
    try:
        for record in records:
            result.scanned += 1
            if progress is not None and result.scanned % progress_every == 0:
                progress(result.scanned)
            text = record["shared_info"]
            try:
                info = parse_shared_info(text)
            except ReportError as err:
                if spec.shard_index == 0:  # reports without a usable id belong to shard 0
                    result.reports += 1
                    result.errors[err.category] += 1
                continue
            report_id = info["_id"]
            if spec.shard_count > 1 and zlib.crc32(report_id) % spec.shard_count != spec.shard_index:
                continue
            result.reports += 1
            try:
                _check(info, spec, site)
                key_id = record["key_id"]
                key = keys.get(key_id)
                if key is None and not spec.accept_cleartext:
                    raise ReportError("DECRYPTION_KEY_NOT_FOUND")
                decoded = _decode(_open_payload(record["payload"], key, text), encrypted=key is not None)
            except ReportError as err:
                result.errors[err.category] += 1
                continue
            if not seen.add(report_id):
                result.duplicates += 1
                continue
            result.accepted += 1
            for fid in wanted:
                unit = budget_unit(info, fid)
                if unit not in result.units:
                    result.units[unit] = {"relevant_shared_info": text, "filtering_id": fid}
            for contribution in decoded["data"]:
                bucket, value = contribution["bucket"], contribution["value"]
                if (bucket or value) and contribution["id"] in wanted:
                    sums[bucket] = sums.get(bucket, 0) + value
    finally:
        seen.close()
    if progress is not None:
        progress(result.scanned)
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
