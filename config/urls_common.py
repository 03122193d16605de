"""URL patterns every party's urlconf includes: static files on every host."""

from django.contrib.staticfiles.views import serve
from django.urls import re_path


def common_patterns() -> list:
    # The demo serves its own static files on every host (one process, no CDN).
    return [re_path(r"^static/(?P<path>.*)$", serve, {"insecure": True})]
