"""Two real Celery workers on one Redis and one database: every report is processed exactly once.

A room scales out by starting more workers against the same Redis and PostgreSQL. Here two
worker processes (``w1@%h`` and ``w2@%h``) take tasks from one queue while a gunicorn server
(as ``make room`` runs it) receives reports at the ad tech's ``.well-known`` endpoints, from
many clients at once, some reports twice. Every task is then sent a second time, so the two
workers race for the same rows. Each distinct report must end as one processed row, processed
once (``attempts == 1``), and every copy as a duplicate of it. On PostgreSQL when
``DATABASE_URL`` is set (a database of its own, dropped afterwards), else on a SQLite file
both workers open.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

pytestmark = [pytest.mark.redis, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
PATH = "/.well-known/attribution-reporting/report-event-attribution"
REPORTS = 240
SENT_TWICE = 80  # the first SENT_TWICE reports are delivered twice (a browser retrying)
BODY = {
    "attribution_destination": "http://shop.localhost",
    "randomized_trigger_rate": 0.0000025,
    "scheduled_report_time": "2592000",
    "source_event_id": "2002000007",
    "source_type": "event",
    "trigger_data": "1",
}


class Database:
    """A database of this test's own: its environment for the processes, and a query helper."""

    def __init__(self, tmp_path: Path) -> None:
        base = os.environ.get("DATABASE_URL", "").strip()
        self.postgres = bool(base)
        if self.postgres:
            import psycopg

            self.name = f"test_two_workers_{uuid.uuid4().hex[:8]}"
            self.maintenance = urlsplit(base)._replace(path="/postgres").geturl()
            self.url = urlsplit(base)._replace(path=f"/{self.name}").geturl()
            with psycopg.connect(self.maintenance, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
            self.env = {"DATABASE_URL": self.url}
        else:
            self.path = tmp_path / "two-workers.sqlite3"
            self.env = {"DATABASE_URL": "", "ARA_SQLITE_PATH": str(self.path)}

    def rows(self, sql: str) -> list[tuple]:
        if self.postgres:
            import psycopg

            with psycopg.connect(self.url) as conn:
                return conn.execute(sql).fetchall()
        with closing(sqlite3.connect(self.path, timeout=30)) as conn:
            return conn.execute(sql).fetchall()

    def drop(self) -> None:
        if self.postgres:
            import psycopg

            with psycopg.connect(self.maintenance, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def database(tmp_path):
    db = Database(tmp_path)
    yield db
    db.drop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_server(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the server exited with {proc.returncode}"
        try:
            httpx.get(f"http://127.0.0.1:{port}/", headers={"Host": f"adtech.localhost:{port}"}, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise TimeoutError("the server did not answer")


def _tasks_done(client) -> dict[str, int]:
    """``process_report`` tasks each worker has run, by worker name (``w1``, ``w2``)."""
    stats = client.control.inspect(timeout=2).stats() or {}
    return {
        name.split("@")[0]: stat.get("total", {}).get("adtech.tasks.process_report", 0)
        for name, stat in stats.items()
        if name.split("@")[0] in ("w1", "w2")
    }


def _deliveries() -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(REPORTS)]
    return ids + ids[:SENT_TWICE]


def test_two_workers_process_every_report_exactly_once(redis_url, database, tmp_path):
    from celery import Celery

    from tests.conftest import WorkerProcess

    queue = f"two-workers-{uuid.uuid4().hex[:8]}"
    port = _free_port()
    env = {
        **database.env,
        "ARA_VAR_DIR": str(tmp_path / "var"),
        "ARA_PORT": str(port),
        "ARA_CELERY_QUEUE": queue,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
    }
    full_env = {**os.environ, **env}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], check=True, env=full_env, cwd=ROOT)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", f"--bind=127.0.0.1:{port}"]
        + ["--workers=2", "--worker-class=gthread", "--threads=4", "--log-level=warning"],
        env=full_env,
        cwd=ROOT,
        start_new_session=True,
    )
    workers = [WorkerProcess(redis_url, env, queues=queue, name=name) for name in ("w1", "w2")]
    try:
        for worker in workers:
            worker.wait_ready()
        _wait_for_server(port, server)
        deliveries = _deliveries()
        headers = {"Host": f"adtech.localhost:{port}", "Content-Type": "application/json"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30) as http:

            def deliver(report_id: str) -> int:
                return http.post(PATH, content=json.dumps({**BODY, "report_id": report_id})).status_code

            with ThreadPoolExecutor(16) as pool:
                statuses = list(pool.map(deliver, deliveries))
        assert statuses == [200] * len(deliveries)
        # Every counted row's task once more: the two workers now race for the same rows.
        client = Celery("client", broker=redis_url, backend=redis_url)
        counted = [
            pk
            for (pk,) in database.rows("select id from adtech_receivedreport where duplicate_of_id is null")
        ]
        for pk in counted:
            client.send_task("adtech.tasks.process_report", args=[pk], queue=queue)
        # Wait until no row is pending and the workers have run every task (both rounds).
        deadline = time.monotonic() + 120
        done: dict[str, int] = {}
        while time.monotonic() < deadline:
            done = _tasks_done(client)
            pending = database.rows("select count(*) from adtech_receivedreport where status = 'pending'")[0][
                0
            ]
            if pending == 0 and sum(done.values()) >= 2 * len(counted):
                break
            time.sleep(0.5)
    finally:
        for worker in workers:
            worker.stop(kill=True)
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    rows = database.rows("select id, report_id, status, attempts, duplicate_of_id from adtech_receivedreport")
    assert len(rows) == len(deliveries)
    canonical = {r[0]: r for r in rows if r[4] is None}
    copies = [r for r in rows if r[4] is not None]
    assert sorted(r[1] for r in canonical.values()) == sorted(set(deliveries))
    assert {(r[2], r[3]) for r in canonical.values()} == {("processed", 1)}
    assert len(copies) == SENT_TWICE
    assert all(r[2] == "duplicate" and canonical[r[4]][1] == r[1] for r in copies)
    # Each counted row had two tasks (on arrival, and again above); both workers ran some of them.
    assert sum(done.values()) == 2 * len(canonical), done
    assert set(done) == {"w1", "w2"} and all(done.values()), done
