"""Run the workshop twice (with the reset between) and the crawl against a running demo.

    ARA_PORT=8000 .venv/bin/python -m tests.e2e.run_demo [--crawl-only] [--screenshots DIR]

It prints the seconds to each milestone and the steps the guide ticked off, as a teacher would
measure them, and every console problem the crawl found.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import django


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--crawl-only", action="store_true")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--screenshots", type=Path, default=None)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    django.setup()
    from playwright.sync_api import sync_playwright

    from config.hosts import PARTIES

    from .crawl import crawl
    from .workshop import reset_for_next_attendee, screenshot_saver, walk_workshop

    origins = {p.key: p.origin for p in PARTIES}
    lab = {
        "guide": origins["guide"],
        "news": origins["publisher"],
        "shop": origins["advertiser"],
        "adtech": origins["adtech"],
        "browser": origins["browser"],
    }
    shot = screenshot_saver(args.screenshots) if args.screenshots else None
    status = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=os.environ.get("ARA_CHROMIUM", "/usr/bin/chromium"),
            headless=True,
            args=["--no-sandbox", "--disable-gpu"],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        if not args.crawl_only:
            for run in range(args.runs):
                reset_for_next_attendee(context, lab["guide"])
                outcome = walk_workshop(context, lab, shot)
                print(f"run {run + 1}:", json.dumps(outcome))
        from aggregation.models import AggregationJob
        from browser.models import Report

        seeds = [o + "/" for o in origins.values()] + [
            f"{lab['shop']}/products/tent-2p/",
            f"{lab['shop']}/orders/TH-GONE0000/",
        ]
        if Report.objects.exists():
            seeds.append(f"{lab['browser']}/api/reports/{Report.objects.first().report_id}")
        if AggregationJob.objects.exists():
            job = AggregationJob.objects.first().job_request_id
            seeds.append(f"{origins['aggregation']}/jobs/{job}/progress.json")
        result = crawl(context, origins, seeds)
        print(f"crawl: {len(result.visited)} URLs")
        for problem in result.problems:
            status = 1
            print("  problem:", problem)
        for route in result.uncovered:
            status = 1
            print("  not visited:", route)
        browser.close()
    return status


if __name__ == "__main__":
    raise SystemExit(main())
