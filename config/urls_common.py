"""URL patterns every party's urlconf includes: static files on every host."""

from django.contrib.staticfiles.views import serve
from django.urls import path, re_path


def common_patterns() -> list:
    from browser.views import service_worker

    return [
        # The demo serves its own static files on every host (one process, no CDN).
        re_path(r"^static/(?P<path>.*)$", serve, {"insecure": True}),
        # The simulated browser's service worker, at each origin's root (its scope is the origin).
        path("attributionlab-sw.js", service_worker, name="attributionlab-sw"),
    ]
