"""Starts the whole demo: the web server for every host, a Celery worker and Celery beat.

Each runs as a process of its own under a supervisor: one that dies is restarted, with
backoff, and the log says so. Ctrl-C (or SIGTERM) stops all three and waits for them, so
nothing is left behind.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
from collections.abc import Callable

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.broker import current_broker
from config.hosts import PARTIES
from guide.supervisor import Supervisor


def port_free(port: int, address: str = "127.0.0.1") -> bool:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address, port))
        except OSError:
            return False
    return True


LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def addrport(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


class Command(BaseCommand):
    help = "Run the web server, a Celery worker and Celery beat until Ctrl-C."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=settings.ARA_PORT)

    def _room_banner(self) -> None:
        """Room mode: where attendees join, and the instructor's page with its key."""
        from config.hosts import party_url
        from room.services import instructor_key

        self.stdout.write(self.style.SUCCESS("Room mode is on."))
        self.stdout.write(f"  Attendees join at  {party_url('guide', '/room/join')}")
        self.stdout.write(
            f"  Instructor page    {party_url('guide', '/room/instructor')}?key={instructor_key()}"
        )

    def handle(self, *args, port: int, **options) -> None:
        bind = settings.ARA_BIND  # loopback unless ARA_BIND says otherwise
        if not port_free(port, bind):
            raise CommandError(
                f"Port {port} is already in use. Stop whatever is listening there "
                f"(`lsof -i :{port}`), or run on another port: ARA_PORT=8001 make demo"
            )
        env = {**os.environ, "ARA_PORT": str(port), "PYTHONUNBUFFERED": "1"}
        # The broker is chosen once, here: the web server, the worker and beat then agree on it
        # (a Redis that starts answering later cannot split them between two brokers).
        broker = current_broker()
        if broker.kind == "embedded":
            env["ARA_EMBEDDED_BROKER"] = "1"
        py = sys.executable
        commands = {
            # --nostatic: static files go through the party urlconfs (and their error pages) on every host.
            "web": [py, "manage.py", "runserver", f"{addrport(bind, port)}", "--noreload", "--nostatic"],
            "worker": [
                py,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                "--concurrency=2",
                "--hostname=demo-worker@%h",
            ],
            "beat": [
                py,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "--loglevel=INFO",
                f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
            ],
        }
        self.stdout.write(broker.explanation)
        supervisor = Supervisor(commands, env=env, cwd=settings.BASE_DIR, log=self._log)
        run_supervised(
            self,
            supervisor,
            title="Attribution Lab is starting. Open:",
            bind=bind,
            port=port,
            banner=self._room_banner if settings.ARA_ROOM else None,
            stopping="Stopping web server, worker and beat ...",
        )

    def _log(self, message: str) -> None:
        self.stderr.write(f"[supervisor] {message}")


def run_supervised(
    command: BaseCommand,
    supervisor: Supervisor,
    *,
    title: str,
    bind: str,
    port: int,
    stopping: str,
    lines: tuple[str, ...] = (),
    banner: Callable[[], None] | None = None,
) -> None:
    """Starts the supervised processes, says where every party is, and stops them all on Ctrl-C."""
    signal.signal(signal.SIGINT, supervisor.request_stop)
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    out = command.stdout
    try:
        supervisor.start_all()
        out.write(command.style.SUCCESS("\n" + title))
        for p in PARTIES:
            out.write(f"  {p.url('/'):<40} {p.role}")
        for line in lines:
            out.write(line)
        reach = "this machine only: ARA_BIND=0.0.0.0 opens it" if bind in LOOPBACK else "open to the network"
        out.write(f"Listening on {addrport(bind, port)} ({reach}).")
        if banner:
            banner()
        out.write("Press Ctrl-C to stop everything.\n")
        supervisor.run()
    finally:
        out.write(stopping)
        supervisor.stop_all()
        out.write("Stopped.")
