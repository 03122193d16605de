"""Headers validated per second, next to ``json.loads`` of the same strings.

``python -m benchmarks.bench_headers``. The ratio (validate time / json.loads time) is what
to compare across machines; both are measured in the same run.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable

from attribution_reporting import validate

SOURCES = [
    json.dumps({"destination": "https://shop.example", "source_event_id": "412444888111012"}),
    json.dumps(
        {
            "destination": ["https://shop.example", "https://store.example"],
            "source_event_id": "412444888111012",
            "expiry": "604800",
            "priority": "100",
            "debug_key": "122939999",
            "filter_data": {"campaign": ["summer"], "product": ["shoes", "socks"]},
            "aggregation_keys": {"campaignCounts": "0x159", "geoValue": "0x5"},
            "event_report_windows": {"end_times": [86400, 604800]},
            "trigger_data": [0, 1, 2, 3],
            "named_budgets": {"biddable": 32768, "nonbiddable": 32768},
        }
    ),
]
TRIGGERS = [
    json.dumps({"event_trigger_data": [{"trigger_data": "2"}]}),
    json.dumps(
        {
            "event_trigger_data": [
                {
                    "trigger_data": "1",
                    "priority": "100",
                    "deduplication_key": "2345",
                    "filters": {"product": ["shoes"]},
                }
            ],
            "aggregatable_trigger_data": [
                {"key_piece": "0x400", "source_keys": ["campaignCounts"]},
                {"key_piece": "0xA80", "source_keys": ["geoValue"], "not_filters": {"product": ["hats"]}},
            ],
            "aggregatable_values": {"campaignCounts": 32768, "geoValue": 1664},
            "filters": {"source_type": ["navigation"]},
            "debug_key": "7",
        }
    ),
]


def _rate(fn: Callable[[str], object], inputs: list[str], seconds: float) -> float:
    n = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for text in inputs:
            fn(text)
        n += len(inputs)
    return n / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    seconds = float(argv[0]) if argv else 1.0
    for header, inputs in (("source", SOURCES), ("trigger", TRIGGERS)):
        for text in inputs:
            assert validate(header, text).valid, text
        baseline = _rate(json.loads, inputs, seconds)
        rate = _rate(lambda t, h=header: validate(h, t), inputs, seconds)
        print(
            f"{header:8} validate: {rate:10,.0f}/s   json.loads: {baseline:10,.0f}/s   "
            f"ratio: {baseline / rate:5.1f}x slower than json.loads"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
