"""The report pipeline through a real Celery worker on real Redis: stored, enqueued, processed."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid

import pytest

pytestmark = [pytest.mark.redis, pytest.mark.slow]

STORE = """
from config.celery import app
app.conf.task_default_queue = {queue!r}
from adtech import demo_data, services
demo_data.load()
r = services.store_report(kind="event-level", body={body!r}, content_type="application/json",
                          reporting_origin="http://adtech.localhost:8000", path="/x")
print(r.pk)
"""


def test_stored_report_is_processed_by_a_real_worker(redis_url, tmp_path):
    from tests.conftest import WorkerProcess

    # A queue of its own, so no other worker on the same Redis takes the task.
    queue = f"adtech-test-{uuid.uuid4().hex[:8]}"
    db = tmp_path / "adtech-worker.sqlite3"
    env = {
        **os.environ,
        "ARA_SQLITE_PATH": str(db),
        "DATABASE_URL": "",
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], check=True, env=env)
    worker = WorkerProcess(redis_url, {"ARA_SQLITE_PATH": str(db), "DATABASE_URL": ""}, queues=queue)
    try:
        worker.wait_ready()
        row = _store_and_wait(env, db, queue)
    finally:
        worker.stop(kill=True)
    assert row == ("processed", "purchase", "0f1e2d3c-4b5a-4697-8877-665544332211")


def _store_and_wait(env: dict, db, queue: str):
    body = json.dumps(
        {
            "attribution_destination": "http://shop.localhost",
            "randomized_trigger_rate": 0.0000025,
            "report_id": "0f1e2d3c-4b5a-4697-8877-665544332211",
            "scheduled_report_time": "2592000",
            "source_event_id": "2002000007",
            "source_type": "event",
            "trigger_data": "1",
        }
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", STORE.format(body=body, queue=queue)],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    pk = int(out.stdout.strip().splitlines()[-1])
    deadline = time.monotonic() + 60
    row = None
    while time.monotonic() < deadline:
        with sqlite3.connect(db) as conn:
            row = conn.execute(
                "select status, event, report_id from adtech_receivedreport where id = ?", (pk,)
            ).fetchone()
        if row and row[0] != "pending":
            break
        time.sleep(0.2)
    return row
