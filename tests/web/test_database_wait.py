"""A background thread waits for a refused database connection instead of losing its work."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from config.database import wait_for_connection


def _refusing(times: int):
    calls = []

    def connect() -> None:
        calls.append(1)
        if len(calls) <= times:
            raise OperationalError("FATAL: sorry, too many clients already")

    return connect, calls


def test_a_refused_connection_is_tried_again_after_a_pause():
    connect, calls = _refusing(2)
    slept: list[float] = []
    assert wait_for_connection(pauses_s=(0.1, 0.3, 1.0), connect=connect, sleep=slept.append)
    assert len(calls) == 3 and slept == [0.1, 0.3]


def test_it_gives_up_with_a_log_line_when_every_attempt_is_refused(caplog):
    connect, calls = _refusing(10)
    slept: list[float] = []
    assert not wait_for_connection(pauses_s=(0.1, 0.2), connect=connect, sleep=slept.append)
    assert len(calls) == 3 and slept == [0.1, 0.2]
    assert "refused a connection 3 times" in caplog.text


def test_other_errors_are_not_taken_for_a_busy_database():
    def broken() -> None:
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError):
        wait_for_connection(pauses_s=(0.1,), connect=broken, sleep=lambda s: None)
