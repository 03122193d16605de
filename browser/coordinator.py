"""The aggregation coordinator's public keys, fetched and cached as Chrome does.

Chrome fetches ``<coordinator>/.well-known/aggregation-service/v1/public-keys`` and keeps the
set for as long as the response's ``Cache-Control: max-age`` allows. The demo has one
coordinator, the local one on the aggregation host; reports addressed to Google's production
coordinators are encrypted with the local keys too (nobody outside Google could decrypt them
otherwise), and the internals page says so.
"""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from django.utils import timezone

from attribution_reporting.config import DEFAULT_COORDINATOR_ORIGINS
from attribution_reporting.coordinator_keys import PUBLIC_KEYS_PATH, KeySet, KeySetError, parse_public_keys
from config.loopback import LoopbackTransport

from . import models
from .http_client import describe_error, send

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?", re.IGNORECASE)


class KeyFetchError(RuntimeError):
    """The coordinator's keys could not be fetched or were rejected; the message says why."""


def keys_url() -> str:
    from config.hosts import party_url

    return party_url("aggregation", PUBLIC_KEYS_PATH)


def local_origin() -> str:
    from config.hosts import party

    return party("aggregation").origin


def is_google_origin(origin: str) -> bool:
    return origin in DEFAULT_COORDINATOR_ORIGINS


def max_age_seconds(cache_control: str | None) -> int:
    """Seconds a response may be reused for (0 when not cacheable)."""
    if not cache_control or re.search(r"no-store|no-cache", cache_control, re.IGNORECASE):
        return 0
    match = _MAX_AGE.search(cache_control)
    return int(match.group(1)) if match else 0


def key_set(*, transport: httpx.BaseTransport | None = None) -> KeySet:
    """The local coordinator's current key set, from cache when still fresh."""
    origin = local_origin()
    now = timezone.now()
    cached = models.CoordinatorKeys.objects.filter(origin=origin, expires_at__gt=now).first()
    if cached is not None:
        try:
            return parse_public_keys(cached.document)
        except KeySetError:
            pass
    url = keys_url()
    try:
        response = send(
            transport or LoopbackTransport(),
            "GET",
            url,
            eligible=None,
            jar=None,
            top_level_site="",
            headers={"Accept": "application/json"},
        ).response
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise KeyFetchError(
            f"Could not fetch the coordinator's public keys: {describe_error(exc, url, consequence='').strip()}"
        ) from None
    if response.status_code != 200:
        raise KeyFetchError(f"The coordinator's public keys at {url} answered HTTP {response.status_code}.")
    try:
        keys = parse_public_keys(response.content)
    except KeySetError as exc:
        raise KeyFetchError(f"The coordinator's key set at {url} was rejected: {exc}.") from None
    age = max_age_seconds(response.headers.get("cache-control"))
    models.CoordinatorKeys.objects.update_or_create(
        origin=origin,
        defaults={
            "url": url,
            "document": response.text,
            "fetched_at": now,
            "expires_at": now + timedelta(seconds=age),
        },
    )
    return keys
