"""The encrypted payload of an aggregatable report, byte for byte as Chrome makes it.

The plaintext (CBOR, padded: :mod:`attribution_reporting.aggregatable_plaintext`, whose names
are re-exported here) is sealed with HPKE
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
import json
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite

from .aggregatable_plaintext import (
    ATTRIBUTION_PADDED_CONTRIBUTIONS,
    BUCKET_BYTES,
    DEBUG_PADDED_CONTRIBUTIONS,
    MAX_FILTERING_ID_MAX_BYTES,
    OPERATION,
    VALUE_BYTES,
    Contribution,
    PayloadError,
    decode_plaintext,
    encode_plaintext,
    histogram_contributions,
    padded_length,
    without_padding,
)

__all__ = [
    "ATTRIBUTION_PADDED_CONTRIBUTIONS",
    "BUCKET_BYTES",
    "DEBUG_PADDED_CONTRIBUTIONS",
    "ENC_BYTES",
    "HPKE_INFO_PREFIX",
    "MAX_FILTERING_ID_MAX_BYTES",
    "OPERATION",
    "TAG_BYTES",
    "VALUE_BYTES",
    "X25519_KEY_BYTES",
    "Contribution",
    "PayloadError",
    "cleartext_payload",
    "decode_plaintext",
    "decrypt_payload",
    "decrypt_plaintext",
    "decrypt_plaintext_bytes",
    "encode_plaintext",
    "encrypt_payload",
    "encrypt_plaintext",
    "histogram_contributions",
    "load_private_key",
    "padded_length",
    "serialize_shared_info",
    "without_padding",
]

HPKE_INFO_PREFIX = b"aggregation_service"
X25519_KEY_BYTES = 32
ENC_BYTES = 32
TAG_BYTES = 16

_SUITE = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.CHACHA20_POLY1305)
_LOADED_KEY_TYPE = type(X25519PrivateKey.from_private_bytes(bytes(X25519_KEY_BYTES)))


def serialize_shared_info(shared_info: Mapping[str, Any]) -> str:
    """Chrome's ``shared_info`` string: keys sorted, no whitespace.

    Chrome writes it with ``base::JSONWriter`` over a ``base::Value::Dict``, which orders
    keys alphabetically. Receivers must keep the exact string: it is the HPKE info.
    """
    return json.dumps(dict(shared_info), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


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


def _info(shared_info: str) -> bytes:
    if not isinstance(shared_info, str):
        raise PayloadError("shared_info must be the report's shared_info string")
    return HPKE_INFO_PREFIX + shared_info.encode("utf-8")


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
