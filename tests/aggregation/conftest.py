"""Fixtures for the aggregation service: an isolated var/ folder, a coordinator key, batches."""

from __future__ import annotations

import base64
import time
import uuid
from pathlib import Path

import pytest

from aggregation_api import avro_io
from attribution_reporting import aggregatable_payload

ORIGIN = "https://adtech.localhost"
DESTINATION = "https://shop.localhost"
HOUR = int(time.time()) // 3600 * 3600 - 7200  # recent: the service refuses reports over 90 days old


def shared_info(report_id: str | None = None, *, hour: int = HOUR, debug: bool = True, **extra) -> str:
    info = {
        "api": "attribution-reporting",
        "attribution_destination": DESTINATION,
        "report_id": report_id or str(uuid.uuid4()),
        "reporting_origin": ORIGIN,
        "scheduled_report_time": str(hour + 120),
        "source_registration_time": str(hour - hour % 86400),
        "version": "1.0",
        **extra,
    }
    if debug:
        info["debug_mode"] = "enabled"
    return aggregatable_payload.serialize_shared_info(info)


def encrypted_record(public_key: bytes, key_id: str, contributions, **info_kw) -> dict:
    text = shared_info(**info_kw)
    payload = aggregatable_payload.encrypt_payload(contributions, public_key, text)
    return {"payload": base64.b64decode(payload), "key_id": key_id, "shared_info": text}


def cleartext_record(contributions, **info_kw) -> dict:
    text = shared_info(**info_kw)
    return {
        "payload": aggregatable_payload.encode_plaintext(contributions),
        "key_id": "unused",
        "shared_info": text,
    }


@pytest.fixture
def agg_var(settings, tmp_path) -> Path:
    """Jobs, buckets and partial sums under a temporary var/ folder."""
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def coordinator_key(db):
    from aggregation.keys import ensure_active_key

    key, _ = ensure_active_key()
    return key


def write_batch(path: Path, records) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    avro_io.write_reports(path, records)
    return path


def write_domain(path: Path, buckets) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    avro_io.write_domain(path, buckets)
    return path
