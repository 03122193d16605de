"""End-to-end runs need a test database that several server threads can write at once.

The live server answers the shim, and the simulated browser then calls back into the same server (the ad
tech's registration endpoints, the report receivers) from other threads. Django's default SQLite test database
is in memory with a shared cache, where a second writer fails at once with "database table is locked"
instead of waiting. A file database in WAL mode (the settings' ``init_command``) lets writers wait for each
other, as in the demo. PostgreSQL runs are unaffected.
"""

from __future__ import annotations

import os
import tempfile


def pytest_configure(config) -> None:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3") and not db.get("TEST", {}).get("NAME"):
        folder = os.environ.get("ARA_VAR_DIR") or tempfile.gettempdir()
        db.setdefault("TEST", {})["NAME"] = os.path.join(
            folder, f"test-attribution-lab-{os.getpid()}.sqlite3"
        )
