"""Chooses the Celery broker: explicit URL, else a local Redis, else an embedded one.

The embedded broker is kombu's filesystem transport under ``var/celery``: it needs no
server, so the demo runs on a laptop with nothing installed.
"""

from __future__ import annotations

import functools
import logging
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("config.broker")


@dataclass(frozen=True)
class BrokerChoice:
    url: str
    kind: str  # "configured", "local-redis" or "embedded"
    transport_options: dict
    result_backend: str
    explanation: str


def redis_answers(host: str = "127.0.0.1", port: int = 6379, timeout: float = 0.3) -> bool:
    """True if something speaking Redis answers PING on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def choose_broker(var_dir: Path, env: Mapping[str, str] | None = None) -> BrokerChoice:
    """The broker for these values (named as the environment variables; None: the settings').

    An explicit ``CELERY_BROKER_URL`` wins; else a local Redis that answers, unless
    ``ARA_EMBEDDED_BROKER=1``; else the embedded broker, whose folders are made here.
    """
    env = _from_settings() if env is None else env
    url = env.get("CELERY_BROKER_URL", "").strip()
    if url:
        backend = env.get("CELERY_RESULT_BACKEND", "").strip() or (
            url if url.startswith(("redis://", "rediss://")) else _file_backend(var_dir)
        )
        return BrokerChoice(
            url, "configured", {}, backend, f"Celery broker from CELERY_BROKER_URL: {redact(url)}"
        )
    if env.get("ARA_EMBEDDED_BROKER", "") != "1" and redis_answers():
        url = "redis://127.0.0.1:6379/0"
        return BrokerChoice(url, "local-redis", {}, url, "Celery broker: the local Redis on 127.0.0.1:6379")
    folder = var_dir / "celery"
    for sub in ("in", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    options = {
        "data_folder_in": str(folder / "in"),
        "data_folder_out": str(folder / "in"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }
    return BrokerChoice(
        "filesystem://",
        "embedded",
        options,
        _file_backend(var_dir),
        f"Celery broker: embedded (no Redis answered on 127.0.0.1:6379), messages in {folder}",
    )


def _from_settings() -> dict[str, str]:
    from django.conf import settings

    return {
        "CELERY_BROKER_URL": settings.ARA_CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.ARA_CELERY_RESULT_BACKEND,
        "ARA_EMBEDDED_BROKER": "1" if settings.ARA_EMBEDDED_BROKER else "",
    }


@functools.cache
def current_broker() -> BrokerChoice:
    """The broker this process uses, chosen once when first needed, never at import time.

    Celery's configuration, the demo runner and the guide's status ask for it.
    """
    from django.conf import settings

    return choose_broker(Path(settings.VAR_DIR))


def celery_config() -> dict:
    """Celery's broker settings from :func:`current_broker` (``app.add_defaults`` calls it lazily)."""
    choice = current_broker()
    return {
        "broker_url": choice.url,
        "broker_transport_options": choice.transport_options,
        "result_backend": choice.result_backend,
    }


def _file_backend(var_dir: Path) -> str:
    results = var_dir / "celery" / "results"
    results.mkdir(parents=True, exist_ok=True)
    return f"file://{results}"


def redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
