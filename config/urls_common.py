"""What every party's urlconf includes: static files, the fidelity test routes, the error handlers."""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.views import serve
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from attribution_reporting.time_units import DAY_S


def static_file(request: HttpRequest, path: str) -> HttpResponse:
    """A file from the static folders; a path that would leave them is simply not found."""
    try:
        return serve(request, path, insecure=True)
    except SuspiciousFileOperation:
        raise Http404("no such static file") from None


@require_GET
@cache_control(max_age=DAY_S, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """The lab's icon: browsers ask every host for ``/favicon.ico``; an SVG does (Chromium takes it)."""
    icon = Path(settings.BASE_DIR) / "static" / "common" / "favicon.svg"
    return HttpResponse(icon.read_bytes(), content_type="image/svg+xml")


def common_patterns() -> list:
    from browser.views import service_worker
    from room.views import profile_hop

    return [
        # Room mode: the attendee's profile token, stored as this host's first-party cookie.
        path(".well-known/attributionlab/profile", profile_hop, name="room-profile-hop"),
        # The demo serves its own static files on every host (one process, no CDN).
        re_path(r"^static/(?P<path>.*)$", static_file),
        path("favicon.ico", favicon, name="favicon"),
        # The simulated browser's service worker, at each origin's root (its scope is the origin).
        path("attributionlab-sw.js", service_worker, name="attributionlab-sw"),
        # Test-only pages and endpoints of the differential suite (404 unless enabled).
        path("test/fidelity/", include("fidelity.urls")),
    ]


def error_handlers() -> tuple[str, str, str, str]:
    """``handler400, handler403, handler404, handler500`` for a urlconf: the demo's own pages."""
    return (
        "config.errors.bad_request",
        "config.errors.permission_denied",
        "config.errors.page_not_found",
        "config.errors.server_error",
    )
