"""Records what reaches the ad tech's hosts while a fidelity scenario runs.

A middleware (installed always, idle unless :func:`recording` is on) keeps every request to the
ad tech and its measurement partner that is a registration (the scenario endpoints) or a report
(``/.well-known/attribution-reporting/...``): method, URL, the attribution request headers, the
body, and the response status and registration headers. The record lives in this process's
memory: the differential runner drives the live server it runs in.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.http import HttpRequest, HttpResponse

REGISTRATION_PREFIX = "/test/fidelity/r/"
REPORT_PREFIX = "/.well-known/attribution-reporting/"
MAX_BODY = 64 * 1024
RESPONSE_HEADERS = (
    "Attribution-Reporting-Register-Source",
    "Attribution-Reporting-Register-Trigger",
    "Attribution-Reporting-Info",
    "Location",
)

_lock = threading.Lock()
_entries: list[dict] = []
_active = False


@contextmanager
def recording() -> Iterator[None]:
    """Turns the recorder on (and empties it) for the duration of a run."""
    global _active
    clear()
    _active = True
    try:
        yield
    finally:
        _active = False


def clear() -> None:
    with _lock:
        _entries.clear()


def entries() -> list[dict]:
    with _lock:
        return list(_entries)


def last_seen() -> float:
    """Monotonic time of the latest entry (0 when none)."""
    with _lock:
        return _entries[-1]["at"] if _entries else 0.0


def _wanted(request: HttpRequest) -> bool:
    party = getattr(request, "party", None)
    if party is None or party.key != "adtech":
        return False
    return request.path.startswith((REGISTRATION_PREFIX, REPORT_PREFIX))


class RecorderMiddleware:
    """Keeps what the ad tech's hosts saw, while :func:`recording` is on; otherwise does nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not (_active and _wanted(request)):
            return self.get_response(request)
        body = None
        if request.method == "POST":
            try:
                size = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                size = MAX_BODY + 1
            body = request.body.decode("utf-8", "replace") if size <= MAX_BODY else f"<{size} bytes>"
        response = self.get_response(request)
        entry = {
            "at": time.monotonic(),
            "host": request.get_host(),
            "method": request.method,
            "path": request.get_full_path(),
            "eligible": request.headers.get("Attribution-Reporting-Eligible"),
            "support": request.headers.get("Attribution-Reporting-Support"),
            "user_agent": request.headers.get("User-Agent", ""),
            "body": body,
            "status": response.status_code,
            "response_headers": {h: response[h] for h in RESPONSE_HEADERS if response.has_header(h)},
        }
        with _lock:
            _entries.append(entry)
        return response
