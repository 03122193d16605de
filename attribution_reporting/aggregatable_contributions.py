"""Creating aggregatable contributions from a source's keys and a trigger (spec digest §7.3).

Each matching ``aggregatable_trigger_data`` entry ORs its key piece into the source keys it
names; then the first ``aggregatable_values`` entry whose filters match gives the values.
A key yields a contribution only when it has a value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .filters import matches

# The L1 budget of one source's aggregatable contributions (a normative constant).
ALLOWED_AGGREGATABLE_BUDGET_PER_SOURCE = 65536


def _as_int(v: int | str) -> int:
    return v if isinstance(v, int) else int(v, 0)


def create_aggregatable_contributions(
    aggregation_keys: Mapping[str, int | str],
    source_filter_data: Mapping[str, Iterable[str]],
    source_type: str,
    source_time_s: float,
    trigger_time_s: float,
    aggregatable_trigger_data: Iterable[Mapping[str, Any]],
    aggregatable_values: Iterable[Mapping[str, Any]],
) -> list[dict[str, int]]:
    """Returns ``[{"key": int, "value": int, "filtering_id": int}, ...]`` in source key order.

    Inputs use the normalized shapes: keys and key pieces as ints or ``0x`` strings, values
    as ``{"value": n, "filtering_id": "id"}`` (a bare number means filtering ID 0).
    """
    keys = {name: _as_int(key) for name, key in aggregation_keys.items()}

    def matched(entry: Mapping[str, Any]) -> bool:
        return matches(
            source_filter_data,
            source_type,
            source_time_s,
            trigger_time_s,
            entry.get("filters") or [],
            entry.get("not_filters") or [],
        )

    for datum in aggregatable_trigger_data:
        if not matched(datum):
            continue
        piece = _as_int(datum["key_piece"])
        for name in datum.get("source_keys") or []:
            if name in keys:
                keys[name] |= piece

    for config in aggregatable_values:
        if not matched(config):
            continue
        contributions = []
        for name, key in keys.items():
            value = (config.get("values") or {}).get(name)
            if value is None:
                continue
            if isinstance(value, Mapping):
                contributions.append(
                    {
                        "key": key,
                        "value": int(value["value"]),
                        "filtering_id": int(value.get("filtering_id", 0)),
                    }
                )
            else:
                contributions.append({"key": key, "value": int(value), "filtering_id": 0})
        return contributions
    return []
