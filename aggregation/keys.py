"""The coordinator: key pairs with IDs, rotation, and the public key set it serves."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from attribution_reporting import coordinator_keys

from .models import CoordinatorKey

# Browsers cache the key set for this long (Cache-Control: max-age on the endpoint).
PUBLIC_KEYS_MAX_AGE = 3600


def active_keys(now: datetime | None = None):
    now = now or timezone.now()
    return CoordinatorKey.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def new_key_id(now: datetime) -> str:
    return f"lab-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


@transaction.atomic
def rotate_keys(now: datetime | None = None) -> CoordinatorKey:
    """Make a new active key pair and expire the previous ones.

    Expired keys are no longer served, so browsers stop encrypting to them once their
    cache runs out, but they are kept for decryption: reports already encrypted to an old
    key arrive for days after a rotation.
    """
    now = now or timezone.now()
    active_keys(now).update(expires_at=now)
    pair = coordinator_keys.generate_key_pair(new_key_id(now))
    return CoordinatorKey.objects.create(
        key_id=pair.id,
        public_key=base64.b64encode(pair.public_key).decode("ascii"),
        private_key=pair.private_key_b64(),
        created_at=now,
    )


def ensure_active_key(now: datetime | None = None) -> tuple[CoordinatorKey, bool]:
    """The newest active key, created if there is none; True when created."""
    key = active_keys(now).first()
    if key is not None:
        return key, False
    return rotate_keys(now), True


def public_key_set(now: datetime | None = None) -> dict:
    """``{"keys": [{"id", "key"}]}``: the active public keys, at most the ten Chrome accepts."""
    keys = list(active_keys(now)[: coordinator_keys.MAX_KEYS])
    return {"keys": [{"id": k.key_id, "key": k.public_key} for k in keys]}


def decryption_keys() -> dict[str, bytes]:
    """Every key's private half by key id (active or expired), for the workers only."""
    return {k: base64.b64decode(v) for k, v in CoordinatorKey.objects.values_list("key_id", "private_key")}
