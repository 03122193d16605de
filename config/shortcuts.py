"""View shortcuts every party uses: a look-up that 404s, and whether a script asked for JSON."""

from __future__ import annotations

from typing import TypeVar

from django.http import Http404, HttpRequest

T = TypeVar("T")


def found_or_404(value: T | None, message: str) -> T:
    """``value`` from a selector, or a 404 saying ``message`` when the selector found nothing."""
    if value is None:
        raise Http404(message)
    return value


def wants_json(request: HttpRequest) -> bool:
    """True when the page's own script asks (``Accept: application/json``) rather than a form post."""
    return "application/json" in request.headers.get("Accept", "")
