"""What the room's frequent requests cost the server: CPU (thread time) and SQL statements per call.

Measured in this process, without a server, on a room's database after a walk (``bench_room``
leaves one: ``postgres://postgres@127.0.0.1:5432/attribution_lab_bench``): each attendee's guide
(``GET /steps.json``, polled every 3 s, and ``GET /``), the instructor's progress JSON, the ad
tech's dashboard JSON and summaries page, and the ad tech's processing of every received report
(inside a transaction that is rolled back: the database is left as it was).

    DATABASE_URL=postgres://... .venv/bin/python -m benchmarks.bench_room_polls [--calls 200]

Statements are counted with ``connection.execute_wrapper`` (savepoints apart); CPU is
``time.thread_time`` per call, the mean over ``--calls`` calls spread over the attendees (the
least of three such runs).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager

KEY = "bench-room-polls"
REPEATS = 3


class _Counter:
    """Counts the SQL statements run, savepoints (transaction bookkeeping) apart."""

    def __init__(self) -> None:
        self.queries = 0
        self.savepoints = 0

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            self.savepoints += 1
        else:
            self.queries += 1
        return execute(sql, params, many, context)


@contextmanager
def _counting():
    from django.db import connection

    counter = _Counter()
    with connection.execute_wrapper(counter):
        yield counter


def measure(name: str, calls: list[Callable[[], object]], rounds: int) -> dict:
    """Mean thread time and statements of ``calls`` (cycled until ``rounds`` calls are made)."""
    for call in calls[:3]:  # warm: imports, templates, connections
        call()
    with _counting() as counter:
        for call in calls:
            call()
    spent = []
    for _ in range(REPEATS):  # the least of a few runs: a shared machine's noise only adds
        start = time.thread_time()
        for i in range(rounds):
            calls[i % len(calls)]()
        spent.append(time.thread_time() - start)
    return {
        "name": name,
        "cpu_ms": round(1000 * min(spent) / rounds, 2),
        "queries": round(counter.queries / len(calls), 1),
        "savepoints": round(counter.savepoints / len(calls), 1),
    }


class _InProcess:
    """httpx transport to this process's Django app, by Host (the ad tech asks the aggregation
    service over HTTP; here without a socket)."""

    def __init__(self) -> None:
        import httpx

        class Transport(httpx.BaseTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                from django.test import Client
                from django.urls import get_urlconf, set_urlconf

                urlconf = get_urlconf()
                try:
                    answer = Client().generic(
                        request.method,
                        request.url.raw_path.decode("ascii"),
                        data=request.read(),
                        content_type=request.headers.get("content-type", ""),
                        headers={
                            k: v
                            for k, v in request.headers.items()
                            if k.lower() not in ("host", "content-length", "content-type")
                        },
                        HTTP_HOST=request.url.netloc.decode("ascii"),
                    )
                finally:
                    set_urlconf(urlconf)
                return httpx.Response(
                    answer.status_code, headers=list(answer.items()), content=answer.content
                )

        self.transport = Transport()


def _get(client, host: str, path: str, status: int = 200, **extra) -> Callable[[], object]:
    def call():
        response = client.get(path, HTTP_HOST=host, **extra)
        assert response.status_code == status, (path, response.status_code)
        return response

    return call


def run(rounds: int) -> list[dict]:
    from django.db import transaction
    from django.test import Client

    from adtech import aggregation_client, processing
    from adtech.models import ReceivedReport
    from config.hosts import party_host
    from room import tokens
    from room.models import Attendee

    guide, adtech = party_host("guide"), party_host("adtech")
    profiles = list(Attendee.objects.order_by("joined_at").values_list("profile", flat=True))
    if not profiles:
        raise SystemExit("no attendee in this database: walk a room first (benchmarks.bench_room)")
    clients = []
    for profile in profiles:
        client = Client()
        client.cookies[tokens.COOKIE] = tokens.sign(profile)
        clients.append(client)
    aggregation_client.TRANSPORT = _InProcess().transport
    instructor = Client()
    results = [
        measure("GET /steps.json (guide)", [_get(c, guide, "/steps.json") for c in clients], rounds),
        measure("GET / (guide)", [_get(c, guide, "/") for c in clients], rounds),
        measure(
            "GET /room/instructor/progress.json",
            [_get(instructor, guide, "/room/instructor/progress.json", HTTP_AUTHORIZATION=f"Bearer {KEY}")],
            max(rounds // 10, 5),
        ),
        measure("GET /api/dashboard (ad tech)", [_get(instructor, adtech, "/api/dashboard")], rounds),
        measure("GET /summaries/ (ad tech)", [_get(instructor, adtech, "/summaries/")], rounds),
    ]
    pks = list(ReceivedReport.objects.order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():
        again = [lambda pk=pk: processing.process_report(pk) for pk in pks]

        def pending() -> None:  # as received: nothing read from the body yet
            ReceivedReport.objects.filter(pk__in=pks).update(
                status=ReceivedReport.PENDING, campaign=None, creative=None, event="", decoded=None
            )

        pending()
        with _counting() as counter:
            for call in again:
                call()
        spent = []
        for _ in range(REPEATS):
            pending()
            start = time.thread_time()
            for call in again:
                call()
            spent.append(time.thread_time() - start)
        transaction.set_rollback(True)
    results.append(
        {
            "name": f"adtech process_report ({len(pks)} reports)",
            "cpu_ms": round(1000 * min(spent) / max(len(pks), 1), 2),
            "queries": round(counter.queries / max(len(pks), 1), 1),
            "savepoints": round(counter.savepoints / max(len(pks), 1), 1),
        }
    )
    return results


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="calls per request measured")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL"):
        print("DATABASE_URL is not set: run it against a room's database (after benchmarks.bench_room)")
        return []
    os.environ["ARA_ROOM"] = "1"
    os.environ["ARA_ROOM_INSTRUCTOR_KEY"] = KEY
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    results = run(args.calls)
    for row in results:
        print(
            f"{row['name']:<45} {row['cpu_ms']:>8.2f} ms CPU {row['queries']:>6.1f} queries"
            f" {row['savepoints']:>5.1f} savepoints"
        )
    print(json.dumps(results))
    return results


if __name__ == "__main__":
    sys.exit(0 if main() is not None else 1)
