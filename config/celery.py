"""The Celery app: autodiscovers ``tasks.py`` in every party app."""

from __future__ import annotations

import logging
import os

from celery import Celery
from celery.signals import celeryd_after_setup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("attribution_lab")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_after_setup.connect
def _say_which_broker(sender, instance, **kwargs) -> None:
    from django.conf import settings

    logging.getLogger("config.celery").warning(settings.BROKER.explanation)
