"""Keeps the demo's processes running: one that dies is restarted, with backoff, and said so.

``make demo`` runs the web server, a Celery worker and Celery beat as separate processes, as
in production. A worker killed by the out-of-memory killer or a web server that crashed must
not take the rest down: the supervisor restarts the one that exited after a delay that
doubles on each quick failure (1 s, 2 s, 4 s ... at most 30 s) and is forgotten once the
process has stayed up for a minute. Stopping (Ctrl-C, SIGTERM) stops every process and its
children, warmly first, then by force, so nothing is left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

FIRST_DELAY = 1.0
MAX_DELAY = 30.0
STABLE_AFTER = 60.0
STOP_GRACE = 15.0


@dataclass
class Child:
    name: str
    command: Sequence[str]
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    delay: float = FIRST_DELAY
    restart_at: float | None = None  # when a dead child is due to start again
    history: list[int] = field(default_factory=list)  # exit codes, for the log and tests


class Supervisor:
    """Starts named commands, restarts any that exits, stops them all on request."""

    def __init__(
        self,
        commands: Mapping[str, Sequence[str]],
        *,
        env: Mapping[str, str],
        cwd: Path | str,
        log: Callable[[str], None] = print,
        first_delay: float = FIRST_DELAY,
        max_delay: float = MAX_DELAY,
        stable_after: float = STABLE_AFTER,
    ) -> None:
        self.children = {name: Child(name, list(cmd), delay=first_delay) for name, cmd in commands.items()}
        self.env, self.cwd, self.log = dict(env), cwd, log
        self.first_delay, self.max_delay, self.stable_after = first_delay, max_delay, stable_after
        self.stopping = False

    def start_all(self) -> None:
        for child in self.children.values():
            self._start(child)

    def _start(self, child: Child) -> None:
        # A session of its own: Ctrl-C reaches the supervisor only, which stops each child in order.
        child.proc = subprocess.Popen(child.command, env=self.env, cwd=self.cwd, start_new_session=True)
        child.started_at = time.monotonic()
        child.restart_at = None

    def check(self) -> None:
        """One round: notice children that exited, restart those whose delay has passed."""
        now = time.monotonic()
        for child in self.children.values():
            if child.restart_at is not None:
                if now >= child.restart_at and not self.stopping:
                    child.restarts += 1
                    self.log(f"{child.name}: restarting (restart {child.restarts})")
                    self._start(child)
                continue
            code = child.proc.poll() if child.proc else None
            if code is None:
                if now - child.started_at >= self.stable_after:
                    child.delay = self.first_delay  # it ran long enough: the next failure is not a loop
                continue
            child.history.append(code)
            _kill_group(child.proc, signal.SIGKILL)  # what it started dies with it
            if now - child.started_at >= self.stable_after:
                child.delay = self.first_delay
            self.log(f"{child.name} exited with code {code}; restarting it in {child.delay:g} s")
            child.restart_at = now + child.delay
            child.delay = min(child.delay * 2, self.max_delay)

    def run(self, poll: float = 0.5) -> None:
        """Supervises until :meth:`request_stop` (a signal handler calls it); then call :meth:`stop_all`."""
        while not self.stopping:
            self.check()
            time.sleep(poll)

    def request_stop(self, *_: object) -> None:
        self.stopping = True

    def stop_all(self, grace: float = STOP_GRACE) -> None:
        self.stopping = True
        running = [c.proc for c in self.children.values() if c.proc is not None]
        for proc in running:
            if proc.poll() is None:
                # The leader only: a Celery worker shuts its own pool down warmly.
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in running:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _kill_group(proc, signal.SIGKILL)  # anything still there, children included
            proc.wait()


def _kill_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
