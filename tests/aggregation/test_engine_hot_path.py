"""The per-report path of a shard: shared_info checks, the report id set, Avro reading, and
the shard's results compared with a plain computation of what the service does."""

from __future__ import annotations

import base64
import functools
import itertools
import json
import random
import uuid
from collections import Counter

import fastavro
import pytest

from aggregation import engine, report_ids
from aggregation.shared_info import SUPPORTED_APIS, FatalJobError, ReportError, parse_shared_info
from aggregation_api import avro_io
from aggregation_api.budget import ATTRIBUTION_APIS, budget_unit
from attribution_reporting import aggregatable_payload

from .conftest import HOUR, cleartext_record, encrypted_record, shared_info

# --- shared_info -------------------------------------------------------------------------


def _reference_parse(text):
    """The checks one at a time, in the service's order, with the standard library only."""
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
        raise FatalJobError("UNSUPPORTED_REPORT_VERSION", version)
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
        if value is not None and not (isinstance(value, str) and value.isdecimal()):
            raise ReportError("REQUIRED_SHAREDINFO_FIELD_INVALID")
    try:
        info["_id"] = uuid.UUID(info["report_id"]).bytes
    except ValueError:
        raise ReportError("REQUIRED_SHAREDINFO_FIELD_INVALID") from None
    return info


def _outcome(parse, text):
    try:
        return "ok", parse(text)
    except ReportError as err:
        return "error", err.category
    except FatalJobError as err:
        return "fatal", err.return_code


BASE = json.loads(shared_info("3a2b8c3e-1f2a-4b5c-8d9e-0f1a2b3c4d5e"))
VARIANTS = {
    "version": [None, 1, "", "0", "0.0", "0.1", "1", "1.0", "1.5", "2.0", "x.1", "01.0"],
    "api": [None, "attribution-reporting-debug", "protected-audience", "shared-storage", "other", 3],
    "report_id": [
        None,
        "",
        "3A2B8C3E-1F2A-4B5C-8D9E-0F1A2B3C4D5E",
        "{3a2b8c3e-1f2a-4b5c-8d9e-0f1a2b3c4d5e}",
        "urn:uuid:3a2b8c3e-1f2a-4b5c-8d9e-0f1a2b3c4d5e",
        "3a2b8c3e1f2a4b5c8d9e0f1a2b3c4d5e",
        "3a2b8c3e-1f2a-4b5c-8d9e-0f1a2b3c4d5",
        "3a2b8c3e-1f2a-4b5c-8d9e-0f1a2b3c4d5g",
        "3a 2b8c3e-1f2a-4b5c-8d9e-0f1a2b3c4d5e",
        "0x2b8c3e-1f2a-4b5c-8d9e-0f1a2b3c4d5e00",
        7,
    ],
    "reporting_origin": [None, "", "https://other.example", ["x"]],
    "attribution_destination": [None, "", 5],
    "scheduled_report_time": [None, "", "12a", "²", "١٢٣", " 12", 1234, "1767225600"],
    "source_registration_time": [None, "", "²", "0", 12],
}


def _variants():
    for name, values in VARIANTS.items():
        for value in values:
            info = dict(BASE)
            if value is None:
                info.pop(name, None)
            else:
                info[name] = value
            yield json.dumps(info, separators=(",", ":"))
    text = json.dumps(BASE, separators=(",", ":"))
    yield from (" " + text, text + "\n", text + "x", "[1]", '"text"', "", "{", text.replace("{", "{ ", 1))


@pytest.mark.parametrize("text", list(_variants()))
def test_shared_info_checks_agree_with_the_checks_one_by_one(text):
    assert _outcome(parse_shared_info, text) == _outcome(_reference_parse, text)


def test_unicode_digit_that_int_refuses_is_a_field_error_not_a_crash():
    text = shared_info(scheduled_report_time="²")
    assert _outcome(parse_shared_info, text) == ("error", "REQUIRED_SHAREDINFO_FIELD_INVALID")


# --- report id set -------------------------------------------------------------------------


@pytest.mark.parametrize(("limit", "bits"), [(1, 8), (3, 64), (50, 1 << 12), (10_000, 1 << 16)])
def test_report_id_set_matches_a_set_while_it_spills(limit, bits):
    rng = random.Random(limit)
    pool = [rng.randbytes(16) for _ in range(300)]
    expected: set[bytes] = set()
    with report_ids.ReportIdSet(memory_limit=limit, filter_bits=bits) as seen:
        for _ in range(1500):
            report_id = rng.choice(pool)
            assert seen.add(report_id) == (report_id not in expected)
            expected.add(report_id)
        assert len(seen) == len(expected)
        assert (seen.on_disk > 0) == (len(expected) >= limit)
        folder = seen._dir.name if seen._dir is not None else None
    if folder is not None:
        from pathlib import Path

        assert not Path(folder).exists()


