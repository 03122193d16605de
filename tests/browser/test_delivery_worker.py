"""Scheduled delivery through a real Celery worker on real Redis, across a worker crash.

The worker is a separate process with its own database (a SQLite file migrated here), so
reports are created by a ``manage.py shell`` in that environment, exactly as the web process
would create them; a small HTTP server on 127.0.0.1 plays the reporting origin.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytestmark = [pytest.mark.redis, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent.parent


class Receiver:
    """A reporting origin that records every POST."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict]] = []
        received = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", 0))
                received.append((self.path, json.loads(self.rfile.read(length))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.posts) >= count:
                return True
            time.sleep(0.1)
        return len(self.posts) >= count


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
def worker_env(tmp_path, redis_url):
    env = {
        "ARA_SQLITE_PATH": str(tmp_path / "worker.sqlite3"),
        "DATABASE_URL": "",
        "ARA_VAR_DIR": str(tmp_path),
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], check=True, env={**os.environ, **env}, cwd=ROOT
    )
    return env


def _create_report(env: dict, report_id: str, origin: str, due_in_ms: int) -> None:
    code = f"""
from attribution_reporting.reports import EVENT_LEVEL, Report, report_url
from browser import clock, delivery
from browser.storage import DatabaseStorage
r = Report(report_id={report_id!r}, kind=EVENT_LEVEL, url=report_url({origin!r}, EVENT_LEVEL),
             reporting_origin={origin!r}, report_time_ms=clock.now_ms() + {due_in_ms}, body={{"report_id": {report_id!r}}})
DatabaseStorage().add_report(r)
delivery.schedule([r])
"""
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], check=True, env={**os.environ, **env}, cwd=ROOT
    )


def _status(env: dict, report_id: str, *, wait_for: str | None = None, timeout: float = 10) -> str:
    """The report's status; with ``wait_for``, polls until it is reached (the worker records it
    just after the receiver has answered)."""
    deadline = time.monotonic() + timeout
    query = "select status from browser_report where report_id = ?"
    while True:
        with sqlite3.connect(env["ARA_SQLITE_PATH"]) as conn:
            status = conn.execute(query, (report_id,)).fetchone()[0]
        if wait_for is None or status == wait_for or time.monotonic() > deadline:
            return status
        time.sleep(0.1)


def test_scheduled_report_is_sent_when_due_and_survives_a_killed_worker(start_worker, worker_env, receiver):
    first = start_worker(worker_env)

    # 1. A report due in two seconds is sent by the worker at that time, not before.
    _create_report(worker_env, "due-soon", receiver.origin, 2000)
    assert receiver.posts == []
    assert receiver.wait_for(1, timeout=30), "the worker did not send the scheduled report"
    path, body = receiver.posts[0]
    assert path == "/.well-known/attribution-reporting/report-event-attribution"
    assert body == {"report_id": "due-soon"}
    assert _status(worker_env, "due-soon", wait_for="sent") == "sent"

    # 2. The worker holding the next report's ETA dies before it is due: nothing is sent...
    _create_report(worker_env, "after-crash", receiver.origin, 3000)
    time.sleep(0.5)
    first.stop(kill=True)
    time.sleep(3.5)
    assert len(receiver.posts) == 1
    assert _status(worker_env, "after-crash") == "pending"

    # 3. ... until another worker starts: it catches up on what is due, exactly once.
    start_worker(worker_env)
    assert receiver.wait_for(2, timeout=30), "the restarted worker did not send the missed report"
    assert receiver.posts[1][1] == {"report_id": "after-crash"}
    assert _status(worker_env, "after-crash", wait_for="sent") == "sent"
    time.sleep(1)
    assert len(receiver.posts) == 2
