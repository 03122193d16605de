"""A task round trip through a real worker on real Redis (not eager mode)."""

import uuid

import pytest
from celery import Celery

pytestmark = pytest.mark.redis


def test_task_round_trip_through_real_worker(start_worker, redis_url):
    start_worker()
    client = Celery("client", broker=redis_url, backend=redis_url)
    token = str(uuid.uuid4())
    result = client.send_task("guide.tasks.echo", args=[{"token": token}])
    assert result.get(timeout=30) == {"token": token}


def test_health_task_records_a_heartbeat(start_worker, redis_url, tmp_path):
    import sqlite3

    db = tmp_path / "worker.sqlite3"
    env = {"ARA_SQLITE_PATH": str(db), "DATABASE_URL": ""}
    # The worker writes to its own SQLite file, migrated here first.
    import subprocess
    import sys

    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], check=True, env={**__import__("os").environ, **env}
    )
    start_worker(env)
    client = Celery("client", broker=redis_url, backend=redis_url)
    client.send_task("guide.tasks.heartbeat", args=["ping"])
    import time

    deadline = time.monotonic() + 30
    rows = []
    while time.monotonic() < deadline and not rows:
        with sqlite3.connect(db) as conn:
            rows = conn.execute("select source from guide_workerheartbeat").fetchall()
        time.sleep(0.2)
    assert rows == [("ping",)]
