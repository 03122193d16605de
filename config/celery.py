"""The Celery app: autodiscovers ``tasks.py`` in every party app."""

from __future__ import annotations

import logging
import os

from celery import Celery
from celery.signals import celeryd_after_setup

from .broker import celery_config, current_broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("attribution_lab")
app.config_from_object("django.conf:settings", namespace="CELERY")
# The broker is chosen (a local Redis probed, the embedded broker's folders made) only when
# Celery first reads its configuration, not when settings are imported.
app.add_defaults(celery_config)
app.autodiscover_tasks()


@celeryd_after_setup.connect
def _say_which_broker(sender, instance, **kwargs) -> None:
    logging.getLogger("config.celery").warning(current_broker().explanation)
