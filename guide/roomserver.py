"""What ``make room`` needs before it starts: a PostgreSQL, a Redis, a secret, the commands.

A room is several dozen attendees on one server, so it runs as in production: gunicorn with
several workers, Celery on Redis, PostgreSQL. Each is given by an environment variable or, if
not, is the machine's own (and the start says so); one that does not answer stops the start
with the reason, before any process is launched.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from config.broker import redact

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/attribution_lab"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"
SECRET_FILE = "room-secret-key"
CONNECT_TIMEOUT = 3


class Unavailable(Exception):
    """A service the room needs is missing or unreachable; the message says what to do."""


@dataclass
class Backing:
    database_url: str
    broker_url: str
    notes: list[str] = field(default_factory=list)


def choose_backing(env: Mapping[str, str]) -> Backing:
    """The database and broker URLs from the environment, else the machine's own (noted)."""
    notes = []
    database_url = env.get("DATABASE_URL", "").strip()
    if not database_url:
        database_url = DEFAULT_DATABASE_URL
        notes.append(f"DATABASE_URL is not set: using the local PostgreSQL, {database_url}")
    broker_url = env.get("CELERY_BROKER_URL", "").strip()
    if not broker_url:
        broker_url = DEFAULT_BROKER_URL
        notes.append(f"CELERY_BROKER_URL is not set: using the local Redis, {broker_url}")
    return Backing(database_url, broker_url, notes)


def check_database(url: str) -> str:
    """Connects to the PostgreSQL database at ``url``, creating the database if it is missing.

    Returns what was done, for the start's log; raises :class:`Unavailable` with the reason.
    """
    import psycopg
    from psycopg import sql

    if urlsplit(url).scheme not in ("postgres", "postgresql", "pgsql"):
        raise Unavailable(
            f"DATABASE_URL must name a PostgreSQL database for a room (several processes write at once); "
            f"got {redact(url)}"
        )
    name = urlsplit(url).path.lstrip("/")
    try:
        psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT).close()
        return f"PostgreSQL: {redact(url)}"
    except psycopg.OperationalError as exc:
        if not name or f'database "{name}" does not exist' not in str(exc):
            raise Unavailable(f"PostgreSQL at {redact(url)} does not answer: {_first_line(exc)}") from None
    try:
        maintenance = urlsplit(url)._replace(path="/postgres").geturl()
        with psycopg.connect(maintenance, connect_timeout=CONNECT_TIMEOUT, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        raise Unavailable(
            f"PostgreSQL database {name!r} does not exist and could not be created: {_first_line(exc)}"
        ) from None
    return f"PostgreSQL: created the database {name!r} at {redact(url)}"


def database_connections_needed(
    *, web_workers: int, threads: int, celery_workers: int, concurrency: int
) -> int:
    """Connections the room may hold at once: one per web thread, per Celery pool process and
    main process, beat, and a margin for the navigations' background registrations."""
    return web_workers * threads + celery_workers * (concurrency + 1) + 1 + 10


def check_connection_budget(url: str, needed: int) -> str:
    """A warning when PostgreSQL's ``max_connections`` is below ``needed`` ('' when it is enough).

    Past the limit PostgreSQL refuses new connections ("too many clients"): requests would fail
    and a click's background source registration would be lost.
    """
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT) as conn:
            limit = int(conn.execute("SHOW max_connections").fetchone()[0])
    except psycopg.Error as exc:
        raise Unavailable(f"PostgreSQL at {redact(url)} does not answer: {_first_line(exc)}") from None
    if limit >= needed:
        return ""
    return (
        f"Warning: PostgreSQL allows {limit} connections (max_connections) and the room may open {needed} "
        "(web workers x threads, Celery, beat). Raise max_connections, or lower ARA_WEB_WORKERS or "
        "ARA_WEB_THREADS."
    )


def check_broker(url: str) -> None:
    """Raises :class:`Unavailable` unless the broker at ``url`` answers (a Redis PING)."""
    scheme = urlsplit(url).scheme
    if scheme not in ("redis", "rediss"):
        raise Unavailable(
            f"CELERY_BROKER_URL must be a Redis URL for a room (workers on other machines share it); "
            f"got {redact(url)}"
        )
    import redis

    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=CONNECT_TIMEOUT
        )
        client.ping()
        client.close()
    except redis.RedisError as exc:
        raise Unavailable(f"Redis at {redact(url)} does not answer: {_first_line(exc)}") from None


def secret_key(var_dir: Path, env: Mapping[str, str]) -> tuple[str, str]:
    """The room's secret key and where it came from: the environment, or a file kept in ``var_dir``.

    Kept across restarts, so attendees' sessions and signed cookies stay valid.
    """
    for name in ("ARA_SECRET_KEY", "DJANGO_SECRET_KEY"):
        if env.get(name):
            return env[name], f"secret key from {name}"
    path = Path(var_dir) / SECRET_FILE
    if path.is_file() and path.read_text().strip():
        return path.read_text().strip(), f"secret key from {path}"
    key = secrets.token_urlsafe(50)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    return key, f"secret key generated and kept in {path}"


def commands(
    python: str,
    *,
    bind: str,
    web_workers: int,
    threads: int,
    celery_workers: int,
    concurrency: int,
    beat_schedule: str,
    access_log: bool = False,
) -> dict[str, list[str]]:
    """The supervised processes: gunicorn, ``celery_workers`` Celery workers and beat."""
    web = [
        python,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        f"--bind={bind}",
        f"--workers={web_workers}",
        # Threads: the simulated browser's network service and its report delivery call the same
        # server back (the ad tech's registrations and report endpoints), so a request waiting on
        # such a call must not hold the only slot. A worker takes a connection only when one of
        # its threads is free (worker connections = threads, no idle keep-alive connections
        # holding them): otherwise a busy worker would accept a call back and queue it behind the
        # very requests that wait for it, while another worker sits idle.
        "--worker-class=gthread",
        f"--threads={threads}",
        f"--worker-connections={threads}",
        "--keep-alive=0",
        "--timeout=60",
        "--graceful-timeout=10",
        "--backlog=512",
        "--log-level=warning",
        *(["--access-logfile=-"] if access_log else []),
    ]
    out = {"web": web}
    for i in range(1, celery_workers + 1):
        name = "worker" if celery_workers == 1 else f"worker{i}"
        out[name] = [
            python,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel=INFO",
            f"--concurrency={concurrency}",
            f"--hostname=room-{name}@%h",
        ]
    out["beat"] = [
        python,
        "-m",
        "celery",
        "-A",
        "config",
        "beat",
        "--loglevel=INFO",
        f"--schedule={beat_schedule}",
    ]
    return out


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
