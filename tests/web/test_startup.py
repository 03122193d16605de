"""Start-up with bad surroundings: a missing database folder, an unreachable broker."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": "", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_missing_database_folder_is_created(tmp_path):
    db = tmp_path / "does" / "not" / "exist" / "lab.sqlite3"
    result = _manage("migrate", "-v0", env={"ARA_SQLITE_PATH": str(db)})
    assert result.returncode == 0, result.stderr
    assert db.exists()


def test_unreachable_broker_keeps_the_pages_working(tmp_path):
    env = {
        "ARA_SQLITE_PATH": str(tmp_path / "lab.sqlite3"),
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
    }
    assert _manage("migrate", "-v0", env=env).returncode == 0
    script = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings'); django.setup();"
        "from django.test import Client; from django.conf import settings;"
        "from config.celery import app; app.conf.broker_connection_timeout=1; app.conf.broker_connection_max_retries=0;"
        "c=Client(); r=c.get('/', HTTP_HOST='localhost:8000'); print(r.status_code);"
        "p=c.post('/worker/ping', HTTP_HOST='localhost:8000'); print(p.status_code, p.json()['queued']);"
        "from config.broker import current_broker; print(current_broker().kind)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": "", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split()
    assert lines[:4] == ["200", "503", "False", "configured"]


def _python(script: str, var) -> list[str]:
    """Runs ``script`` in a fresh interpreter on the embedded broker; its output, split."""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env={**os.environ, "ARA_VAR_DIR": str(var), "DATABASE_URL": "", "ARA_EMBEDDED_BROKER": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_importing_settings_makes_no_folder_and_chooses_no_broker(tmp_path):
    var = tmp_path / "not-yet"
    script = (
        "import config.settings as s; from config import broker;"
        "print(s.VAR_DIR.exists(), broker.current_broker.cache_info().currsize)"
    )
    assert _python(script, var) == ["False", "0"]
    assert not var.exists()
    # Celery's configuration chooses the broker when it is first read.
    script = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings'); django.setup();"
        "from config.celery import app; print(app.conf.broker_url)"
    )
    assert _python(script, var) == ["filesystem://"]
    assert (var / "celery" / "in").is_dir()
