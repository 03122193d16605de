"""Loads the demo data of every party; safe to run any number of times.

Each party app may have a ``demo_data`` module with a ``load(stdout) -> str`` function that
creates its records idempotently (get-or-create by a natural key) and returns a summary.
"""

from __future__ import annotations

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

APPS = ("guide", "publisher", "advertiser", "adtech", "browser", "aggregation")


class Command(BaseCommand):
    help = "Create or update the demo data of every party (idempotent)."

    def handle(self, *args, **options) -> None:
        for app in APPS:
            try:
                module = importlib.import_module(f"{app}.demo_data")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo_data":
                    raise
                continue
            with transaction.atomic():
                summary = module.load(self.stdout)
            self.stdout.write(f"{app}: {summary or 'ok'}")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