def test_report_id_set_rejects_a_filter_size_that_is_not_a_power_of_two():
    with pytest.raises(ValueError):
        report_ids.ReportIdSet(filter_bits=1000)


# --- Avro reading --------------------------------------------------------------------------


def test_batches_in_another_field_order_are_resolved_to_the_report_schema(tmp_path):
    schema = {
        "type": "record",
        "name": "AggregatableReport",
        "fields": [
            {"name": "shared_info", "type": "string"},
            {"name": "key_id", "type": "string"},
            {"name": "payload", "type": "bytes"},
            {"name": "extra", "type": "long", "default": 0},
        ],
    }
    path = tmp_path / "other.avro"
    with path.open("wb") as fh:
        fastavro.writer(fh, schema, [{"shared_info": "s", "key_id": "k", "payload": b"p", "extra": 3}])
    assert list(avro_io.iter_reports([path])) == [{"payload": b"p", "key_id": "k", "shared_info": "s"}]
    assert not avro_io._is_report_schema(schema)


def test_batches_in_the_report_schema_are_read_as_written(tmp_path):
    path = tmp_path / "same.avro"
    records = [{"payload": bytes([i]), "key_id": "k", "shared_info": str(i)} for i in range(3)]
    avro_io.write_reports(path, records)
    with path.open("rb") as fh:
        assert avro_io._is_report_schema(fastavro.reader(fh).writer_schema)
    assert list(avro_io.iter_reports([path])) == records


def test_batch_in_an_unrelated_schema_is_an_input_error(tmp_path):
    path = tmp_path / "domain.avro"
    avro_io.write_domain(path, [1, 2])
    with pytest.raises(avro_io.InputError):
        list(avro_io.iter_reports([path]))


# --- the shard against a plain computation ---------------------------------------------------


def _plain_aggregate(records, keys, wanted):
    """Decrypt, decode with padding, dedupe by UUID, sum and collect units, one step at a time."""
    sums: Counter = Counter()
    errors: Counter = Counter()
    units: dict = {}
    seen: set = set()
    accepted = duplicates = 0
    for record in records:
        try:
            info = _reference_parse(record["shared_info"])
        except ReportError as err:
            errors[err.category] += 1
            continue
        key = keys.get(record["key_id"])
        if key is None:
            plaintext = record["payload"]
        else:
            try:
                plaintext = aggregatable_payload.decrypt_plaintext_bytes(
                    record["payload"], key, record["shared_info"]
                )
            except aggregatable_payload.PayloadError:
                errors["DECRYPTION_ERROR"] += 1
                continue
        try:
            decoded = aggregatable_payload.decode_plaintext(plaintext)
        except aggregatable_payload.PayloadError:
            errors["REPORT_PARSING_ERROR" if key is not None else "DECRYPTION_KEY_NOT_FOUND"] += 1
            continue
        if decoded["operation"] != "histogram":
            errors["UNSUPPORTED_OPERATION"] += 1
            continue
        if info["_id"] in seen:
            duplicates += 1
            continue
        seen.add(info["_id"])
        accepted += 1
        for fid in wanted:
            units.setdefault(
                budget_unit(info, fid), {"relevant_shared_info": record["shared_info"], "filtering_id": fid}
            )
        for c in decoded["data"]:
            if (c["bucket"] or c["value"]) and c["id"] in wanted:
                sums[c["bucket"]] += c["value"]
    return dict(sums), errors, units, accepted, duplicates


def _mixed_batch(public_key, key_id):
    rng = random.Random(7)
    ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(40)]
    records = []
    for i in range(160):
        report_id = ids[i % 40] if i % 5 else ids[rng.randrange(40)]
        hour = HOUR - 3600 * (i % 3)
        contributions = [
            (rng.randrange(6), rng.randrange(1, 9), rng.randrange(3)) for _ in range(rng.randrange(4))
        ]
        kw = {"report_id": report_id, "hour": hour, "scheduled_report_time": str(hour + rng.randrange(3600))}
        if i % 7 == 0:
            kw["attribution_destination"] = "https://other-shop.localhost"
        if i % 2:
            records.append(encrypted_record(public_key, key_id, contributions, **kw))
        else:
            records.append(cleartext_record(contributions, **kw))
    # Errors of every kind the per-report path can give.
    records.append({**records[1], "shared_info": records[3]["shared_info"]})  # shared_info of another report
    records.append({**records[1], "key_id": "unknown"})  # unknown key, not a cleartext plaintext
    records.append(cleartext_record([(1, 1, 0)], api="nope"))
    records.append(cleartext_record([(1, 1, 0)], version="0"))
    records.append({**cleartext_record([(1, 1, 0)]), "payload": b"\xa1\x61x\x01"})
    records.append(
        {
            **cleartext_record([(1, 1, 0)]),
            "payload": aggregatable_payload.encode_plaintext([(1, 1, 0)])[:-9] + b"\x65count",
        }
    )
    records.append(cleartext_record([(1, 1, 0)], report_id="not-a-uuid"))
    text = shared_info()
    for plaintext in (
        b"\xa1\x61x\x01",
        aggregatable_payload.encode_plaintext([(1, 1, 0)])[:-3],
    ):  # sealed, but not a histogram
        sealed = base64.b64decode(aggregatable_payload.encrypt_plaintext(plaintext, public_key, text))
        records.append({"payload": sealed, "key_id": key_id, "shared_info": text})
    return records


