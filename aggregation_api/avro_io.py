"""The service's Avro formats (reports, output domain, summary and debug summary) and JSON.

Schemas are those of ``protocol/avro/*.avsc`` in Google's repository. Reports are read one
record at a time, so a batch of any size is never held in memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import fastavro

REPORT_SCHEMA = fastavro.parse_schema(
    {
        "type": "record",
        "name": "AggregatableReport",
        "fields": [
            {"name": "payload", "type": "bytes"},
            {"name": "key_id", "type": "string"},
            {"name": "shared_info", "type": "string"},
        ],
    }
)
DOMAIN_SCHEMA = fastavro.parse_schema(
    {
        "type": "record",
        "name": "AggregationBucket",
        "fields": [{"name": "bucket", "type": "bytes"}],
    }
)
RESULT_SCHEMA = fastavro.parse_schema(
    {
        "type": "record",
        "name": "AggregatedFact",
        "fields": [{"name": "bucket", "type": "bytes"}, {"name": "metric", "type": "long"}],
    }
)
DEBUG_RESULT_SCHEMA = fastavro.parse_schema(
    {
        "type": "record",
        "name": "DebugAggregatedFact",
        "fields": [
            {"name": "bucket", "type": "bytes"},
            {"name": "unnoised_metric", "type": "long"},
            {"name": "noise", "type": "long"},
            {
                "name": "annotations",
                "type": {
                    "type": "array",
                    "items": {"type": "enum", "name": "bucket_tags", "symbols": ["in_domain", "in_reports"]},
                },
            },
        ],
    }
)


class InputError(ValueError):
    """An input file that cannot be read as the service's Avro format."""


def avro_files(location: Path) -> list[Path]:
    """A file, or every file under a folder (a blob prefix), in name order."""
    if location.is_file():
        return [location]
    if location.is_dir():
        return sorted(p for p in location.rglob("*") if p.is_file())
    parent = location.parent
    if parent.is_dir():  # a prefix: every file whose name starts with it
        return sorted(p for p in parent.iterdir() if p.is_file() and p.name.startswith(location.name))
    return []


def count_records(paths: Iterable[Path]) -> int:
    """Number of records, from the Avro block headers (payloads are not decoded)."""
    total = 0
    for path in paths:
        try:
            with path.open("rb") as fh:
                total += sum(block.num_records for block in fastavro.block_reader(fh))
        except (ValueError, EOFError, OSError, StopIteration) as exc:
            raise InputError(f"{path.name} is not an Avro file: {exc}") from None
    return total


def iter_reports(paths: Iterable[Path]) -> Iterator[dict[str, Any]]:
    """Report records one at a time: ``{"payload": bytes, "key_id": str, "shared_info": str}``.

    A batch written in the report schema itself is read as written: resolving it against
    the same schema would give the same records at twice the cost per record.
    """
    for path in paths:
        try:
            with path.open("rb") as fh:
                reader = fastavro.reader(fh)
                if not _is_report_schema(reader.writer_schema):
                    fh.seek(0)
                    reader = fastavro.reader(fh, reader_schema=REPORT_SCHEMA)
                yield from reader
        except (ValueError, EOFError, OSError, StopIteration, fastavro.read.SchemaResolutionError) as exc:
            raise InputError(f"{path.name} is not a report batch in the service's schema: {exc}") from None


_REPORT_FIELDS = [("payload", "bytes"), ("key_id", "string"), ("shared_info", "string")]


def _is_report_schema(schema: Any) -> bool:
    """True for exactly the service's report record: same name, same fields in the same order."""
    if not isinstance(schema, dict) or schema.get("type") != "record" or "namespace" in schema:
        return False
    fields = schema.get("fields")
    return (
        schema.get("name") == "AggregatableReport"
        and isinstance(fields, list)
        and all(isinstance(f, dict) for f in fields)
        and [(f.get("name"), f.get("type")) for f in fields] == _REPORT_FIELDS
    )


