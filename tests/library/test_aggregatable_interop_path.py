"""Every aggregatable report the engine makes in the interop cases survives the real wire path.

The interop runner prints aggregatable reports from their data; here each one is also
assembled as Chrome would POST it (CBOR, padding, HPKE to a coordinator key), decrypted
again and printed from the ciphertext, and both forms must agree. Only aggregatable
reports are compared, so the check depends on the engine running a case, not on the
engine getting the case right.
"""

from __future__ import annotations

import json
import random

import pytest

from attribution_reporting import interop
from attribution_reporting.aggregatable_payload import decode_plaintext, decrypt_plaintext, padded_length
from attribution_reporting.aggregatable_report import build_body, decrypted_interop_payload, interop_payload
from attribution_reporting.coordinator_keys import generate_key_pair, key_set_of
from tests.vectors import load_jsonc, vector_files

PAIR = generate_key_pair("interop", bytes(range(1, 33)))
KEYS = key_set_of(PAIR)


def _cases():
    out = []
    for path in vector_files("interop"):
        if path.name != "default_config.json" and "histograms" in path.read_text(encoding="utf-8"):
            out.append(pytest.param(path, id=path.stem))
    return out


@pytest.mark.parametrize("path", _cases())
def test_wire_path_matches_interop_form(path, monkeypatch):
    checked = []
    original = interop.payload_of

    def payload_of(report):
        if report.aggregatable is None:
            return original(report)
        data = report.aggregatable
        body = build_body(data, report.report_id, KEYS, random.Random(0))
        shortcut = interop_payload(data)
        assert decrypted_interop_payload(body, PAIR.private_key) == shortcut
        plaintext = decrypt_plaintext(
            body["aggregation_service_payloads"][0]["payload"], PAIR.private_key, body["shared_info"]
        )
        pad_to = 2 if data.api == "attribution-reporting-debug" else 20
        assert len(decode_plaintext(plaintext)["data"]) == pad_to
        assert len(plaintext) == padded_length(pad_to, data.filtering_id_max_bytes)
        assert json.loads(body["shared_info"])["report_id"] == report.report_id
        checked.append(report.report_id)
        return shortcut

    monkeypatch.setattr(interop, "payload_of", payload_of)
    interop.run(load_jsonc(path))
    assert checked, "the engine made no aggregatable report for a case that expects some"
