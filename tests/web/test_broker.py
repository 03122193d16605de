"""Broker choice: configured URL, else local Redis, else the embedded filesystem broker."""

import socket

from config import broker


def test_configured_url_wins(tmp_path):
    choice = broker.choose_broker(tmp_path, {"CELERY_BROKER_URL": "redis://user:pw@example:6379/2"})
    assert choice.kind == "configured"
    assert choice.url == "redis://user:pw@example:6379/2"
    assert "pw" not in choice.explanation


def test_embedded_when_no_redis(tmp_path, monkeypatch):
    monkeypatch.setattr(broker, "redis_answers", lambda *a, **k: False)
    choice = broker.choose_broker(tmp_path, {})
    assert choice.kind == "embedded"
    assert choice.url == "filesystem://"
    assert (tmp_path / "celery" / "in").is_dir()
    assert "embedded" in choice.explanation


def test_forced_embedded(tmp_path):
    assert broker.choose_broker(tmp_path, {"ARA_EMBEDDED_BROKER": "1"}).kind == "embedded"


def test_redis_answers_false_on_closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert broker.redis_answers(port=port) is False
