"""Chrome's golden reports: every payload decrypts with the goldens' key and aggregates to their sums."""

from __future__ import annotations

import base64
import json
from collections import Counter

import pytest

from aggregation import engine
from tests.vectors import vector_files, vectors


def _reports(sub: str) -> list:
    return [p for p in vector_files(sub, "report_*.json") if not p.stem.endswith(("_decoded", "_payloads"))]


REPORTS = _reports("goldens/latest")
DEBUG_REPORTS = _reports("goldens/debug-latest")


def _key(sub: str = "goldens/latest") -> dict[str, bytes]:
    folder = vectors(sub)
    return {"example_id": base64.b64decode((folder / "private_key.txt").read_text().strip())}


def _records(path):
    report = json.loads(path.read_text())
    for p in report["aggregation_service_payloads"]:
        yield {
            "payload": base64.b64decode(p["payload"]),
            "key_id": p["key_id"],
            "shared_info": report["shared_info"],
        }


def _expected(path) -> Counter:
    sums: Counter = Counter()
    for payload in json.loads(path.with_name(path.stem + "_decoded.json").read_text()):
        for c in payload["data"]:
            sums[(c["bucket"], c["id"])] += c["value"]
    return sums


def test_there_are_golden_reports():
    vectors("goldens/latest")
    assert len(REPORTS) == 19


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.stem)
def test_golden_report_aggregates_to_its_decoded_contents(path):
    expected = _expected(path)
    for fid in {fid for _, fid in expected} | {0}:
        result = engine.aggregate_shard(
            _records(path), _key(), engine.ShardSpec(filtering_ids=frozenset({fid}))
        )
        assert not result.errors, result.errors
        assert result.accepted == 1
        want = {b: v for (b, f), v in expected.items() if f == fid}
        assert result.sums == want


def test_all_goldens_sum_to_the_sum_of_their_decoded_files():
    expected: Counter = Counter()
    merged = engine.ShardResult()
    for path in REPORTS:
        expected.update(_expected(path))
        # Each golden is its own batch: they all share one report_id, which a single batch would deduplicate.
        ids = frozenset(f for _, f in _expected(path)) | {0}
        merged.merge(engine.aggregate_shard(_records(path), _key(), engine.ShardSpec(filtering_ids=ids)))
    assert merged.accepted == len(REPORTS)
    totals: Counter = Counter()
    for (bucket, _fid), value in expected.items():
        totals[bucket] += value
    assert merged.sums == dict(totals)


def test_one_batch_of_goldens_keeps_only_the_first_copy_of_a_report_id():
    records = [r for path in REPORTS for r in _records(path)]
    result = engine.aggregate_shard(records, _key(), engine.ShardSpec())
    assert result.accepted == 1
    assert result.duplicates == len(REPORTS) - 1
    assert result.sums == {b: v for (b, f), v in _expected(REPORTS[0]).items() if f == 0}


def test_wrong_key_is_a_decryption_error_and_unknown_key_id_is_not_found():
    vectors("goldens/latest")
    wrong = {"example_id": bytes(range(32))}
    result = engine.aggregate_shard(_records(REPORTS[0]), wrong, engine.ShardSpec())
    assert result.errors == {"DECRYPTION_ERROR": 1}
    result = engine.aggregate_shard(_records(REPORTS[0]), {}, engine.ShardSpec())
    assert result.errors == {"DECRYPTION_KEY_NOT_FOUND": 1}


def test_altered_shared_info_does_not_decrypt():
    vectors("goldens/latest")
    record = next(_records(REPORTS[0]))
    record["shared_info"] = record["shared_info"].replace("report.test", "other.test")
    result = engine.aggregate_shard([record], _key(), engine.ShardSpec())
    assert result.errors == {"DECRYPTION_ERROR": 1}


@pytest.mark.parametrize("path", DEBUG_REPORTS, ids=lambda p: p.stem)
def test_golden_aggregatable_debug_report_aggregates_to_its_decoded_contents(path):
    expected = _expected(path)
    ids = frozenset(f for _, f in expected) | {0}
    result = engine.aggregate_shard(
        _records(path), _key("goldens/debug-latest"), engine.ShardSpec(filtering_ids=ids)
    )
    assert not result.errors and result.accepted == 1
    totals: Counter = Counter()
    for (bucket, _fid), value in expected.items():
        totals[bucket] += value
    assert result.sums == dict(totals)
