"""``make demo`` supervision: a process that dies comes back, with backoff; Ctrl-C stops everything."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from guide.supervisor import Supervisor

ROOT = Path(__file__).resolve().parents[2]


def _proc_stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, process group) of a live process, None once it is gone (or a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":
        return None
    return int(fields[1]), int(fields[2])


def _in_groups(groups: set[int]) -> list[int]:
    """Live processes whose process group is one of ``groups``."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _proc_stat(int(entry.name))
            if stat and stat[1] in groups:
                out.append(int(entry.name))
    return out


def _children(pid: int) -> dict[int, str]:
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _proc_stat(int(entry.name))
            if stat and stat[0] == pid:
                try:
                    out[int(entry.name)] = (
                        Path(f"/proc/{entry.name}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                    )
                except OSError:
                    continue
    return out


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_child_that_keeps_failing_is_restarted_with_growing_delays(tmp_path):
    logs: list[str] = []
    failing = [sys.executable, "-c", "import sys; sys.exit(3)"]
    steady = [sys.executable, "-c", "import time; time.sleep(60)"]
    sup = Supervisor(
        {"failing": failing, "steady": steady}, env=os.environ, cwd=tmp_path, log=logs.append, first_delay=0.1
    )
    sup.start_all()
    steady_pid = sup.children["steady"].proc.pid
    try:
        deadline = time.monotonic() + 10
        while sup.children["failing"].restarts < 3 and time.monotonic() < deadline:
            sup.check()
            time.sleep(0.02)
    finally:
        sup.stop_all(grace=2)
    failing_child = sup.children["failing"]
    assert failing_child.restarts >= 3 and set(failing_child.history) == {3}
    delays = [line for line in logs if line.startswith("failing exited")]
    assert delays[:3] == [
        "failing exited with code 3; restarting it in 0.1 s",
        "failing exited with code 3; restarting it in 0.2 s",
        "failing exited with code 3; restarting it in 0.4 s",
    ]
    assert "failing: restarting (restart 1)" in logs
    assert sup.children["steady"].proc.pid == steady_pid and sup.children["steady"].restarts == 0
    assert _proc_stat(steady_pid) is None  # stopped


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_rundemo_restarts_a_killed_worker_and_ctrl_c_stops_everything(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "ARA_VAR_DIR": str(tmp_path),
        "ARA_SQLITE_PATH": str(tmp_path / "demo.sqlite3"),
        "DATABASE_URL": "",
        "ARA_EMBEDDED_BROKER": "1",  # no Redis needed, and no other worker can take its tasks
        "CELERY_BROKER_URL": "",
        "ARA_PORT": str(port),
        "PYTHONUNBUFFERED": "1",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], check=True, env=env, cwd=ROOT)
    log = tmp_path / "rundemo.log"
    with log.open("wb") as out:
        demo = subprocess.Popen(
            [sys.executable, "manage.py", "rundemo", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    groups: set[int] = set()
    try:
        children = _wait_for(
            lambda: len(_children(demo.pid)) == 3 and _children(demo.pid), 30, "three children"
        )
        groups = set(children)  # each child leads a process group of its own
        worker = next(pid for pid, cmd in children.items() if " worker " in cmd)
        web = next(pid for pid, cmd in children.items() if "runserver" in cmd)
        _wait_for(lambda: _answers(port), 30, "the web server")
        # A Celery worker and its pool: kill the whole group, as the OOM killer might.
        os.killpg(worker, signal.SIGKILL)
        _wait_for(lambda: "worker exited with code -9" in log.read_text(), 15, "the supervisor's notice")
        new_worker = _wait_for(
            lambda: next(
                (p for p, c in _children(demo.pid).items() if " worker " in c and p != worker), None
            ),
            15,
            "a new worker",
        )
        groups.add(new_worker)
        assert "worker: restarting (restart 1)" in log.read_text()
        assert web in _children(demo.pid) and _answers(port)  # the web server was never stopped
        time.sleep(1)
        groups |= set(_children(demo.pid))
        demo.send_signal(signal.SIGINT)  # Ctrl-C
        assert demo.wait(timeout=40) == 0
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()
        leftovers = _in_groups(groups)
        for pid in leftovers:
            os.kill(pid, signal.SIGKILL)
    text = log.read_text()
    assert "Stopped." in text, text
    assert leftovers == [], f"processes left behind: {leftovers}"


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
            return sock.recv(12).startswith(b"HTTP/1.")
    except OSError:
        return False
