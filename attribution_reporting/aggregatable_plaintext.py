"""The plaintext of an aggregatable report's payload: CBOR, byte for byte as Chrome writes it.

Chrome encodes the histogram contributions as CBOR with its canonical ``cbor::Writer``
(map keys ordered length first) and pads them with zero contributions, so that the payload's
length says nothing about how many keys a trigger set. Encryption is in
:mod:`attribution_reporting.aggregatable_payload`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import Any

import cbor2

OPERATION = "histogram"

# Contributions a payload is padded to: the maximum number of aggregation keys for an
# attribution report, the maximum number of debug data contributions for a debug report.
ATTRIBUTION_PADDED_CONTRIBUTIONS = 20
DEBUG_PADDED_CONTRIBUTIONS = 2

BUCKET_BYTES = 16
VALUE_BYTES = 4
MAX_FILTERING_ID_MAX_BYTES = 8

Contribution = tuple[int, int, int]  # (bucket, value, filtering_id)


class PayloadError(ValueError):
    """A payload (or its key, or its contributions) that cannot be encoded or decoded."""


def padded_length(padded_contributions: int, filtering_id_max_bytes: int = 1) -> int:
    """Length in bytes of a padded plaintext, the number Chromium asserts on."""
    # Each map: header, "bucket" + 16-byte string, "value" + 4-byte string, "id" + string.
    per_contribution = 1 + (7 + 1 + BUCKET_BYTES) + (6 + 1 + VALUE_BYTES) + (3 + 1 + filtering_id_max_bytes)
    array_header = 1 if padded_contributions < 24 else 2 if padded_contributions < 256 else 3
    # map header + "data" key + array header + ... + "operation": "histogram"
    return 1 + 5 + array_header + padded_contributions * per_contribution + 10 + 10


def encode_plaintext(
    contributions: Iterable[Contribution],
    *,
    filtering_id_max_bytes: int = 1,
    pad_to: int = ATTRIBUTION_PADDED_CONTRIBUTIONS,
) -> bytes:
    """CBOR plaintext with ``contributions`` padded by zero contributions to ``pad_to``.

    Each contribution becomes ``{"bucket": 16-byte, "value": 4-byte, "id": max_bytes}``
    big-endian byte strings; the map is written canonically, as Chrome's writer does.
    """
    if not 1 <= filtering_id_max_bytes <= MAX_FILTERING_ID_MAX_BYTES:
        raise PayloadError(f"filtering_id_max_bytes must be in 1..8, not {filtering_id_max_bytes}")
    items = list(contributions)
    if len(items) > pad_to:
        raise PayloadError(f"{len(items)} contributions exceed the padded size {pad_to}")
    items += [(0, 0, 0)] * (pad_to - len(items))
    data = []
    for bucket, value, filtering_id in items:
        data.append(
            {
                "bucket": _to_bytes(bucket, BUCKET_BYTES, "bucket"),
                "value": _to_bytes(value, VALUE_BYTES, "value"),
                "id": _to_bytes(filtering_id, filtering_id_max_bytes, "filtering id"),
            }
        )
    return cbor2.dumps({"data": data, "operation": OPERATION}, canonical=True)


def decode_plaintext(plaintext: bytes) -> dict[str, Any]:
    """``{"operation", "data": [{"bucket", "value", "id"}, ...]}`` with integers, padding kept.

    A missing ``id`` (payload version 0.1) reads as filtering id 0, as the aggregation
    service does. Anything that is not such a map raises :class:`PayloadError`.
    """
    try:
        decoded = cbor2.loads(plaintext)
    except Exception as exc:  # cbor2 raises several unrelated types on bad input
        raise PayloadError(f"plaintext is not valid CBOR: {exc}") from None
    if not isinstance(decoded, dict):
        raise PayloadError("plaintext is not a CBOR map")
    operation = decoded.get("operation")
    data = decoded.get("data")
    if not isinstance(operation, str):
        raise PayloadError("plaintext has no text 'operation'")
    if not isinstance(data, list):
        raise PayloadError("plaintext has no 'data' array")
    out = []
    for index, entry in enumerate(data):
        # The common case is checked inline: this runs for every padded contribution of
        # every report an aggregation job reads.
        if type(entry) is not dict:
            raise PayloadError(f"data[{index}] is not a map")
        bucket = entry.get("bucket")
        value = entry.get("value")
        fid = entry.get("id", b"")
        if not (
            type(bucket) is bytes
            and len(bucket) <= BUCKET_BYTES
            and type(value) is bytes
            and len(value) <= VALUE_BYTES
            and type(fid) is bytes
            and len(fid) <= MAX_FILTERING_ID_MAX_BYTES
        ):
            _from_bytes(bucket, BUCKET_BYTES, f"data[{index}].bucket")
            _from_bytes(value, VALUE_BYTES, f"data[{index}].value")
            _from_bytes(fid, MAX_FILTERING_ID_MAX_BYTES, f"data[{index}].id")
        out.append(
            {
                "bucket": int.from_bytes(bucket, "big"),
                "value": int.from_bytes(value, "big"),
                "id": int.from_bytes(fid, "big"),
            }
        )
    return {"operation": operation, "data": out}


def histogram_contributions(plaintext: bytes) -> tuple[str, list[Contribution]]:
    """The operation and the contributions that are not padding, as ``(bucket, value, id)``.

    What :func:`decode_plaintext` gives once padding is dropped, and it fails on exactly the
    same inputs, but an aggregation job calls it once per report and most of a padded
    payload is padding: a Chrome payload ends with identical zero contributions, byte for
    byte, before ``"operation": "histogram"``. Those trailing copies are recognised as bytes
    and only what precedes them goes through CBOR decoding. Anything laid out differently
    takes the general path.
    """
    fast = _without_trailing_padding(plaintext)
    if fast is not None:
        return OPERATION, fast
    decoded = decode_plaintext(plaintext)
    kept = [(c["bucket"], c["value"], c["id"]) for c in decoded["data"] if c["bucket"] or c["value"]]
    return decoded["operation"], kept


def without_padding(decoded: Mapping[str, Any]) -> list[dict[str, int]]:
    """The contributions of a decoded payload that are not padding (bucket 0 and value 0)."""
    return [c for c in decoded["data"] if c["bucket"] or c["value"]]


# Canonical layout of a histogram plaintext: {"data": [...], "operation": "histogram"}.
_HEAD = b"\xa2\x64data"
_TAIL = b"\x69operation\x69histogram"
_MAX_DEPTH = cbor2.CBORDecoder(io.BytesIO()).max_depth
_ARRAY_HEADERS = [bytes((0x80 + n,)) for n in range(24)]
_PADDING_VALUE_BUCKET = b"\x65value\x44" + bytes(VALUE_BYTES) + b"\x66bucket\x50" + bytes(BUCKET_BYTES)
# One padding contribution as Chrome encodes it, for each filtering id width (none: payload 0.1).
_PADDING_ENTRIES = tuple(
    b"\xa3\x62id" + bytes([0x40 + width]) + bytes(width) + _PADDING_VALUE_BUCKET
    for width in range(1, MAX_FILTERING_ID_MAX_BYTES + 1)
) + (b"\xa2" + _PADDING_VALUE_BUCKET,)


def _without_trailing_padding(plaintext: Any) -> list[Contribution] | None:
    """The non-padding contributions of a canonical plaintext, or None to decode it in full.

    The plaintext must be ``_HEAD``, an array header for n entries, the entries, then
    ``_TAIL``. The k trailing entries that equal a padding entry byte for byte are cut; the
    rest is decoded as an array of n - k items that must end exactly where the padding
    starts. A CBOR parse of the whole plaintext then reads the same n - k items, k zero
    contributions and the operation, so nothing is accepted that the general path refuses.
    """
    if type(plaintext) is not bytes or not plaintext.startswith(_HEAD) or not plaintext.endswith(_TAIL):
        return None
    header = plaintext[6]  # after _HEAD
    if 0x80 <= header <= 0x97:
        count, start = header - 0x80, 7
    elif header == 0x98:
        count, start = plaintext[7], 8
    else:
        return None
    end = len(plaintext) - len(_TAIL)
    for entry in _PADDING_ENTRIES:
        if plaintext.endswith(entry, start, end):
            break
    else:
        return None
    size = len(entry)
    most = min(count, (end - start) // size)
    # Usually the first padding entry starts the run of them that ends the array.
    padding = (end - plaintext.find(entry, start, end)) // size
    if not (padding <= most and plaintext.endswith(entry * padding, start, end)):
        padding = _trailing_copies(plaintext, entry, start, end, most)
        if padding == 0:
            return None
    kept = count - padding
    if kept == 0:
        return [] if end - start == padding * size else None
    header = _ARRAY_HEADERS[kept] if kept < 24 else bytes((0x98, kept))
    rest = header + plaintext[start : end - padding * size]
    stream = io.BytesIO(rest)
    try:  # one level shallower than inside the map, so the nesting limit is one less
        entries = cbor2.CBORDecoder(stream, max_depth=_MAX_DEPTH - 1).decode()
    except Exception:  # left to the general path, which reports it
        return None
    if stream.tell() != len(rest):
        return None
    out = []
    from_bytes = int.from_bytes
    for entry in entries:
        if type(entry) is not dict:
            return None
        bucket = entry.get("bucket")
        value = entry.get("value")
        fid = entry.get("id", b"")
        if (
            type(bucket) is not bytes
            or type(value) is not bytes
            or type(fid) is not bytes
            or len(bucket) > BUCKET_BYTES
            or len(value) > VALUE_BYTES
            or len(fid) > MAX_FILTERING_ID_MAX_BYTES
        ):
            return None
        bucket_int = from_bytes(bucket, "big")
        value_int = from_bytes(value, "big")
        if bucket_int or value_int:
            out.append((bucket_int, value_int, from_bytes(fid, "big")))
    return out


def _trailing_copies(data: bytes, entry: bytes, start: int, end: int, most: int) -> int:
    """How many copies of ``entry`` ``data[start:end]`` ends with, at most ``most``."""
    # Bisection: "ends with k copies" holds for every k up to the answer.
    low, high = 0, most
    while low < high:
        middle = (low + high + 1) // 2
        if data.endswith(entry * middle, start, end):
            low = middle
        else:
            high = middle - 1
    return low


def _to_bytes(number: int, size: int, what: str) -> bytes:
    if isinstance(number, bool) or not isinstance(number, int):
        raise PayloadError(f"{what} must be an integer")
    if not 0 <= number < 1 << (8 * size):
        raise PayloadError(f"{what} {number} does not fit in {size} bytes")
    return number.to_bytes(size, "big")


def _from_bytes(raw: Any, max_size: int, what: str) -> int:
    if not isinstance(raw, bytes):
        raise PayloadError(f"{what} is not a byte string")
    if len(raw) > max_size:
        raise PayloadError(f"{what} is longer than {max_size} bytes")
    return int.from_bytes(raw, "big")
