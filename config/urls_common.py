"""URL patterns every party's urlconf includes: static files and the fidelity test routes."""

from django.contrib.staticfiles.views import serve
from django.urls import include, path, re_path


def common_patterns() -> list:
    # The demo serves its own static files on every host (one process, no CDN).
    return [
        re_path(r"^static/(?P<path>.*)$", serve, {"insecure": True}),
        # Test-only pages and endpoints of the differential suite (404 unless enabled).
        path("test/fidelity/", include("fidelity.urls")),
    ]
