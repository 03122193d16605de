"""Demo data of the aggregation service: an active coordinator key."""

from __future__ import annotations

from .keys import ensure_active_key


def load(stdout=None) -> str:
    key, created = ensure_active_key()
    return f"coordinator key {key.key_id} {'created' if created else 'already active'}"
