"""Faults while reports pour in: the worker killed mid-batch, the broker stopped and restarted with
its queue lost, the web server restarted. Nothing answered 200 is lost, nothing is counted twice.

Everything runs as in production: a web server process, a real Celery worker, a Redis of the
test's own (a private ``redis-server`` on a free port, killed and restarted here; the machine's
Redis is never touched), all on the test database (SQLite file or PostgreSQL). Clients send
each report until they get a 200, as Chrome retries, and some reports twice at once.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from redis import exceptions as redis_errors

from adtech import selectors, services
from adtech.models import ReceivedReport

from .test_reports import EVENT_BODY

pytestmark = [pytest.mark.redis, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]

REPORTS = 300
CLIENTS = 16


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


class PrivateRedis:
    """A redis-server of this test's own, without persistence: a restart loses every queued task."""

    def __init__(self, port: int, folder: Path) -> None:
        self.port, self.folder, self.proc = port, folder, None

    def start(self) -> None:
        args = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self.proc = subprocess.Popen(args + ["--dir", str(self.folder)], stdout=subprocess.DEVNULL)
        _wait_port(self.port)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class WebServer:
    """``manage.py runserver`` in a process of its own, on the test database."""

    def __init__(self, port: int, env: dict) -> None:
        self.port, self.env, self.proc = port, env, None

    def start(self) -> None:
        cmd = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"]
        self.proc = subprocess.Popen(
            cmd,
            env=self.env,
            cwd=ROOT,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_port(self.port)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def _database_env() -> dict[str, str]:
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return {"ARA_SQLITE_PATH": str(db["NAME"]), "DATABASE_URL": ""}
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return {
        "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    }


@pytest.fixture
def stack(redis_url, tmp_path):
    """Private Redis, a web server and a worker factory, all stopped after the test."""
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    from tests.conftest import WorkerProcess

    # A port of its own (never 6379: the machine's Redis is shared and must not be stopped).
    redis_port = int(os.environ.get("ARA_FAULT_REDIS_PORT") or _free_port())
    redis = PrivateRedis(redis_port, tmp_path)
    broker = f"redis://127.0.0.1:{redis_port}/0"
    port = _free_port()
    env = {
        **os.environ,
        **_database_env(),
        "ARA_VAR_DIR": str(tmp_path),
        "ARA_PORT": str(port),
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
    }
    web = WebServer(port, env)
    workers: list[WorkerProcess] = []

    def worker() -> WorkerProcess:
        w = WorkerProcess(broker, {k: env[k] for k in ("ARA_VAR_DIR", "ARA_PORT", *_database_env())})
        workers.append(w)
        deadline = time.monotonic() + 60
        while True:
            try:
                w.wait_ready(10)
                return w
            except (OSError, TimeoutError, ConnectionError, redis_errors.ConnectionError):
                # The probe's pooled connection may predate a broker restart: ask again.
                if time.monotonic() > deadline:
                    raise

    redis.start()
    try:
        web.start()
        yield type("Stack", (), {"redis": redis, "web": web, "worker": staticmethod(worker), "port": port})
    finally:
        for w in workers:
            w.stop(kill=True)
        web.kill()
        redis.kill()


class Clients:
    """Posts every report until it is answered 200, the way a browser retries a failed report."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/.well-known/attribution-reporting/report-event-attribution"
        self.headers = {"Host": f"adtech.localhost:{port}", "Content-Type": "application/json"}
        self.ok: Counter[str] = Counter()
        self.failures = 0
        self.lock = threading.Lock()

    def send(self, report_id: str) -> None:
        body = json.dumps({**EVENT_BODY, "report_id": report_id})
        for _ in range(200):
            try:
                response = httpx.post(self.url, content=body, headers=self.headers, timeout=10)
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code == 200:
                with self.lock:
                    self.ok[report_id] += 1
                return
            with self.lock:
                self.failures += 1
            time.sleep(0.2)
        raise AssertionError(f"report {report_id} was never accepted")


class Load:
    """Report ids for the clients: new ones while the faults go on (and at least ``minimum``);
    every tenth is handed out twice in a row, so two clients send it at the same moment."""

    def __init__(self, minimum: int, faults_done: threading.Event) -> None:
        self.minimum, self.faults_done = minimum, faults_done
        self.ids: list[str] = []
        self.lock = threading.Lock()

    def __iter__(self):
        return self

    def __next__(self) -> str:
        with self.lock:
            if self.ids and len(self.ids) % 10 == 0 and self.ids[-1] != getattr(self, "_twice", None):
                self._twice = self.ids[-1]
                return self._twice
            if len(self.ids) >= self.minimum and self.faults_done.is_set():
                raise StopIteration
            self.ids.append(str(uuid.uuid4()))
            return self.ids[-1]


@pytest.mark.django_db(transaction=True)
def test_no_report_is_lost_or_counted_twice_through_faults(stack):
    from adtech import demo_data

    demo_data.load()
    first_worker = stack.worker()
    clients = Clients(stack.port)
    faults: list[str] = []
    done = threading.Event()
    load = Load(REPORTS, done)

    def inject() -> None:
        try:
            # Mid-batch: once the worker has processed some reports and others wait for it.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not (
                ReceivedReport.objects.filter(status="processed").exists()
                and ReceivedReport.objects.filter(status="pending").count() >= 5
            ):
                time.sleep(0.1)
            first_worker.stop(kill=True)  # SIGKILL mid-batch: its unacknowledged task goes back to the queue
            done_by_then = ReceivedReport.objects.filter(status="processed").count()
            waiting_then = ReceivedReport.objects.filter(status="pending").count()
            faults.append(f"worker killed ({done_by_then} processed, {waiting_then} pending)")
            time.sleep(1.0)
            stack.redis.kill()  # the broker goes away, and with it every queued task
            faults.append("broker stopped")
            time.sleep(2.0)
            stack.redis.start()
            faults.append("broker restarted, empty")
            stack.worker()
            faults.append("worker restarted")
            time.sleep(1.0)
            stack.web.kill()  # the web server dies mid-request
            faults.append("web server killed")
            time.sleep(0.5)
            stack.web.start()
            faults.append("web server restarted")
            time.sleep(1.0)
        finally:
            from django.db import connection

            connection.close()  # this thread's own connection
            done.set()

    injector = threading.Thread(target=inject)
    injector.start()
    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(_drain, clients, load) for _ in range(CLIENTS)]
        for future in futures:
            future.result()
    injector.join()
    assert len(faults) == 6, faults
    assert "(0 processed" not in faults[0], "the worker was killed before it processed anything"
    ids = load.ids
    # Reports whose task died with the broker are still pending: beat's sweep processes them.
    stored_pending = ReceivedReport.objects.filter(status="pending").count()
    deadline = time.monotonic() + 120
    while ReceivedReport.objects.filter(status="pending").exists() and time.monotonic() < deadline:
        services.process_pending(older_than=timedelta(0))
        time.sleep(0.5)

    rows = list(ReceivedReport.objects.values("pk", "report_id", "status", "duplicate_of_id", "error"))
    # Zero lost: every 200 is a stored row (a report answered twice has two rows, one a copy).
    assert len(rows) >= sum(clients.ok.values())
    assert {r["report_id"] for r in rows} == set(ids)
    assert not [r for r in rows if r["status"] in ("pending", "failed", "invalid")]
    # Zero counted twice: one processed row per report, every other row a copy of it.
    processed = Counter(r["report_id"] for r in rows if r["status"] == "processed")
    assert processed == Counter({i: 1 for i in ids})
    canonical = {r["report_id"]: r["pk"] for r in rows if r["status"] == "processed"}
    copies = [r for r in rows if r["status"] == "duplicate"]
    assert all(r["duplicate_of_id"] == canonical[r["report_id"]] for r in copies)
    assert len(copies) == len(rows) - len(ids) >= len(ids) // 10
    summary = selectors.dashboard_summary()
    assert summary["reports_by_kind"]["event-level"] == len(ids)
    assert sum(row["event_level_reports"] for row in summary["conversions"]) == len(ids)
    print(
        f"faults: {', '.join(faults)}; {stored_pending} pending for the sweep; {sum(clients.ok.values())} answered 200, {clients.failures} failed "
        f"attempts retried, {len(rows)} rows stored, {len(copies)} copies, {len(ids)} counted"
    )


def _drain(clients: Clients, load: Load) -> None:
    for report_id in load:
        clients.send(report_id)
