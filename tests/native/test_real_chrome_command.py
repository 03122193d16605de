"""``python manage.py real_chrome`` (``make native``), run as a person runs it: in its own process,
against a running server (here the live server), talking to it only over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from adtech.models import ReceivedReport, Registration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]


def run(*args: str, port: int, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "ARA_PORT": str(port), "PYTHONUNBUFFERED": "1", **env}
    return subprocess.run(
        [sys.executable, "manage.py", "real_chrome", *args],
        cwd=REPO,
        env=full,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_without_chrome_149_it_says_how_to_get_it(tmp_path):
    done = run(port=_free_port(), ARA_CHROME149=str(tmp_path / "no-chrome"))
    assert done.returncode == 1
    assert "is not an executable file" in done.stderr and "Traceback" not in done.stderr


def test_without_a_running_demo_it_says_to_start_one(chrome149):
    port = _free_port()
    done = run(port=port)
    assert done.returncode == 1
    assert f"Nothing answers on port {port}: start the demo first" in done.stderr
    assert "Traceback" not in done.stderr


def test_it_walks_the_workshop_against_the_running_server_and_says_what_happens(
    chrome149, native_lab, settings
):
    done = run("--debug-run", port=settings.ARA_PORT)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert f"--privacy-sandbox-enrollment-overrides={native_lab.adtech},{native_lab.measure}" in out
    for said in (
        "the shim detected native ARA and stepped aside",
        "registers a click (navigation source)",
        "registers the purchase trigger",
        "ad tech received from Chrome 149: event-level report (purchase), processed",
        "first event-level report",
        "(debug run)",
        "purchase · purchase value: summary",
        "Chrome's reports at the ad tech: {'aggregatable': 3,",
    ):
        assert said in out, f"{said!r} not in:\n{out}"
    assert Registration.objects.filter(browser="chrome", status="answered").count() == 6
    assert ReceivedReport.objects.filter(browser="chrome", kind="event-level").count() == 3
