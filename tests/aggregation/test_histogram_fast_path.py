"""``histogram_contributions`` (padding skipped as bytes) agrees with ``decode_plaintext`` on every input."""

from __future__ import annotations

import base64
import random

import cbor2
import pytest

from attribution_reporting import aggregatable_payload, aggregatable_plaintext


def _reference(plaintext):
    """What the engine used to compute: decode everything, then drop the padding."""
    try:
        decoded = aggregatable_payload.decode_plaintext(plaintext)
    except aggregatable_payload.PayloadError:
        return "error"
    return decoded["operation"], [
        (c["bucket"], c["value"], c["id"]) for c in decoded["data"] if c["bucket"] or c["value"]
    ]


def _fast(plaintext):
    try:
        return aggregatable_payload.histogram_contributions(plaintext)
    except aggregatable_payload.PayloadError:
        return "error"


CASES = [
    ([(1 << 120 | 5, 3, 0), (2 << 120, 100, 0)], 1, 20),
    ([(1, 2, 3)], 8, 20),
    ([(1, 2, 3), (4, 5, 6)], 3, 2),  # a debug report: padded to two
    ([], 1, 20),  # padding only
    ([(i + 1, i, i % 3) for i in range(20)], 2, 20),  # no padding at all
    ([(0, 0, 0), (7, 1, 0)], 1, 20),  # a real zero contribution, dropped like padding
    ([(0, 0, 5), (7, 1, 0)], 1, 20),  # zero bucket and value with a filtering id: dropped too
    ([(5, 0, 1)], 1, 20),  # value 0, bucket set: kept
    ([(1, 1, 0)], 1, 30),  # 30 entries: a two-byte array header
    ([(1, 1, 0)] * 25, 1, 30),  # more than 23 real entries
    ([(1, 1, 0)], 1, 1),
]


@pytest.mark.parametrize(("contributions", "width", "pad_to"), CASES)
def test_chrome_plaintexts_give_the_same_contributions(contributions, width, pad_to):
    plaintext = aggregatable_payload.encode_plaintext(
        contributions, filtering_id_max_bytes=width, pad_to=pad_to
    )
    assert _fast(plaintext) == _reference(plaintext)
    assert _fast(plaintext) != "error"


def test_the_byte_path_is_taken_for_chrome_payloads():
    plaintext = aggregatable_payload.encode_plaintext([(3, 4, 0)])
    assert aggregatable_plaintext._without_trailing_padding(plaintext) == [(3, 4, 0)]


def _canonical(data, operation="histogram"):
    return cbor2.dumps({"data": data, "operation": operation}, canonical=True)


def _entry(bucket=0, value=0, fid=None):
    entry = {"bucket": bucket.to_bytes(16, "big"), "value": value.to_bytes(4, "big")}
    if fid is not None:
        entry["id"] = fid.to_bytes(1, "big")
    return entry


def test_payload_without_filtering_ids_reads_id_zero():
    plaintext = _canonical([_entry(9, 2)] + [_entry()] * 19)  # payload version 0.1
    assert aggregatable_plaintext._without_trailing_padding(plaintext) == [(9, 2, 0)]
    assert _fast(plaintext) == _reference(plaintext) == ("histogram", [(9, 2, 0)])


OTHER_LAYOUTS = [
    cbor2.dumps(
        {"operation": "histogram", "data": [_entry(1, 1, 0)] + [_entry(0, 0, 0)] * 3}
    ),  # keys reordered
    _canonical([_entry(1, 1, 0)] + [_entry(0, 0, 0)] * 3, operation="count"),
    _canonical([_entry(1, 1, 0), 5] + [_entry(0, 0, 0)] * 3),  # an entry that is not a map
    _canonical([{**_entry(1, 1, 0), "bucket": "text"}] + [_entry(0, 0, 0)] * 3),
    _canonical([{**_entry(1, 1, 0), "bucket": bytes(17)}] + [_entry(0, 0, 0)] * 3),
    _canonical([{**_entry(1, 1, 0), "extra": [1, 2]}] + [_entry(0, 0, 0)] * 3),  # extra keys are ignored
    _canonical([_entry(0, 0, 0)] * 4),
    cbor2.dumps([1, 2]),
    b"",
    b"\xa2\x64data",
]


@pytest.mark.parametrize("plaintext", OTHER_LAYOUTS, ids=range(len(OTHER_LAYOUTS)))
def test_other_layouts_agree_with_the_general_decoder(plaintext):
    assert _fast(plaintext) == _reference(plaintext)


def _spliced(plaintext: bytes, garbage: bytes) -> bytes:
    """``garbage`` inserted between the real entries and the padding, the array count unchanged."""
    padding = aggregatable_plaintext._PADDING_ENTRIES[0]
    at = plaintext.find(padding)
    return plaintext[:at] + garbage + plaintext[at:]


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x00",
        b"\xf7",
        b"\x40",
        b"\xa0",
        b"\x80",
        aggregatable_plaintext._PADDING_ENTRIES[0][:-1],
        b"\x5f\x40\xff",
    ],
)
def test_bytes_between_the_entries_and_the_padding_are_not_skipped(garbage):
    plaintext = _spliced(aggregatable_payload.encode_plaintext([(1, 2, 0), (3, 4, 0)], pad_to=6), garbage)
    assert _fast(plaintext) == _reference(plaintext)


def test_mutated_plaintexts_agree_with_the_general_decoder():
    rng = random.Random(20260101)
    originals = [
        aggregatable_payload.encode_plaintext(c, filtering_id_max_bytes=w, pad_to=p) for c, w, p in CASES
    ]
    checked = disagreements = 0
    for _ in range(3000):
        data = bytearray(rng.choice(originals))
        for _ in range(rng.randint(1, 3)):
            kind = rng.random()
            at = rng.randrange(len(data))
            if kind < 0.5:
                data[at] = rng.randrange(256)
            elif kind < 0.75:
                del data[at]
            else:
                data.insert(at, rng.randrange(256))
        plaintext = bytes(data)
        checked += 1
        disagreements += _fast(plaintext) != _reference(plaintext)
    assert checked == 3000 and disagreements == 0


def test_public_decoder_still_returns_the_padding():
    decoded = aggregatable_payload.decode_plaintext(
        aggregatable_payload.encode_plaintext([(1, 2, 0)], pad_to=5)
    )
    assert len(decoded["data"]) == 5


def test_a_loaded_key_decrypts_as_the_raw_key_and_its_base64_do():
    from attribution_reporting import coordinator_keys

    pair = coordinator_keys.generate_key_pair("k")
    plaintext = aggregatable_payload.encode_plaintext([(1, 2, 0)])
    sealed = base64.b64decode(aggregatable_payload.encrypt_plaintext(plaintext, pair.public_key, "{}"))
    loaded = aggregatable_payload.load_private_key(pair.private_key)
    assert aggregatable_payload.load_private_key(loaded) is loaded
    for key in (loaded, pair.private_key, base64.b64encode(pair.private_key).decode()):
        assert aggregatable_payload.decrypt_plaintext_bytes(sealed, key, "{}") == plaintext
        assert aggregatable_payload.decrypt_plaintext_bytes(bytearray(sealed), key, "{}") == plaintext
        with pytest.raises(aggregatable_payload.PayloadError):
            aggregatable_payload.decrypt_plaintext_bytes(sealed, key, "{ }")
    with pytest.raises(aggregatable_payload.PayloadError):
        aggregatable_payload.load_private_key(b"\x01" * 31)
    with pytest.raises(aggregatable_payload.PayloadError):
        aggregatable_payload.decrypt_plaintext_bytes(sealed, loaded, None)