@pytest.mark.parametrize("id_set", [report_ids.ReportIdSet, functools.partial(report_ids.ReportIdSet, 4, 64)])
def test_shard_matches_a_plain_computation(monkeypatch, id_set):
    from attribution_reporting import coordinator_keys

    pair = coordinator_keys.generate_key_pair("k1")
    records = _mixed_batch(pair.public_key, pair.id)
    keys = {pair.id: pair.private_key}
    wanted = frozenset({0, 2})
    monkeypatch.setattr(engine, "ReportIdSet", id_set)
    result = engine.aggregate_shard(
        records, keys, engine.ShardSpec(filtering_ids=wanted, accept_cleartext=True)
    )
    sums, errors, units, accepted, duplicates = _plain_aggregate(records, keys, wanted)
    assert (result.sums, result.errors, result.accepted, result.duplicates) == (
        sums,
        errors,
        accepted,
        duplicates,
    )
    assert result.units == units
    assert result.scanned == result.reports == len(records)
    assert (
        30 < accepted <= 40
        and duplicates > 100
        and len(units) > 2
        and set(errors)
        >= {
            "DECRYPTION_ERROR",
            "UNSUPPORTED_REPORT_API_TYPE",
            "UNSUPPORTED_SHAREDINFO_VERSION",
            "REPORT_PARSING_ERROR",
            "REQUIRED_SHAREDINFO_FIELD_INVALID",
        }
    )


def test_shards_partition_the_batch_and_merge_to_the_whole():
    records = [
        cleartext_record([(i % 4, 1, 0)], report_id=str(uuid.UUID(int=i, version=4))) for i in range(60)
    ]
    records += records[:10]  # repeated ids land in the shard of their first copy
    spec = engine.ShardSpec(accept_cleartext=True)
    whole = engine.aggregate_shard(records, {}, spec)
    parts = [
        engine.aggregate_shard(
            records, {}, engine.ShardSpec(accept_cleartext=True, shard_index=i, shard_count=3)
        )
        for i in range(3)
    ]
    merged = engine.ShardResult()
    for part in parts:
        merged.merge(part)
    assert all(p.accepted for p in parts)
    assert (merged.sums, merged.accepted, merged.duplicates) == (whole.sums, 60, 10)
    assert merged.units == whole.units


def test_budget_units_keep_the_shared_info_of_the_first_report_of_each_unit():
    first = cleartext_record([(1, 1, 0)], hour=HOUR)
    same_hour = cleartext_record([(1, 1, 0)], hour=HOUR, scheduled_report_time=str(HOUR + 3000))
    next_hour = cleartext_record([(1, 1, 0)], hour=HOUR + 3600)
    result = engine.aggregate_shard(
        [first, same_hour, next_hour], {}, engine.ShardSpec(accept_cleartext=True)
    )
    assert sorted(u.hour for u in result.units) == [HOUR, HOUR + 3600]
    by_hour = {u.hour: info["relevant_shared_info"] for u, info in result.units.items()}
    assert by_hour[HOUR] == first["shared_info"]


def test_a_key_that_does_not_load_makes_each_report_a_decryption_error():
    records = [cleartext_record([(1, 1, 0)]) for _ in range(3)]
    for r in records:
        r["key_id"] = "short"
    result = engine.aggregate_shard(records, {"short": b"\x01" * 5}, engine.ShardSpec())
    assert result.errors == {"DECRYPTION_ERROR": 3}


def test_progress_is_reported_every_n_records_and_at_the_end():
    records = [cleartext_record([(1, 1, 0)]) for _ in range(7)]
    seen: list[int] = []
    engine.aggregate_shard(
        records, {}, engine.ShardSpec(accept_cleartext=True), seen.append, progress_every=3
    )
    assert seen == [3, 6, 7]


def test_many_distinct_reports_spill_to_disk_and_stay_exact(monkeypatch):
    monkeypatch.setattr(engine, "ReportIdSet", functools.partial(report_ids.ReportIdSet, 100, 1 << 10))
    payload = aggregatable_payload.encode_plaintext([(1, 1, 0)])
    texts = [shared_info(str(uuid.UUID(int=i + 1, version=4))) for i in range(700)]
    records = [
        {"payload": payload, "key_id": "-", "shared_info": t} for t in itertools.chain(texts, texts[::7])
    ]
    result = engine.aggregate_shard(records, {}, engine.ShardSpec(accept_cleartext=True))
    assert (result.accepted, result.duplicates, result.sums) == (700, 100, {1: 700})
