"""Every request runs as its attendee's profile; the simulated browser refuses unknown ones.

In room mode the simulated browser's state is per attendee: a request to the browser host
must carry a token this server signed (``?profile=`` or the host's first-party cookie), or it
is refused with a 403 that says why; a registering request over the attendee's limits gets a
429. Other hosts only note the profile (``request.room_profile``, None when unknown): their
pages pass the token on to the shim. With room mode off every request is ``default``.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from browser import profiles
from config.errors import error_response

from . import limits, selectors

# Browser-host paths that hold no attendee's state: scripts, static files, report receivers.
OPEN_PREFIXES = (
    "/shim.js",
    "/sw.js",
    "/static/",
    "/favicon.ico",
    "/.well-known/",
    "/test/",
    "/attributionlab-sw.js",
)
REGISTERING = (("POST", "/network"), ("POST", "/api/registrations"), ("GET", "/navigate"))


def _json_style(request: HttpRequest) -> bool:
    return (
        request.path.startswith(("/api/", "/network"))
        or "json" in request.headers.get("Accept", "")
        or request.content_type == "application/json"
    )


def refuse(request: HttpRequest, status: int, message: str, *, json: bool = False) -> HttpResponse:
    """A 403/429 in the endpoint's style (``json``: always JSON), readable by the page that asked (CORS)."""
    if json or _json_style(request):
        response: HttpResponse = JsonResponse({"error": message, "status": status}, status=status)
    else:
        response = error_response(request, status, message)
    origin = request.headers.get("Origin")
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
    if status == 429:
        response["Retry-After"] = str(limits.RETRY_AFTER_S)
    response["Cache-Control"] = "no-store"
    return response


class ProfileMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            profile: str | None = selectors.profile_for(request)
            problem = ""
        except selectors.NoProfile as exc:
            profile, problem = None, str(exc)
        request.room_profile = profile
        request.room_token = selectors.token_for(request) if profile else ""
        party = getattr(request, "party", None)
        if party is not None and party.key == "browser" and settings.ARA_ROOM:
            refused = self._browser_refusal(request, profile, problem)
            if refused is not None:
                return refused
        with profiles.using(profile or profiles.DEFAULT):
            return self.get_response(request)

    @staticmethod
    def _browser_refusal(request: HttpRequest, profile: str | None, problem: str) -> HttpResponse | None:
        if request.method == "OPTIONS" or request.path.startswith(OPEN_PREFIXES):
            return None
        if profile is None:
            return refuse(request, 403, f"Refused: {problem}.")
        if any(request.method == m and request.path == p for m, p in REGISTERING):
            reason = limits.refusal(profile)
            if reason:
                return refuse(request, 429, f"Too many requests: {reason}")
        return None
