"""A coordinator's public key set, parsed with Chromium's rules, and local key pairs.

Chrome fetches ``<coordinator>/.well-known/aggregation-service/v1/public-keys``, which
returns ``{"keys": [{"id": "...", "key": "<base64 X25519 public key>"}, ...]}``. It
accepts the set only as a whole: one invalid key, a repeated id, more than ten keys or no
key at all and the fetch counts as failed, so no report is encrypted with a half-trusted
set. Each payload is encrypted to a key chosen uniformly at random from the set.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

MAX_KEYS = 10
MAX_KEY_ID_LENGTH = 128
KEY_BYTES = 32
PUBLIC_KEYS_PATH = "/.well-known/aggregation-service/v1/public-keys"


class KeySetError(ValueError):
    """A public key set that Chrome would reject."""


@dataclass(frozen=True)
class PublicKey:
    id: str
    key: bytes  # raw 32-byte X25519 public key

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "key": base64.b64encode(self.key).decode("ascii")}


@dataclass(frozen=True)
class KeySet:
    keys: tuple[PublicKey, ...]

    def choose(self, rng: Any) -> PublicKey:
        """A key drawn uniformly with the injected ``rng`` (anything with ``randrange``)."""
        return self.keys[rng.randrange(len(self.keys))]

    def to_json(self) -> dict[str, Any]:
        """The set as the coordinator's endpoint serves it."""
        return {"keys": [key.to_json() for key in self.keys]}


def parse_public_keys(document: str | bytes | Mapping[str, Any]) -> KeySet:
    """Parse a key set document (JSON text or already-decoded); :class:`KeySetError` if invalid."""
    if isinstance(document, str | bytes | bytearray):
        try:
            document = json.loads(document)
        except (ValueError, UnicodeDecodeError) as exc:
            raise KeySetError(f"key set is not JSON: {exc}") from None
    if not isinstance(document, Mapping):
        raise KeySetError("key set must be a JSON object")
    entries = document.get("keys")
    if not isinstance(entries, list):
        raise KeySetError('key set has no "keys" list')
    if not entries:
        raise KeySetError("key set has no keys")
    if len(entries) > MAX_KEYS:
        raise KeySetError(f"key set has {len(entries)} keys, more than {MAX_KEYS}")
    keys: list[PublicKey] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        key = _parse_key(entry, index)
        if key.id in seen:
            raise KeySetError(f"keys[{index}]: id {key.id!r} is repeated")
        seen.add(key.id)
        keys.append(key)
    return KeySet(tuple(keys))


def _parse_key(entry: Any, index: int) -> PublicKey:
    if not isinstance(entry, Mapping):
        raise KeySetError(f"keys[{index}] must be an object")
    key_id = entry.get("id")
    if not isinstance(key_id, str):
        raise KeySetError(f"keys[{index}].id must be a string")
    if len(key_id) > MAX_KEY_ID_LENGTH:
        raise KeySetError(f"keys[{index}].id is longer than {MAX_KEY_ID_LENGTH} characters")
    encoded = entry.get("key")
    if not isinstance(encoded, str):
        raise KeySetError(f"keys[{index}].key must be a base64 string")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise KeySetError(f"keys[{index}].key is not valid base64") from None
    if len(raw) != KEY_BYTES:
        raise KeySetError(f"keys[{index}].key is {len(raw)} bytes, not {KEY_BYTES}")
    return PublicKey(key_id, raw)


@dataclass(frozen=True)
class KeyPair:
    """An X25519 key pair for a local coordinator; ``private_key`` stays with the service."""

    id: str
    private_key: bytes
    public_key: bytes

    @property
    def public(self) -> PublicKey:
        return PublicKey(self.id, self.public_key)

    def private_key_b64(self) -> str:
        return base64.b64encode(self.private_key).decode("ascii")


def generate_key_pair(key_id: str, private_key: bytes | None = None) -> KeyPair:
    """A new X25519 key pair, or the pair of a given 32-byte private key.

    Without ``private_key`` the operating system's CSPRNG is used, as keys must be
    unpredictable; pass bytes to derive the pair deterministically (tests, fixtures).
    """
    if len(key_id) > MAX_KEY_ID_LENGTH:
        raise KeySetError(f"key id is longer than {MAX_KEY_ID_LENGTH} characters")
    if private_key is None:
        secret = X25519PrivateKey.generate()
    else:
        if len(private_key) != KEY_BYTES:
            raise KeySetError(f"private key must be {KEY_BYTES} bytes")
        secret = X25519PrivateKey.from_private_bytes(bytes(private_key))
    return KeyPair(key_id, secret.private_bytes_raw(), secret.public_key().public_bytes_raw())


def key_set_of(*pairs: KeyPair) -> KeySet:
    """The public key set a coordinator serves for its key pairs."""
    return KeySet(tuple(pair.public for pair in pairs))
