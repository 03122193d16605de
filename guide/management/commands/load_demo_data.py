"""Loads the demo data of every party that has some; safe to run any number of times.

Each such party has a ``demo_data`` module whose ``load(stdout) -> str`` creates its records
idempotently (get-or-create by a natural key) and returns a summary. The publisher, the shop and
the simulated browser have none: their content is code, and the browser starts empty.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from adtech import demo_data as adtech_demo_data
from aggregation import demo_data as aggregation_demo_data

LOADERS = (("adtech", adtech_demo_data.load), ("aggregation", aggregation_demo_data.load))


class Command(BaseCommand):
    help = "Create or update the demo data of every party (idempotent)."

    def handle(self, *args, **options) -> None:
        for app, load in LOADERS:
            with transaction.atomic():
                summary = load(self.stdout)
            self.stdout.write(f"{app}: {summary or 'ok'}")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
