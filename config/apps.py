"""The project's own app: prepares the folders the settings name, when Django starts."""

from __future__ import annotations

from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class LabConfig(AppConfig):
    name = "config"
    label = "lab_config"
    verbose_name = "Attribution Lab configuration"

    def ready(self) -> None:
        """``VAR_DIR`` and the SQLite database's folder exist before anything opens them."""
        Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
        database = settings.DATABASES["default"]
        if database["ENGINE"].endswith("sqlite3") and str(database["NAME"]) != ":memory:":
            Path(database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
