"""A background thread's database connection, waited for rather than given up on.

In a busy room PostgreSQL may refuse a new connection for a moment ("too many clients") while
every web thread holds one. A request then fails with a clear error the page shows; a thread
that works in the background (a click's source registrations) has nobody to show it to, so it
waits a little and tries again before it gives up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from django.db import OperationalError, connection

log = logging.getLogger(__name__)

RETRY_PAUSES_S = (0.1, 0.3, 1.0, 2.0, 4.0)


def wait_for_connection(
    *,
    pauses_s: Sequence[float] = RETRY_PAUSES_S,
    connect: Callable[[], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """True once the database answers; False (logged) when it refused every attempt."""
    connect = connect or connection.ensure_connection
    for pause in (0.0, *pauses_s):
        if pause:
            sleep(pause)
        try:
            connect()
            return True
        except OperationalError as exc:
            last = exc
    log.error("the database refused a connection %d times: %s", len(pauses_s) + 1, last)
    return False
