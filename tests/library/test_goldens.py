"""Chrome's golden aggregatable reports: decryption, byte-exact encoding and round trips."""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from attribution_reporting import PayloadError, decrypt_payload
from attribution_reporting.aggregatable_payload import (
    decode_plaintext,
    decrypt_plaintext,
    encode_plaintext,
    padded_length,
    without_padding,
)
from attribution_reporting.aggregatable_report import build_body, interop_payload
from attribution_reporting.coordinator_keys import generate_key_pair, key_set_of, parse_public_keys
from attribution_reporting.reports import AggregatableData
from tests.vectors import vector_files, vectors

FOLDERS = ("latest", "debug-latest")
REPORTS = [
    p
    for folder in FOLDERS
    for p in vector_files(f"goldens/{folder}", "report_*.json")
    if p.stem[-1].isdigit()
]


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _companion(path: Path, suffix: str) -> Path:
    return path.with_name(f"{path.stem}_{suffix}.json")


def _private_key(path: Path) -> str:
    return (path.parent / "private_key.txt").read_text().strip()


def _pad_to(report: dict) -> int:
    return 2 if json.loads(report["shared_info"])["api"] == "attribution-reporting-debug" else 20


def test_goldens_present():
    assert len(list(vectors("goldens/latest").glob("report_*_decoded.json"))) == 19
    assert len(list(vectors("goldens/debug-latest").glob("report_*_decoded.json"))) == 6


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_golden_decrypts_to_its_cleartext_and_decoding(path: Path):
    report = _load(path)
    cleartexts = _load(_companion(path, "cleartext_payloads"))
    decoded_expected = _load(_companion(path, "decoded"))
    key = _private_key(path)
    payloads = report["aggregation_service_payloads"]
    assert len(payloads) == len(cleartexts) == len(decoded_expected)
    for payload, cleartext, expected in zip(payloads, cleartexts, decoded_expected, strict=True):
        plaintext = decrypt_plaintext(payload["payload"], key, report["shared_info"])
        assert plaintext == base64.b64decode(cleartext)
        decoded = decrypt_payload(payload["payload"], key, report["shared_info"])
        assert decoded["operation"] == expected["operation"]
        assert without_padding(decoded) == [
            {"bucket": c["bucket"], "value": c["value"], "id": c["id"]} for c in expected["data"]
        ]
        assert len(decoded["data"]) == _pad_to(report)
        if "debug_cleartext_payload" in payload:
            assert base64.b64decode(payload["debug_cleartext_payload"]) == plaintext


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_encoder_reproduces_chromes_plaintext_bytes(path: Path):
    report = _load(path)
    (cleartext,) = _load(_companion(path, "cleartext_payloads"))
    plaintext = base64.b64decode(cleartext)
    decoded = decode_plaintext(plaintext)
    id_bytes = len(_raw_id_bytes(plaintext))
    contributions = [(c["bucket"], c["value"], c["id"]) for c in without_padding(decoded)]
    ours = encode_plaintext(contributions, filtering_id_max_bytes=id_bytes, pad_to=_pad_to(report))
    assert ours == plaintext
    assert len(ours) == padded_length(_pad_to(report), id_bytes)


def _raw_id_bytes(plaintext: bytes) -> bytes:
    return cbor2.loads(plaintext)["data"][0]["id"]


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_our_report_for_the_same_contributions_matches_in_length_and_decrypts(path: Path):
    report = _load(path)
    shared = json.loads(report["shared_info"])
    (expected,) = _load(_companion(path, "decoded"))
    (cleartext,) = _load(_companion(path, "cleartext_payloads"))
    golden_plaintext = base64.b64decode(cleartext)
    pair = generate_key_pair("example_id")
    data = AggregatableData(
        api=shared["api"],
        attribution_destination=shared["attribution_destination"],
        reporting_origin=shared["reporting_origin"],
        scheduled_report_time=int(shared["scheduled_report_time"]),
        source_registration_time=int(shared["source_registration_time"])
        if "source_registration_time" in shared
        else None,
        contributions=[(c["bucket"], c["value"], c["id"]) for c in expected["data"]],
        filtering_id_max_bytes=len(_raw_id_bytes(golden_plaintext)),
        aggregation_coordinator_origin=report["aggregation_coordinator_origin"],
        source_debug_key=int(report["source_debug_key"]) if "source_debug_key" in report else None,
        trigger_debug_key=int(report["trigger_debug_key"]) if "trigger_debug_key" in report else None,
        trigger_context_id=report.get("trigger_context_id"),
    )
    body = build_body(data, shared["report_id"], key_set_of(pair), random.Random(1))
    # The same body Chrome sent, apart from the ciphertext (fresh key, fresh HPKE randomness).
    assert body["shared_info"] == report["shared_info"]
    assert sorted(body) == sorted(report)
    ours = body["aggregation_service_payloads"][0]
    theirs = report["aggregation_service_payloads"][0]
    assert sorted(ours) == sorted(theirs)
    assert len(base64.b64decode(ours["payload"])) == len(base64.b64decode(theirs["payload"]))
    plaintext = decrypt_plaintext(ours["payload"], pair.private_key, body["shared_info"])
    assert len(plaintext) == len(golden_plaintext)
    assert plaintext == golden_plaintext
    assert interop_payload(data)["shared_info"] == {k: v for k, v in shared.items() if k != "report_id"}


def test_golden_public_key_set_parses_and_matches_private_key():
    folder = vectors("goldens/latest")
    key_set = parse_public_keys((folder / "public_key.json").read_text())
    private = X25519PrivateKey.from_private_bytes(base64.b64decode((folder / "private_key.txt").read_text()))
    assert key_set.keys[0].id == "example_id"
    assert key_set.keys[0].key == private.public_key().public_bytes_raw()


def test_golden_fails_cleanly_with_altered_shared_info():
    path = vectors("goldens/latest") / "report_1.json"
    report = _load(path)
    altered = report["shared_info"].replace("report.test", "reporter.test")
    with pytest.raises(PayloadError, match="does not decrypt"):
        decrypt_payload(report["aggregation_service_payloads"][0]["payload"], _private_key(path), altered)


@pytest.mark.parametrize("pad_to", [20, 2])
def test_fresh_key_round_trip(pad_to: int):
    pair = generate_key_pair("k1")
    data = AggregatableData(
        api="attribution-reporting" if pad_to == 20 else "attribution-reporting-debug",
        attribution_destination="https://shop.example",
        reporting_origin="https://adtech.example",
        scheduled_report_time=1_700_000_000,
        contributions=[(2**128 - 1, 65536, 0), (0x559, 1, 0)],
        aggregation_coordinator_origin="https://coordinator.example",
    )
    body = build_body(data, "21abd97f-73e8-4b88-9389-a9fee6abda5e", key_set_of(pair), random.Random(0))
    decoded = decrypt_payload(
        body["aggregation_service_payloads"][0]["payload"], pair.private_key, body["shared_info"]
    )
    assert len(decoded["data"]) == pad_to
    assert without_padding(decoded) == [
        {"bucket": 2**128 - 1, "value": 65536, "id": 0},
        {"bucket": 0x559, "value": 1, "id": 0},
    ]
    other = generate_key_pair("k2")
    with pytest.raises(PayloadError):
        decrypt_payload(
            body["aggregation_service_payloads"][0]["payload"], other.private_key, body["shared_info"]
        )
