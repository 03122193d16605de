"""The encrypted payload of an aggregatable report, byte for byte as Chrome makes it.

Chrome encodes the histogram contributions as CBOR with its canonical ``cbor::Writer``
(map keys ordered length first), pads them with zero contributions so that the payload's
length says nothing about how many keys a trigger set, and seals the bytes with HPKE
(DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305) whose *info* is
``"aggregation_service" + shared_info``: the aggregation service can then only decrypt a
payload together with the exact ``shared_info`` string it was sent with. The output
``enc || ciphertext`` is base64 encoded.

Everything here is pure: the only randomness is HPKE's ephemeral key, drawn by the
cryptography library itself as the RFC requires.
"""

from __future__ import annotations

import base64
import binascii
import functools
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

import cbor2
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite

HPKE_INFO_PREFIX = b"aggregation_service"
OPERATION = "histogram"

# Contributions a payload is padded to: the maximum number of aggregation keys for an
# attribution report, the maximum number of debug data contributions for a debug report.
ATTRIBUTION_PADDED_CONTRIBUTIONS = 20
DEBUG_PADDED_CONTRIBUTIONS = 2

BUCKET_BYTES = 16
VALUE_BYTES = 4
MAX_FILTERING_ID_MAX_BYTES = 8
X25519_KEY_BYTES = 32
ENC_BYTES = 32
TAG_BYTES = 16

_SUITE = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.CHACHA20_POLY1305)
_LOADED_KEY_TYPE = type(X25519PrivateKey.from_private_bytes(bytes(X25519_KEY_BYTES)))

Contribution = tuple[int, int, int]  # (bucket, value, filtering_id)


class PayloadError(ValueError):
    """A payload (or its key, or its contributions) that cannot be encoded or decoded."""


def serialize_shared_info(shared_info: Mapping[str, Any]) -> str:
    """Chrome's ``shared_info`` string: keys sorted, no whitespace.

    Chrome writes it with ``base::JSONWriter`` over a ``base::Value::Dict``, which orders
    keys alphabetically. Receivers must keep the exact string: it is the HPKE info.
    """
    return json.dumps(dict(shared_info), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


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


def encrypt_plaintext(plaintext: bytes, public_key: bytes, shared_info: str) -> str:
    """HPKE-seal ``plaintext`` to a coordinator's raw X25519 ``public_key``; base64 out."""
    if not isinstance(public_key, bytes | bytearray) or len(public_key) != X25519_KEY_BYTES:
        raise PayloadError("public key must be 32 raw X25519 bytes")
    key = X25519PublicKey.from_public_bytes(bytes(public_key))
    sealed = _SUITE.encrypt(plaintext, key, info=_info(shared_info))
    return base64.b64encode(sealed).decode("ascii")


def encrypt_payload(
    contributions: Iterable[Contribution],
    public_key: bytes,
    shared_info: str,
    *,
    filtering_id_max_bytes: int = 1,
    pad_to: int = ATTRIBUTION_PADDED_CONTRIBUTIONS,
) -> str:
    """Encode and seal ``contributions``: the ``payload`` field of a report."""
    plaintext = encode_plaintext(contributions, filtering_id_max_bytes=filtering_id_max_bytes, pad_to=pad_to)
    return encrypt_plaintext(plaintext, public_key, shared_info)


def decrypt_plaintext(payload_b64: str, private_key: bytes | str, shared_info: str) -> bytes:
    """The CBOR bytes inside a base64 ``payload``; :class:`PayloadError` if they cannot be had."""
    return decrypt_plaintext_bytes(_b64decode(payload_b64, "payload"), private_key, shared_info)


def decrypt_plaintext_bytes(
    sealed: bytes, private_key: bytes | str | X25519PrivateKey, shared_info: str
) -> bytes:
    """As :func:`decrypt_plaintext`, for a payload already as bytes (Avro report batches).

    ``private_key`` may also be a key from :func:`load_private_key`: a job that opens
    thousands of payloads with one key then skips checking and looking it up each time.
    """
    if type(sealed) is not bytes:
        if not isinstance(sealed, bytes | bytearray):
            raise PayloadError("payload must be bytes")
        sealed = bytes(sealed)
    if len(sealed) < ENC_BYTES + TAG_BYTES:
        raise PayloadError("payload is too short to be an HPKE ciphertext")
    key = private_key if type(private_key) is _LOADED_KEY_TYPE else load_private_key(private_key)
    if type(shared_info) is not str:
        raise PayloadError("shared_info must be the report's shared_info string")
    try:
        return _SUITE.decrypt(sealed, key, info=HPKE_INFO_PREFIX + shared_info.encode("utf-8"))
    except InvalidTag:
        raise PayloadError(
            "payload does not decrypt: wrong key, altered ciphertext or a different shared_info"
        ) from None
    except Exception as exc:  # e.g. a low-order encapsulated key
        raise PayloadError(f"payload does not decrypt: {exc}") from None


def decrypt_payload(payload_b64: str, private_key: bytes | str, shared_info: str) -> dict[str, Any]:
    """Decrypt and decode a report's ``payload``, padding included.

    ``private_key`` is the raw 32-byte X25519 key or its base64 text (as in the goldens'
    ``private_key.txt``). Returns ``{"operation": str, "data": [{"bucket", "value", "id"}]}``.
    """
    return decode_plaintext(decrypt_plaintext(payload_b64, private_key, shared_info))


def cleartext_payload(
    contributions: Iterable[Contribution],
    *,
    filtering_id_max_bytes: int = 1,
    pad_to: int = ATTRIBUTION_PADDED_CONTRIBUTIONS,
) -> str:
    """``debug_cleartext_payload``: the base64 of the unencrypted plaintext."""
    plaintext = encode_plaintext(contributions, filtering_id_max_bytes=filtering_id_max_bytes, pad_to=pad_to)
    return base64.b64encode(plaintext).decode("ascii")


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


def _info(shared_info: str) -> bytes:
    if not isinstance(shared_info, str):
        raise PayloadError("shared_info must be the report's shared_info string")
    return HPKE_INFO_PREFIX + shared_info.encode("utf-8")


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


def _b64decode(text: Any, what: str) -> bytes:
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("ascii", "replace")
    if not isinstance(text, str):
        raise PayloadError(f"{what} must be base64 text")
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise PayloadError(f"{what} is not valid base64") from None


def load_private_key(private_key: bytes | str | X25519PrivateKey) -> X25519PrivateKey:
    """A coordinator private key (raw 32 bytes or their base64) ready for decryption."""
    if isinstance(private_key, X25519PrivateKey):
        return private_key
    return _load_private_key(_private_key_bytes(private_key))


@functools.lru_cache(maxsize=32)
def _load_private_key(raw: bytes) -> X25519PrivateKey:
    """Loading a key costs about half an HPKE open; a job decrypts thousands with one key."""
    return X25519PrivateKey.from_private_bytes(raw)


def _private_key_bytes(private_key: bytes | str) -> bytes:
    raw = (
        private_key if isinstance(private_key, bytes | bytearray) else _b64decode(private_key, "private key")
    )
    if len(raw) != X25519_KEY_BYTES:
        raise PayloadError("private key must be 32 raw X25519 bytes (or their base64)")
    return bytes(raw)
