"""Registrations per second through the attribution engine, as unrelated sources pile up.

The store is filled with N active sources spread over many source sites and destinations
(written straight into storage, as if registered earlier), then sources and triggers for one
advertiser are registered through the engine. Lookups are keyed by destination site and
reporting origin, so the per-trigger cost should stay flat as N grows; the ratios printed at
the end compare it at 10k and 100k sources against an empty store, measured in this run.

    .venv/bin/python -m benchmarks.bench_engine [--sizes 0,10000,100000] [--triggers 400]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import time

from attribution_reporting.config import CHROMIUM
from attribution_reporting.context import EngineContext, Registration
from attribution_reporting.engine import AttributionEngine, RegistrationRequest, RegistrationResponse
from attribution_reporting.rate_limits import source_records
from attribution_reporting.source_processing import build_source
from attribution_reporting.storage import MemoryStorage
from attribution_reporting.validate import validate

SOURCE = "Attribution-Reporting-Register-Source"
TRIGGER = "Attribution-Reporting-Register-Trigger"
REPORTER = "https://adtech.example"
DAY_MS = 86_400_000


def _fill(storage: MemoryStorage, count: int, rng: random.Random) -> None:
    """``count`` unrelated sources: 50 per source site, each to its own destination."""
    ctx = EngineContext(storage=storage, config=CHROMIUM, rng=rng)
    header = validate("source", {"destination": "https://d0.example", "aggregation_keys": {"a": "0x1"}}).value
    for i in range(count):
        site = f"https://pub{i // 50}.example"
        reg = Registration(
            context_origin=site,
            context_site=site,
            reporting_origin=REPORTER,
            reporting_site=REPORTER,
            time_ms=0,
            source_type="navigation",
        )
        source = build_source(ctx, reg, {**header, "destination": [f"https://shop{i}.example"]})
        source = dataclasses.replace(source, source_event_id=i)
        storage.add_source(source)
        storage.add_rate_limits(source_records(ctx, reg, source))


def _measure(size: int, triggers: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    storage = MemoryStorage()
    started = time.perf_counter()
    _fill(storage, size, rng)
    fill_seconds = time.perf_counter() - started
    engine = AttributionEngine(storage, config=CHROMIUM, rng=rng)

    source_header = json.dumps({"destination": "https://shop.example", "aggregation_keys": {"a": "0x159"}})
    sources = max(20, triggers // 4)
    started = time.perf_counter()
    for i in range(sources):
        publisher = f"https://news{i % 40}.example"
        engine.handle_response(
            RegistrationRequest(publisher, eligible="navigation-source"),
            RegistrationResponse(REPORTER + "/register-source", {SOURCE: source_header}),
            DAY_MS + i,
        )
    source_seconds = time.perf_counter() - started

    trigger_header = json.dumps(
        {
            "event_trigger_data": [{"trigger_data": "3"}],
            "aggregatable_trigger_data": [{"key_piece": "0x400", "source_keys": ["a"]}],
            "aggregatable_values": {"a": 10},
        }
    )
    started = time.perf_counter()
    for i in range(triggers):
        engine.handle_response(
            RegistrationRequest("https://shop.example"),
            RegistrationResponse(REPORTER + "/register-trigger", {TRIGGER: trigger_header}),
            2 * DAY_MS + i,
        )
    trigger_seconds = time.perf_counter() - started
    return {
        "size": size,
        "fill_s": fill_seconds,
        "sources_per_s": sources / source_seconds,
        "triggers_per_s": triggers / trigger_seconds,
        "us_per_trigger": trigger_seconds / triggers * 1e6,
        "us_per_source": source_seconds / sources * 1e6,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="0,10000,100000", help="numbers of unrelated sources, comma-separated"
    )
    parser.add_argument("--triggers", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv or [])
    sizes = [int(s) for s in args.sizes.split(",")]
    results = [_measure(size, args.triggers, args.seed) for size in sizes]
    print(
        f"{'sources':>9} {'fill s':>7} {'sources/s':>10} {'triggers/s':>11} {'us/trigger':>11} {'us/source':>10}"
    )
    for r in results:
        print(
            f"{r['size']:>9} {r['fill_s']:>7.1f} {r['sources_per_s']:>10.0f} {r['triggers_per_s']:>11.0f} "
            f"{r['us_per_trigger']:>11.0f} {r['us_per_source']:>10.0f}"
        )
    base = results[0]
    for r in results[1:]:
        print(
            f"per-trigger cost at {r['size']} vs {base['size']} sources: "
            f"{r['us_per_trigger'] / base['us_per_trigger']:.2f}x; per-source: "
            f"{r['us_per_source'] / base['us_per_source']:.2f}x"
        )
    by_size = {r["size"]: r for r in results}
    if 10000 in by_size and 100000 in by_size:
        ratio = by_size[100000]["us_per_trigger"] / by_size[10000]["us_per_trigger"]
        print(f"per-trigger cost at 100k vs 10k sources: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
