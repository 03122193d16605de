"""A workshop room under load: N attendees walk the seven steps at once against ``make room``.

Each attendee is an HTTP client with cookies of its own that makes the requests a browser, the
page's scripts and the shim make during the workshop: the pages (guide, news home with its two ad
frames, the shop's product, cart, checkout and order pages, attribution internals, the ad tech's
dashboard and summaries), the registrations the shim and the service worker hand to the simulated
browser (``POST /api/registrations``, ``POST /network``, the click through ``/navigate``), "send
all pending reports", and "Create summary report". The guide stays open in a tab of its own for the
whole walk, polling the steps every 3 s and the worker's status every 5 s; the party pages open in
the other tab, and while one is open its own polls run at their real pace (attribution internals
every 2 s, the dashboard every 3 s, the summary list every 2 s while a job runs, the ad frame's
shim after the click until the shop's page replaces the news page): see
:mod:`benchmarks.room.polls`. With the instructor key, one instructor's page polls the room's
progress every 3 s. Then the benchmark waits for every event-level and aggregatable report the
simulated browser made to be processed at the ad tech.

In room mode each attendee first joins (``POST /room/api/join``) and keeps the token as the
``attributionlab-profile`` cookie of every party host; the shim's and the service worker's
requests carry ``profile=<token>`` as they do. A server without room mode (404) is walked with its
one default profile, and the output says so.

Printed per N: latency percentiles (p50, p95, p99) of page requests (polls included, and each
poll by name), registrations and actions, 5xx answers, what one walk sent (requests, polls, polls
per minute), for a room this starts the server's and PostgreSQL's CPU seconds per attendee,
reports lost (sent by the browser but not processed at the ad tech; must be 0), reports the browser
still holds unsent after a last "send all", and the ratio of p95 at the largest N to p95 at N=1.

    .venv/bin/python -m benchmarks.bench_room [--attendees 1 50] [--url http://localhost:8616]
        [--think 1.0] [--stagger 0] [--port 8617] [--web-workers 5] [--database-url postgres://...]
        [--instructor-key KEY]

Each run starts from an empty room (the instructor's reset) when the key is known: always for a
room this starts, with ``--url`` when ``--instructor-key`` (or ``ARA_ROOM_INSTRUCTOR_KEY``) is given.

Without ``--url`` it starts ``manage.py runroom`` on this machine (PostgreSQL from
``--database-url``/``DATABASE_URL``, else the local one with a database of its own; Redis from
``CELERY_BROKER_URL``, else the local one, on a queue of its own) and stops it at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import uuid
from pathlib import Path

from benchmarks.room import report
from benchmarks.room.lab import Lab
from benchmarks.room.run import run_room
from benchmarks.room.server import (
    DEFAULT_DATABASE,
    PostgresCpu,
    database_name,
    server_cpu_seconds,
    start_room,
    stop_room,
)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, nargs="+", default=[1, 50], help="room sizes, in order")
    parser.add_argument(
        "--url", default="", help="a running room (e.g. http://localhost:8616); else one is started"
    )
    parser.add_argument(
        "--think", type=float, default=1.0, help="seconds between steps (0.5x to 1.5x at random)"
    )
    parser.add_argument(
        "--stagger", type=float, default=0.0, help="attendees start at random within this many seconds"
    )
    parser.add_argument(
        "--settle", type=float, default=60, help="seconds to wait for the reports to be processed"
    )
    parser.add_argument(
        "--instructor-key",
        default=os.environ.get("ARA_ROOM_INSTRUCTOR_KEY", ""),
        help="the room's instructor key: the room is reset before each run (a room this starts gets one)",
    )
    parser.add_argument("--no-warm-up", dest="warm_up", action="store_false", help="measure a cold server")
    parser.add_argument("--port", type=int, default=0, help="port of the room this starts")
    parser.add_argument("--web-workers", type=int, default=0, help="gunicorn workers of the room this starts")
    parser.add_argument(
        "--database-url", default="", help=f"PostgreSQL for the room this starts ({DEFAULT_DATABASE})"
    )
    args = parser.parse_args(argv)
    if not args.url:
        args.database_url = args.database_url or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE
        args.instructor_key = args.instructor_key or uuid.uuid4().hex
    return args


def main(argv: list[str] | None = None) -> dict:
    args = _arguments(argv)
    proc = None
    results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-room-") as tmp:
        try:
            if args.url:
                lab = Lab.from_url(args.url)
            else:
                try:
                    proc, lab = start_room(args, Path(tmp))
                except RuntimeError as exc:
                    print(f"the room could not start (it needs PostgreSQL and Redis):\n{exc}")
                    return {}
            # PostgreSQL's share is counted for a room this starts on a database of this machine.
            database = database_name(args.database_url) if proc is not None else ""
            postgres = PostgresCpu(database) if database else None
            if args.warm_up:
                print("warm-up: one attendee walks once (not counted)", flush=True)
                asyncio.run(run_room(lab, 1, 0, args.settle))
            for n in args.attendees:
                print(f"{n} attendee(s) walk the workshop ...", flush=True)
                results.append(_measured(args, lab, n, proc.pid if proc else None, postgres))
        finally:
            if proc is not None:
                stop_room(proc)
    out = report.summarize(lab.origin(""), args.think, args.stagger, results)
    report.show(out, reset=bool(args.instructor_key))
    return out


def _measured(
    args: argparse.Namespace, lab: Lab, n: int, pid: int | None, postgres: PostgresCpu | None
) -> dict:
    """One run, with the CPU the room's processes and its PostgreSQL backends spent on it."""
    cpu_before = server_cpu_seconds(pid) if pid else None
    stop_sampling = None
    if postgres is not None:
        postgres.begin()
        stop_sampling = postgres.watch()
    try:
        result = asyncio.run(
            run_room(lab, n, args.think, args.settle, args.instructor_key, stagger=args.stagger)
        )
    finally:
        if stop_sampling is not None:
            stop_sampling()
    cpu_after = server_cpu_seconds(pid) if pid else None
    if cpu_before is not None and cpu_after is not None:
        # gunicorn, Celery and beat: the cores needed to keep N walks as fast as one follow from it.
        result["server_cpu_s_per_attendee"] = round((cpu_after - cpu_before) / n, 2)
    if postgres is not None:
        pg = postgres.end()
        result["postgres_cpu"] = {**pg, "cpu_s_per_attendee": round(pg["cpu_s"] / n, 2)}
    return result


if __name__ == "__main__":
    main()
