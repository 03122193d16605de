"""What every ad tech endpoint shares: its own origin, and a JSON error that is never cached."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse


def own_origin(request: HttpRequest) -> str:
    """The reporting origin a request reached (the ad tech or its measurement partner)."""
    return f"{settings.ARA_SCHEME}://{request.get_host()}"


def json_error(status: int, message: str, **extra) -> JsonResponse:
    response = JsonResponse({"error": message, **extra}, status=status)
    response["Cache-Control"] = "no-store"
    return response
