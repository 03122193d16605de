"""Fixtures shared by the suite: the live server on every host, Chromium, Redis."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import replace

import httpx
import pytest

from config.broker import redis_answers
from config.hosts import current_site
from config.parties import Site
from native import chrome


def pytest_configure(config) -> None:
    """A file SQLite test database, so that several live-server threads can write at once.

    The simulated browser calls back into the same live server (registrations, report receivers)
    from other threads; Django's in-memory test database fails a second writer at once with
    "database table is locked", while a file database in WAL mode lets writers wait.
    PostgreSQL runs are unaffected.
    """
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3") and not db.get("TEST", {}).get("NAME"):
        folder = os.environ.get("ARA_VAR_DIR") or tempfile.gettempdir()
        os.makedirs(folder, exist_ok=True)
        name = f"test-attribution-lab-{os.getpid()}.sqlite3"
        db.setdefault("TEST", {})["NAME"] = os.path.join(folder, name)


CHROMIUM = os.environ.get("ARA_CHROMIUM", "/usr/bin/chromium")
# The same quiet, sandbox-less, offline start as Chrome 149's (native/chrome.py).
CHROMIUM_ARGS = list(chrome.BASE_FLAGS)


class DjangoAppTransport(httpx.BaseTransport):
    """Routes httpx requests to this process's Django app (by Host, as the server does), no socket.

    The ad tech's aggregation client speaks HTTP to the aggregation service through it in tests
    without a server: the same requests, headers and answers (a crash is a 500, not an exception),
    inside the test's database transaction.
    """

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        from django.test import Client
        from django.urls import get_urlconf, set_urlconf

        self.requests.append(request)
        skip = {"host", "content-length", "content-type"}
        # The calling request (a page of the ad tech) is still being served in this thread:
        # the nested one must leave its host's urlconf as it found it.
        urlconf = get_urlconf()
        try:
            response = Client(raise_request_exception=False).generic(
                request.method,
                request.url.raw_path.decode("ascii"),
                data=request.read(),
                content_type=request.headers.get("content-type", ""),
                headers={k: v for k, v in request.headers.items() if k.lower() not in skip},
                HTTP_HOST=request.url.netloc.decode("ascii"),
            )
        finally:
            set_urlconf(urlconf)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        return httpx.Response(response.status_code, headers=list(response.items()), content=content)


@pytest.fixture(autouse=True)
def aggregation_transport(monkeypatch) -> DjangoAppTransport:
    """The ad tech reaches the aggregation service in-process (``lab_server`` tests use the network)."""
    from adtech import aggregation_client

    transport = DjangoAppTransport()
    monkeypatch.setattr(aggregation_client, "TRANSPORT", transport)
    return transport


@pytest.fixture
def lab_server(live_server, settings, monkeypatch):
    """The live server, with host routing told its port so every ``*.localhost`` URL points at it.

    The ad tech's calls to the aggregation service go over the network to it, as in the demo.
    """
    from adtech import aggregation_client

    monkeypatch.setattr(aggregation_client, "TRANSPORT", None)
    port = int(live_server.url.rsplit(":", 1)[1])
    settings.ARA_PORT = port
    origins = current_site().page_origins()
    settings.CORS_ALLOWED_ORIGINS = origins
    settings.CSRF_TRUSTED_ORIGINS = origins
    return live_server


@pytest.fixture(scope="session")
def playwright():
    """One Playwright driver for the session: Debian's Chromium and Chrome 149 both launch from it."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -r requirements-dev.txt)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def chromium(playwright):
    """Debian's Chromium driven by Playwright (never a browser Playwright downloads)."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium package to run browser tests")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def launch_chrome149(playwright, port: int, reporting_hosts: tuple[str, ...] | None = None):
    """Chrome 149 enrolled for ``reporting_hosts`` on ``port``, with the local aggregation service allowed.

    ``reporting_hosts`` are host labels; by default the demo's reporting origins (the ad tech
    and its measurement partner).

    It skips with the reason where Chrome 149 is not installed (``make real-chrome``); with
    ``ARA_REQUIRE_CHROME149=1`` (CI) a missing Chrome 149 fails instead, so native tests never
    vanish quietly.
    """
    reason = chrome.missing_reason()
    if reason:
        if os.environ.get("ARA_REQUIRE_CHROME149") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    site = Site(port=port)
    origins = chrome.NativeOrigins.of(site)
    if reporting_hosts is not None:
        origins = replace(origins, reporting_origins=tuple(site.origin(label) for label in reporting_hosts))
    return playwright.chromium.launch(
        executable_path=str(chrome.executable()), headless=True, args=chrome.launch_args(origins)
    )


@pytest.fixture(scope="session")
def chrome149(playwright, live_server):
    """A real Chrome 149 with the Attribution Reporting API, pointed at the live server's parties."""
    browser = launch_chrome149(playwright, int(live_server.url.rsplit(":", 1)[1]))
    yield browser
    browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def redis_url():
    """A real Redis for tests of the queue itself; skips with the reason where none answers."""
    url = os.environ.get("ARA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    if not redis_answers():
        pytest.skip("no Redis answers on 127.0.0.1:6379 (CI always has one)")
    return url


class WorkerProcess:
    """A real ``celery worker`` process for tests of the queue itself (not eager mode)."""

    def __init__(
        self, broker_url: str, env: dict | None = None, queues: str | None = None, name: str = "test-worker"
    ):
        import subprocess
        import sys
        from pathlib import Path

        self.broker_url = broker_url
        cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel=WARNING",
            "--concurrency=1",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"{name}@%h",
        ]
        if queues:
            cmd += ["-Q", queues]
        full_env = {
            **os.environ,
            "CELERY_BROKER_URL": broker_url,
            "CELERY_RESULT_BACKEND": broker_url,
            **(env or {}),
        }
        self.proc = subprocess.Popen(
            cmd, env=full_env, cwd=Path(__file__).resolve().parent.parent, start_new_session=True
        )

    def wait_ready(self, timeout: float = 30) -> None:
        import time

        from celery import Celery

        probe = Celery("probe", broker=self.broker_url, backend=self.broker_url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"celery worker exited with {self.proc.returncode}")
            if probe.control.ping(timeout=0.5):
                return
        raise TimeoutError("celery worker did not answer a ping in time")

    def stop(self, kill: bool = False) -> None:
        import signal

        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL if kill else signal.SIGTERM)
            self.proc.wait(timeout=30)


@pytest.fixture
def start_worker(redis_url):
    """Starts real Celery workers on Redis; all are stopped after the test."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    workers: list[WorkerProcess] = []

    def start(env: dict | None = None) -> WorkerProcess:
        worker = WorkerProcess(redis_url, env)
        workers.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in workers:
        worker.stop(kill=True)


@pytest.fixture
def eager_celery():
    """Runs Celery tasks in-process (for page-level tests; queue behaviour is tested with a real worker)."""
    from config.celery import app

    old = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = old
    # Eager tasks run from server threads can leave Celery's process-wide "join will block"
    # flag set, which would make a later real-worker test's result.get() refuse to wait.
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _isolated_var_dir(settings, tmp_path):
    """Each test gets its own ``var/`` for files (aggregation buckets and jobs), as it gets its own DB."""
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()


@pytest.fixture(autouse=True)
def _room_wide_forgotten():
    """Room-wide answers the guide shares for a moment (``config.room_cache``) do not outlive a test's database."""
    from config.room_cache import ROOM_WIDE

    ROOM_WIDE.clear()
    yield
    ROOM_WIDE.clear()
