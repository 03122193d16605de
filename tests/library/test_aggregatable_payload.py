"""CBOR encoding, padding, HPKE and the single error type for bad payloads."""

from __future__ import annotations

import base64

import cbor2
import pytest

from attribution_reporting.aggregatable_payload import (
    PayloadError,
    cleartext_payload,
    decode_plaintext,
    decrypt_payload,
    encode_plaintext,
    encrypt_payload,
    padded_length,
    serialize_shared_info,
)
from attribution_reporting.coordinator_keys import generate_key_pair

SHARED_INFO = serialize_shared_info(
    {
        "version": "1.0",
        "api": "attribution-reporting",
        "scheduled_report_time": "3601",
        "reporting_origin": "https://reporter.test",
        "attribution_destination": "https://destination.test",
        "report_id": "21abd97f-73e8-4b88-9389-a9fee6abda5e",
    }
)


def test_shared_info_is_sorted_and_compact():
    assert SHARED_INFO == (
        '{"api":"attribution-reporting","attribution_destination":"https://destination.test",'
        '"report_id":"21abd97f-73e8-4b88-9389-a9fee6abda5e","reporting_origin":"https://reporter.test",'
        '"scheduled_report_time":"3601","version":"1.0"}'
    )


@pytest.mark.parametrize(("pad_to", "max_bytes", "length"), [(20, 1, 847), (2, 1, 109), (20, 2, 867)])
def test_padded_lengths_match_chromium(pad_to, max_bytes, length):
    assert len(encode_plaintext([(1, 2, 0)], filtering_id_max_bytes=max_bytes, pad_to=pad_to)) == length
    assert padded_length(pad_to, max_bytes) == length


def test_canonical_key_order_and_widths():
    plaintext = encode_plaintext([(0x559, 123, 257)], filtering_id_max_bytes=2, pad_to=1)
    raw = cbor2.loads(plaintext)
    assert list(raw) == ["data", "operation"]
    assert list(raw["data"][0]) == ["id", "value", "bucket"]
    assert raw["data"][0] == {
        "id": b"\x01\x01",
        "value": (123).to_bytes(4, "big"),
        "bucket": (0x559).to_bytes(16, "big"),
    }
    assert raw["operation"] == "histogram"


def test_decode_gives_integers_with_padding():
    decoded = decode_plaintext(encode_plaintext([(5, 6, 7)], pad_to=3))
    assert decoded == {
        "operation": "histogram",
        "data": [
            {"bucket": 5, "value": 6, "id": 7},
            {"bucket": 0, "value": 0, "id": 0},
            {"bucket": 0, "value": 0, "id": 0},
        ],
    }


def test_version_0_1_payload_without_id_decodes_with_id_zero():
    plaintext = cbor2.dumps({"operation": "histogram", "data": [{"bucket": b"\x01", "value": b"\x02"}]})
    assert decode_plaintext(plaintext)["data"] == [{"bucket": 1, "value": 2, "id": 0}]


@pytest.mark.parametrize(
    ("contributions", "max_bytes", "message"),
    [
        ([(2**128, 1, 0)], 1, "bucket"),
        ([(1, 2**32, 0)], 1, "value"),
        ([(1, 1, 256)], 1, "filtering id"),
        ([(1, -1, 0)], 1, "value"),
        ([(1, 1, 0)] * 21, 1, "exceed"),
        ([(1, 1, 0)], 9, "filtering_id_max_bytes"),
    ],
)
def test_encoding_rejects_out_of_range(contributions, max_bytes, message):
    with pytest.raises(PayloadError, match=message):
        encode_plaintext(contributions, filtering_id_max_bytes=max_bytes)


def test_round_trip_and_cleartext():
    pair = generate_key_pair("id")
    payload = encrypt_payload([(1, 2, 3)], pair.public_key, SHARED_INFO, filtering_id_max_bytes=8)
    assert len(base64.b64decode(payload)) == padded_length(20, 8) + 32 + 16
    decoded = decrypt_payload(payload, pair.private_key_b64(), SHARED_INFO)
    assert decoded["data"][0] == {"bucket": 1, "value": 2, "id": 3}
    assert (
        decode_plaintext(base64.b64decode(cleartext_payload([(1, 2, 3)], filtering_id_max_bytes=8)))
        == decoded
    )


def _payload_and_key():
    pair = generate_key_pair("id")
    return encrypt_payload([(1, 2, 0)], pair.public_key, SHARED_INFO), pair


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda p, k: ("not base64!", k.private_key, SHARED_INFO), id="bad-base64"),
        pytest.param(lambda p, k: (p, generate_key_pair("x").private_key, SHARED_INFO), id="wrong-key"),
        pytest.param(lambda p, k: (p, b"short", SHARED_INFO), id="bad-key-length"),
        pytest.param(lambda p, k: (p, "%%%", SHARED_INFO), id="bad-key-text"),
        pytest.param(lambda p, k: (p, k.private_key, SHARED_INFO + " "), id="other-shared-info"),
        pytest.param(lambda p, k: (p, k.private_key, None), id="no-shared-info"),
        pytest.param(lambda p, k: (None, k.private_key, SHARED_INFO), id="no-payload"),
        pytest.param(
            lambda p, k: (base64.b64encode(b"\x00" * 40).decode(), k.private_key, SHARED_INFO), id="too-short"
        ),
        pytest.param(
            lambda p, k: (
                base64.b64encode(base64.b64decode(p)[:-1] + bytes([base64.b64decode(p)[-1] ^ 1])).decode(),
                k.private_key,
                SHARED_INFO,
            ),
            id="tampered",
        ),
    ],
)
def test_bad_input_raises_payload_error(mutate):
    payload, pair = _payload_and_key()
    with pytest.raises(PayloadError):
        decrypt_payload(*mutate(payload, pair))


@pytest.mark.parametrize(
    "plaintext",
    [
        b"\xff\xff",
        cbor2.dumps([1, 2]),
        cbor2.dumps({"operation": 1, "data": []}),
        cbor2.dumps({"operation": "histogram"}),
        cbor2.dumps({"operation": "histogram", "data": [1]}),
        cbor2.dumps({"operation": "histogram", "data": [{"bucket": 1, "value": b"\x00"}]}),
        cbor2.dumps({"operation": "histogram", "data": [{"bucket": b"\x00" * 17, "value": b"\x00"}]}),
    ],
)
def test_bad_cbor_raises_payload_error(plaintext):
    with pytest.raises(PayloadError):
        decode_plaintext(plaintext)


def test_bad_cbor_inside_valid_encryption_raises_payload_error():
    from attribution_reporting.aggregatable_payload import encrypt_plaintext

    pair = generate_key_pair("id")
    payload = encrypt_plaintext(b"\x9f", pair.public_key, SHARED_INFO)
    with pytest.raises(PayloadError, match="CBOR"):
        decrypt_payload(payload, pair.private_key, SHARED_INFO)


def test_encrypt_rejects_bad_public_key():
    with pytest.raises(PayloadError, match="public key"):
        encrypt_payload([], b"\x00" * 31, SHARED_INFO)
