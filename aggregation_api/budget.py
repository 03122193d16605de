"""Shared IDs and privacy budget units, computed as Google's Aggregation Service does.

A batch may be aggregated only once per budget unit: the unit is a hash of the report's
privacy-relevant ``shared_info`` fields (its *shared ID*), plus the hour of its scheduled
report time and its reporting origin. Reports that share a unit leak together, so a second
query over any of them must be refused. Pure functions: the ad tech uses them to batch
reports exactly along the service's budget boundaries.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

ATTRIBUTION_APIS = ("attribution-reporting", "attribution-reporting-debug")


@dataclass(frozen=True, order=True)
class BudgetUnit:
    """One unit of privacy budget: shared ID, scheduled hour (epoch seconds), reporting origin."""

    key: str
    hour: int
    reporting_origin: str


@lru_cache(maxsize=4096)
def instant(seconds: int) -> str:
    """Java's ``Instant.toString()`` for whole seconds, e.g. ``2021-01-01T00:00:00Z``."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _version_at_least_one(version: str) -> bool:
    try:
        return float(version) >= 1.0
    except ValueError:
        return False


def shared_id_parts(info: dict[str, Any], filtering_id: int = 0) -> list[str]:
    """The fields whose ``-``-joined text is hashed into the shared ID.

    Attribution reports (V1: version below 1.0 with filtering id 0) use api, version,
    reporting origin, destination and source registration time; V2 adds the filtering id.
    Protected Audience and Shared Storage have no destination.
    """
    api = info["api"]
    version = info["version"]
    parts = [api, version, info["reporting_origin"]]
    if api in ATTRIBUTION_APIS:
        parts.append(info.get("attribution_destination", ""))
        if info.get("source_registration_time") not in (None, ""):
            parts.append(instant(int(info["source_registration_time"])))
    if _version_at_least_one(version) or filtering_id != 0:
        parts.append(str(filtering_id))
    return parts


def shared_id(info: dict[str, Any], filtering_id: int = 0) -> str:
    """``sha256_hex`` of the shared ID parts joined by ``-``."""
    return _hash(tuple(shared_id_parts(info, filtering_id)))


@lru_cache(maxsize=4096)
def _hash(parts: tuple[str, ...]) -> str:
    # A batch repeats a handful of shared IDs a million times: hash each once.
    return hashlib.sha256("-".join(parts).encode("utf-8")).hexdigest()


def budget_unit(info: dict[str, Any], filtering_id: int = 0) -> BudgetUnit:
    """The unit a report of this ``shared_info`` spends for ``filtering_id``."""
    scheduled = int(info["scheduled_report_time"])
    return BudgetUnit(shared_id(info, filtering_id), scheduled - scheduled % 3600, info["reporting_origin"])
