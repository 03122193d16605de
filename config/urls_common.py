"""URL patterns every party's urlconf includes: static files and the favicon on every host."""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.views import serve
from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """The lab's icon: browsers ask every host for ``/favicon.ico``; an SVG does (Chromium takes it)."""
    icon = Path(settings.BASE_DIR) / "static" / "common" / "favicon.svg"
    return HttpResponse(icon.read_bytes(), content_type="image/svg+xml")


def common_patterns() -> list:
    # The demo serves its own static files on every host (one process, no CDN).
    return [
        re_path(r"^static/(?P<path>.*)$", serve, {"insecure": True}),
        path("favicon.ico", favicon, name="favicon"),
    ]