def read_domain(paths: Iterable[Path]) -> list[int]:
    """The output domain's buckets (big-endian, at most 16 bytes each), deduplicated and sorted."""
    buckets: set[int] = set()
    for path in paths:
        try:
            with path.open("rb") as fh:
                for record in fastavro.reader(fh, reader_schema=DOMAIN_SCHEMA):
                    raw = record["bucket"]
                    if len(raw) > 16:
                        raise InputError(f"{path.name}: a bucket is {len(raw)} bytes, more than 16")
                    buckets.add(int.from_bytes(raw, "big"))
        except (ValueError, EOFError, OSError, StopIteration, fastavro.read.SchemaResolutionError) as exc:
            if isinstance(exc, InputError):
                raise
            raise InputError(f"{path.name} is not an output domain in the service's schema: {exc}") from None
    return sorted(buckets)


def bucket_bytes(bucket: int) -> bytes:
    """Minimal-length big-endian bytes, as the service writes summaries (0 is empty)."""
    return bucket.to_bytes((bucket.bit_length() + 7) // 8, "big")


def bucket_bytes16(bucket: int) -> bytes:
    """16-byte big-endian bytes, as output domains and payloads carry buckets."""
    return bucket.to_bytes(16, "big")


def write_reports(path: Path, records: Iterable[dict[str, Any]]) -> None:
    with path.open("wb") as fh:
        fastavro.writer(fh, REPORT_SCHEMA, records)


def write_domain(path: Path, buckets: Iterable[int]) -> None:
    with path.open("wb") as fh:
        fastavro.writer(fh, DOMAIN_SCHEMA, ({"bucket": bucket_bytes16(b)} for b in buckets))


def write_summary(path: Path, facts: Iterable[tuple[int, int]], *, as_json: bool) -> None:
    """``facts`` = (bucket, metric) pairs, in the Avro or the Avro-JSON encoding."""
    rows = ({"bucket": bucket_bytes(b), "metric": m} for b, m in facts)
    _write(path, RESULT_SCHEMA, rows, as_json)


def write_debug_summary(
    path: Path, facts: Iterable[tuple[int, int, int, list[str]]], *, as_json: bool
) -> None:
    """``facts`` = (bucket, unnoised, noise, annotations)."""
    rows = (
        {"bucket": bucket_bytes(b), "unnoised_metric": u, "noise": n, "annotations": a}
        for b, u, n, a in facts
    )
    _write(path, DEBUG_RESULT_SCHEMA, rows, as_json)


def read_summary(path: Path) -> list[dict[str, Any]]:
    """A summary (or debug summary) in either encoding, buckets as integers."""
    if path.suffix == ".json":
        rows = json.loads(path.read_text(encoding="utf-8"))
        for row in rows:
            row["bucket"] = row["bucket"].encode("latin-1")
    else:
        with path.open("rb") as fh:
            rows = list(fastavro.reader(fh))
    for row in rows:
        row["bucket"] = int.from_bytes(row["bucket"], "big")
    return rows


def _write(path: Path, schema: Any, rows: Iterable[dict[str, Any]], as_json: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not as_json:
        with path.open("wb") as fh:
            fastavro.writer(fh, schema, rows)
        return
    # Avro's JSON encoding: bytes are a string of ISO-8859-1 code points.
    with path.open("w", encoding="utf-8") as fh:
        fh.write("[")
        for index, row in enumerate(rows):
            row = {**row, "bucket": row["bucket"].decode("latin-1")}
            fh.write(("," if index else "") + _json_text(row))
        fh.write("]")


def _json_text(row: dict[str, Any]) -> str:
    text = json.dumps(row, ensure_ascii=False, separators=(",", ":"))
    # Jackson escapes the C1 controls too; keep the text ASCII-safe there.
    return "".join(f"\\u{ord(c):04x}" if 0x7F <= ord(c) <= 0x9F else c for c in text)
