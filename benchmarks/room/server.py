"""The room this benchmark starts (``manage.py runroom``), and the CPU it and PostgreSQL spend."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from .lab import Lab

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/attribution_lab_bench"
PROC = Path("/proc")
LOCAL = {"", "localhost", "127.0.0.1", "::1"}


def _stat(entry: Path) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (field 3 on), or None."""
    try:
        text = (entry / "stat").read_text()
    except OSError:
        return None
    return text[text.rfind(")") + 2 :].split()


def server_cpu_seconds(pid: int, proc: Path = PROC) -> float | None:
    """CPU time of the process ``pid`` and its live descendants (the room's gunicorn workers,
    Celery and beat), with what the children they have reaped had used (None: no such process)."""
    if not (proc / str(pid)).is_dir():
        return None
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in proc.iterdir():
        if entry.name.isdigit() and (fields := _stat(entry)) is not None:
            stats[int(entry.name)] = fields
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    ticks = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        if current in stats:  # utime, stime, cutime, cstime
            total += sum(int(v) for v in stats[current][11:15]) / ticks
    return total


def database_name(url: str) -> str:
    """The database of a PostgreSQL URL on this machine ("" for another machine's)."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres") or (parts.hostname or "") not in LOCAL:
        return ""
    return parts.path.lstrip("/")


class PostgresCpu:
    """CPU time of the PostgreSQL processes that serve one database (its backends and its
    autovacuum workers), read from ``/proc`` and keyed by pid and start time, so each process is
    counted once. A backend that exits is known up to its last sample: :meth:`watch` samples
    every second during a run, and the CPU of its last second, or of a backend that lived less
    than a second, is lost (Django closes its connections after 60 s, so long runs lose some)."""

    def __init__(self, database: str, proc: Path = PROC) -> None:
        self.database, self.proc = database, proc
        self.seen: dict[tuple[int, int], float] = {}  # since begin(): last CPU seconds read
        self.base: dict[tuple[int, int], float] = {}
        self.live: set[tuple[int, int]] = set()

    def sample(self) -> None:
        ticks = os.sysconf("SC_CLK_TCK")
        live: set[tuple[int, int]] = set()
        for entry in self.proc.iterdir():
            if not entry.name.isdigit():
                continue
            try:
                words = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if not words.startswith("postgres:") or self.database not in words.split():
                continue
            fields = _stat(entry)
            if fields is None:
                continue
            key = (int(entry.name), int(fields[19]))
            live.add(key)
            self.seen[key] = (int(fields[11]) + int(fields[12])) / ticks
        self.live = live

    def begin(self) -> None:
        self.seen = {}
        self.sample()
        self.base = dict(self.seen)

    def end(self) -> dict:
        """CPU seconds since :meth:`begin`, and how many of the processes seen exited meanwhile."""
        self.sample()
        cpu = sum(value - self.base.get(key, 0.0) for key, value in self.seen.items())
        exited = [key for key in self.seen if key not in self.live]
        return {"cpu_s": round(cpu, 2), "processes": len(self.seen), "exited": len(exited)}

    def watch(self, every: float = 1.0) -> Callable[[], None]:
        """Samples in a thread until the returned function is called (it waits for the thread)."""
        done = threading.Event()

        def loop() -> None:
            while not done.wait(every):
                self.sample()

        thread = threading.Thread(target=loop, daemon=True, name="postgres-cpu")
        thread.start()

        def stop() -> None:
            done.set()
            thread.join()

        return stop


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_room(args: argparse.Namespace, var: Path) -> tuple[subprocess.Popen, Lab]:
    """``manage.py runroom`` on a port of its own, with a database and a Celery queue of its own."""
    port = args.port or _free_port()
    env = {
        **os.environ,
        "ARA_PORT": str(port),
        "ARA_VAR_DIR": str(var),
        "ARA_BIND": "127.0.0.1",
        "DATABASE_URL": args.database_url,
        "ARA_CELERY_QUEUE": f"bench-room-{uuid.uuid4().hex[:8]}",
        "ARA_ROOM_INSTRUCTOR_KEY": args.instructor_key,
        # Every attendee joins from this one address, run after run, into the same database.
        "ARA_ROOM_JOINS_PER_MINUTE": "100000",
        "ARA_ROOM_MAX_ATTENDEES": "1000000",
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "manage.py", "runroom"]
    if args.web_workers:
        command.append(f"--web-workers={args.web_workers}")
    log = open(var / "room.log", "w")  # noqa: SIM115 (closed with the process)
    proc = subprocess.Popen(
        command, env=env, cwd=ROOT, start_new_session=True, stdout=log, stderr=subprocess.STDOUT
    )
    lab = Lab.from_url(f"http://localhost:{port}")
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"make room exited with {proc.returncode}:\n{(var / 'room.log').read_text()[-2000:]}"
            )
        try:
            if httpx.get(lab.connect + "/", headers={"Host": lab.host("")}, timeout=2).status_code == 200:
                return proc, lab
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop_room(proc)
    raise TimeoutError("the room did not answer within 180 s")


def stop_room(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # as Ctrl-C: the supervisor stops every child
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
