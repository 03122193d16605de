"""Room mode's pages: join (a redirect chain, or JSON for scripts), the profile hop, the instructor."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from config.hosts import party_url

from . import qr, selectors, services, tokens
from .middleware import refuse

INSTRUCTOR_SESSION = "room_instructor"


def _room_off(request: HttpRequest, json: bool = False) -> HttpResponse:
    message = (
        "Room mode is off: this server is one person's lab (the default profile). Start it with ARA_ROOM=1."
    )
    if json:
        return JsonResponse({"error": message, "room": False}, status=404)
    return render(request, "room/off.html", {"message": message}, status=404)


@never_cache
@require_GET
def join(request: HttpRequest) -> HttpResponse:
    """A new attendee: a profile and its token, carried to every party host, then the guide."""
    try:
        joined = services.join(selectors.client_address(request))
    except services.RoomOff:
        return _room_off(request)
    except services.JoinRefused as exc:
        return refuse(request, 429, f"Cannot join now: {exc}")
    response = HttpResponseRedirect(services.chain_url(joined.token))
    services.set_profile_cookie(response, joined.token)
    return response


@csrf_exempt
@require_POST
def api_join(request: HttpRequest) -> JsonResponse:
    """``POST /room/api/join``: a new attendee for an HTTP client (the cookies it should send)."""
    try:
        joined = services.join(selectors.client_address(request))
    except services.RoomOff:
        return _room_off(request, json=True)
    except services.JoinRefused as exc:
        return refuse(request, 429, f"Cannot join now: {exc}", json=True)
    return JsonResponse(
        {"profile": joined.profile, "token": joined.token, "cookies": joined.cookies()}, status=201
    )


@never_cache
@require_GET
def profile_hop(request: HttpRequest) -> HttpResponse:
    """``/.well-known/attributionlab/profile?token=&next=`` on every host: stores the token first-party."""
    if not settings.ARA_ROOM:
        return _room_off(request)
    token = request.GET.get("token", "")
    try:
        tokens.unsign(token)
    except tokens.BadToken as exc:
        return refuse(request, 403, f"Refused: {exc}. Join the room at {selectors.join_url()}.")
    target = request.GET.get("next", "")
    response = HttpResponseRedirect(target if services.is_party_url(target) else party_url("guide", "/"))
    services.set_profile_cookie(response, token)
    return response


@require_GET
def welcome(request: HttpRequest) -> HttpResponse:
    """The guide's home for someone who has not joined the room yet."""
    return render(request, "room/welcome.html", {"join_url": selectors.join_url()})


def _bearer(request: HttpRequest) -> bool:
    """A script's ``Authorization: Bearer <key>``."""
    header = request.headers.get("Authorization", "")
    return header.startswith("Bearer ") and services.instructor_key_matches(header[7:].strip())


def _instructor(request: HttpRequest) -> bool:
    if request.session.get(INSTRUCTOR_SESSION) or _bearer(request):
        return True
    if services.instructor_key_matches(request.GET.get("key", "")):
        request.session[INSTRUCTOR_SESSION] = True
        return True
    return False


def _not_instructor(request: HttpRequest) -> HttpResponse:
    return refuse(
        request,
        403,
        "The instructor page needs the instructor's key (ARA_ROOM_INSTRUCTOR_KEY, printed when the server "
        "starts in room mode): open /room/instructor?key=<key>.",
    )


@never_cache
@require_GET
def instructor(request: HttpRequest) -> HttpResponse:
    if not settings.ARA_ROOM:
        return _room_off(request)
    if not _instructor(request):
        return _not_instructor(request)
    if "key" in request.GET:  # keep the key out of the address bar and the history
        return redirect("room-instructor")
    context = {
        "join_url": selectors.join_url(),
        "qr_svg": qr.svg(selectors.join_url()),
        "progress": selectors.progress(),
        "summaries_url": party_url("adtech", "/summaries/"),
        "reset": request.session.pop("room_reset_result", None),
    }
    return render(request, "room/instructor.html", context)


@never_cache
@require_GET
def instructor_progress(request: HttpRequest) -> HttpResponse:
    if not settings.ARA_ROOM:
        return _room_off(request, json=True)
    if not _instructor(request):
        return _not_instructor(request)
    return JsonResponse(selectors.progress())


@csrf_exempt
@require_POST
def instructor_reset(request: HttpRequest) -> HttpResponse:
    """Clears every party and every attendee's browser; attendees stay joined.

    A script with the key as a bearer token needs no CSRF token; the page's form (the session)
    does, so no other site can make an instructor's browser reset the room.
    """
    if not settings.ARA_ROOM:
        return _room_off(request)
    if not _bearer(request):
        refused = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {})
        if refused is not None:
            return refused
        if not request.session.get(INSTRUCTOR_SESSION):
            return _not_instructor(request)
    results = services.reset_room()
    if "json" in request.headers.get("Accept", ""):
        return JsonResponse({"results": results})
    request.session["room_reset_result"] = results
    return redirect("room-instructor")


@require_GET
def join_qr(request: HttpRequest) -> HttpResponse:
    """The join URL as a QR code (SVG), for a slide or the projector."""
    response = HttpResponse(qr.svg(selectors.join_url()), content_type="image/svg+xml")
    response["Cache-Control"] = "no-cache"
    return response
