"""``make room``: what it checks before it starts, what it refuses, and a real start and stop."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from guide import roomserver

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _runroom(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "runroom", *args],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_variables_it_uses_the_local_services_and_says_so():
    backing = roomserver.choose_backing({})
    assert backing.database_url == "postgres://postgres@127.0.0.1:5432/attribution_lab"
    assert backing.broker_url == "redis://127.0.0.1:6379/0"
    assert len(backing.notes) == 2 and all("is not set: using the local" in n for n in backing.notes)
    given = roomserver.choose_backing({"DATABASE_URL": "postgres://db/x", "CELERY_BROKER_URL": "redis://r/1"})
    assert (given.database_url, given.broker_url, given.notes) == ("postgres://db/x", "redis://r/1", [])


def test_an_unreachable_postgresql_stops_the_start_with_the_reason_and_no_traceback(tmp_path):
    env = {"DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere", "ARA_VAR_DIR": str(tmp_path)}
    done = _runroom(env, f"--port={_free_port()}")
    assert done.returncode == 1
    assert "PostgreSQL at postgres://***@127.0.0.1:1/nowhere does not answer" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_an_unreachable_redis_or_a_wrong_kind_of_service_is_refused():
    with pytest.raises(roomserver.Unavailable, match=r"Redis at redis://127.0.0.1:1/0 does not answer"):
        roomserver.check_broker("redis://127.0.0.1:1/0")
    with pytest.raises(roomserver.Unavailable, match="must be a Redis URL"):
        roomserver.check_broker("filesystem://")
    with pytest.raises(roomserver.Unavailable, match="must name a PostgreSQL database"):
        roomserver.check_database("sqlite:///tmp/x.sqlite3")


def test_the_secret_is_generated_once_kept_private_and_reused(tmp_path):
    key, said = roomserver.secret_key(tmp_path, {})
    path = tmp_path / roomserver.SECRET_FILE
    assert len(key) >= 50 and "generated" in said
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert roomserver.secret_key(tmp_path, {}) == (key, f"secret key from {path}")
    assert roomserver.secret_key(tmp_path, {"ARA_SECRET_KEY": "given"})[0] == "given"


def test_the_processes_are_gunicorn_with_threads_the_workers_with_names_of_their_own_and_beat():
    commands = roomserver.commands(
        "py", bind="127.0.0.1:9", web_workers=3, threads=4, celery_workers=2, concurrency=2, beat_schedule="s"
    )
    assert list(commands) == ["web", "worker1", "worker2", "beat"]
    assert {"--workers=3", "--worker-class=gthread", "--threads=4", "--bind=127.0.0.1:9"} <= set(
        commands["web"]
    )
    assert "--hostname=room-worker2@%h" in commands["worker2"]
    # A worker takes a connection only with a thread free for it: a call back to the server is
    # never queued behind the requests that wait for it.
    assert {"--worker-connections=4", "--keep-alive=0"} <= set(commands["web"])


def test_the_start_warns_when_postgresql_allows_fewer_connections_than_the_room_may_open():
    url = _postgres_base()
    import psycopg

    with psycopg.connect(urlsplit(url)._replace(path="/postgres").geturl()) as conn:
        limit = int(conn.execute("SHOW max_connections").fetchone()[0])
    base = urlsplit(url)._replace(path="/postgres").geturl()
    needed = roomserver.database_connections_needed(
        web_workers=3, threads=20, celery_workers=1, concurrency=2
    )
    assert needed == 3 * 20 + 3 + 1 + 10
    assert roomserver.check_connection_budget(base, limit) == ""
    warning = roomserver.check_connection_budget(base, limit + 1)
    assert f"allows {limit} connections" in warning and "ARA_WEB_THREADS" in warning


def _postgres_base() -> str:
    url = os.environ.get("DATABASE_URL", "").strip() or roomserver.DEFAULT_DATABASE_URL
    try:
        import psycopg

        maintenance = urlsplit(url)._replace(path="/postgres").geturl()
        psycopg.connect(maintenance, connect_timeout=2).close()
    except Exception as exc:  # no PostgreSQL here: the start test cannot run
        pytest.skip(f"no PostgreSQL answers at {urlsplit(url).netloc} ({type(exc).__name__})")
    return url


@pytest.mark.redis
@pytest.mark.slow
def test_a_room_starts_on_postgresql_and_redis_serves_and_stops_on_ctrl_c(redis_url, tmp_path):
    import psycopg

    base = _postgres_base()
    name = f"test_room_{uuid.uuid4().hex[:8]}"
    database_url = urlsplit(base)._replace(path=f"/{name}").geturl()
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": redis_url,
        "ARA_CELERY_QUEUE": f"room-test-{uuid.uuid4().hex[:8]}",
        "ARA_VAR_DIR": str(tmp_path / "var"),
        "ARA_PORT": str(port),
        "DJANGO_DEBUG": "1",  # the room turns it off whatever is set
    }
    command = [sys.executable, "manage.py", "runroom", "--web-workers=1", "--threads=4", "--concurrency=1"]
    proc = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    guide = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stdout.read()
            try:
                if (
                    httpx.get(guide + "/", headers={"Host": f"localhost:{port}"}, timeout=2).status_code
                    == 200
                ):
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        news = {"Host": f"news.localhost:{port}"}
        icon = httpx.get(guide + "/static/common/favicon.svg", headers={**news, "Accept-Encoding": "gzip"})
        assert icon.status_code == 200 and icon.headers.get("Content-Encoding") == "gzip"  # WhiteNoise's
        missing = httpx.get(guide + "/no-such-page/", headers=news)
        assert missing.status_code == 404 and "URLconf" not in missing.text  # DEBUG is off
        ads = httpx.get(guide + "/api/campaigns/", headers={"Host": f"adtech.localhost:{port}"}).json()
        assert ads and all(c["slug"] for c in ads)  # migrated, demo data loaded
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
        with psycopg.connect(urlsplit(base)._replace(path="/postgres").geturl(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert proc.returncode == 0, out
    assert f"created the database '{name}'" in out and "Stopped." in out
    assert (tmp_path / "var" / roomserver.SECRET_FILE).is_file()
    with socket.socket() as sock:  # nothing listens any more
        assert sock.connect_ex(("127.0.0.1", port)) != 0
