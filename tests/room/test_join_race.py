"""Concurrent joins cannot slip past the room's cap: the check and the new row commit together
(an advisory lock on PostgreSQL, an immediate write transaction on SQLite)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from room import services
from room.models import Attendee

pytestmark = pytest.mark.django_db(transaction=True)


def test_twelve_simultaneous_joins_fill_a_room_of_five_exactly(settings):
    settings.ARA_ROOM = True
    settings.ARA_ROOM_MAX_ATTENDEES = 5
    settings.ARA_ROOM_JOINS_PER_MINUTE = 100
    start = threading.Barrier(12)
    outcomes: list[str] = []

    def attendee(i: int) -> None:
        try:
            start.wait()
            services.join(f"10.0.0.{i}")
            outcomes.append("joined")
        except services.JoinRefused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attendee, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["joined"] * 5 + ["refused"] * 7
    assert Attendee.objects.count() == 5
