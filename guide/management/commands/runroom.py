"""Serves a workshop room from one server: gunicorn, Celery workers and beat, on PostgreSQL and Redis.

Before anything starts it checks the database (creating it if missing) and the broker, and
refuses with the reason if either does not answer; then it migrates, loads the demo data and
collects the static files with the children's environment (DEBUG off, the room's secret,
``ARA_ROOM=1``), and supervises the processes as ``rundemo`` does: one that dies is restarted
with backoff; Ctrl-C stops them all.
"""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from guide import roomserver
from guide.management.commands.rundemo import addrport, port_free, run_supervised
from guide.supervisor import Supervisor


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise CommandError(f"{name} must be a whole number, not {value!r}") from None


class Command(BaseCommand):
    help = "Serve a workshop room: gunicorn, Celery workers and beat on PostgreSQL and Redis, until Ctrl-C."

    def add_arguments(self, parser) -> None:
        cpus = os.cpu_count() or 1
        parser.add_argument(
            "--port",
            type=int,
            default=_env_int("ARA_LISTEN_PORT", settings.ARA_PORT),
            help="port to listen on (default ARA_LISTEN_PORT, else ARA_PORT; a TLS proxy may serve another)",
        )
        # The work is CPU-bound Python under one lock per process, so a process per core (and
        # one more) is enough; threads cover the waits: each attendee's request that calls the
        # server back needs a second thread for the call.
        parser.add_argument("--web-workers", type=int, default=_env_int("ARA_WEB_WORKERS", cpus + 1))
        parser.add_argument("--threads", type=int, default=_env_int("ARA_WEB_THREADS", 20))
        parser.add_argument("--celery-workers", type=int, default=_env_int("ARA_CELERY_WORKERS", 1))
        parser.add_argument("--concurrency", type=int, default=_env_int("ARA_CELERY_CONCURRENCY", cpus))
        parser.add_argument("--access-log", action="store_true", help="log every request (gunicorn)")

    def handle(self, *args, port: int, **options) -> None:
        bind = settings.ARA_BIND
        if not port_free(port, bind):
            raise CommandError(
                f"Port {port} is already in use. Stop whatever is listening there "
                f"(`lsof -i :{port}`), or run on another port: ARA_PORT=8001 make room"
            )
        backing = roomserver.choose_backing(os.environ)
        for note in backing.notes:
            self.stdout.write(note)
        try:
            self.stdout.write(roomserver.check_database(backing.database_url))
            needed = roomserver.database_connections_needed(
                web_workers=options["web_workers"],
                threads=options["threads"],
                celery_workers=options["celery_workers"],
                concurrency=options["concurrency"],
            )
            warning = roomserver.check_connection_budget(backing.database_url, needed)
            if warning:
                self.stdout.write(self.style.WARNING(warning))
            roomserver.check_broker(backing.broker_url)
        except roomserver.Unavailable as exc:
            raise CommandError(
                f"{exc}\nThe room needs PostgreSQL and Redis; see 'Serving a room' in the README."
            ) from None
        self.stdout.write(f"Redis: {roomserver.redact(backing.broker_url)}")
        secret, said = roomserver.secret_key(settings.VAR_DIR, os.environ)
        self.stdout.write(said)
        env = {
            **os.environ,
            "DATABASE_URL": backing.database_url,
            "CELERY_BROKER_URL": backing.broker_url,
            "ARA_SECRET_KEY": secret,
            "DJANGO_DEBUG": "0",
            "ARA_ROOM": "1",
            "ARA_STATIC_COLLECTED": "1",
            "ARA_PORT": str(settings.ARA_PORT),
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("ARA_EMBEDDED_BROKER", None)
        py = sys.executable
        try:
            for step, what in (
                (["migrate", "--noinput", "-v0"], "Migrating"),
                (["load_demo_data"], "Loading the demo data"),
                (["collectstatic", "--noinput", "-v0"], "Collecting the static files"),
            ):
                self.stdout.write(f"{what} ...")
                self._run([py, "manage.py", *step], env)
        except KeyboardInterrupt:
            self.stdout.write("Stopped before the room started.")
            return
        commands = roomserver.commands(
            py,
            bind=addrport(bind, port),
            web_workers=options["web_workers"],
            threads=options["threads"],
            celery_workers=options["celery_workers"],
            concurrency=options["concurrency"],
            beat_schedule=settings.CELERY_BEAT_SCHEDULE_FILENAME,
            access_log=options["access_log"],
        )
        supervisor = Supervisor(commands, env=env, cwd=settings.BASE_DIR, log=self._log)
        workers = options["web_workers"], options["threads"], options["celery_workers"]
        run_supervised(
            self,
            supervisor,
            title="The room is starting. Attendees open:",
            bind=bind,
            port=port,
            lines=("gunicorn: {} workers x {} threads; Celery: {} worker(s) and beat.".format(*workers),),
            stopping="Stopping the web server, the workers and beat ...",
        )

    def _run(self, command: list[str], env: dict[str, str]) -> None:
        done = subprocess.run(command, env=env, cwd=settings.BASE_DIR, capture_output=True, text=True)
        if done.stdout.strip():
            self.stdout.write(done.stdout.rstrip())
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-5:])
            raise CommandError(f"{' '.join(command[1:])} failed (exit {done.returncode}):\n{tail}")

    def _log(self, message: str) -> None:
        self.stderr.write(f"[supervisor] {message}")
