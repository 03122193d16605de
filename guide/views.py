from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from config.hosts import party_url
from config.shortcuts import wants_json
from room import selectors as room_selectors
from room import views as room_views
from room.middleware import refuse

from . import services, tasks


def _not_joined(request: HttpRequest) -> bool:
    """Room mode, and this person has not joined: there is no browser of theirs to show."""
    return settings.ARA_ROOM and getattr(request, "room_profile", None) is None


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if _not_joined(request):
        return room_views.welcome(request)
    return render(
        request,
        "guide/home.html",
        {
            "worker": services.worker_status(),
            "workshop": services.workshop_status(request.session),
            "reset": request.session.pop("guide_reset_result", None),
            "room_profile": getattr(request, "room_profile", None) if settings.ARA_ROOM else None,
            "room_shared_ttl": settings.ARA_ROOM_SHARED_TTL,
        },
    )


@require_GET
def worker_status(request: HttpRequest) -> JsonResponse:
    return JsonResponse(services.worker_status().as_dict())


@require_POST
def worker_ping(request: HttpRequest) -> JsonResponse:
    """Enqueues a heartbeat now, so a person need not wait for beat.

    CSRF-protected (the guide's button sends the token): no other site can make it enqueue work.
    """
    try:
        tasks.heartbeat.delay("ping")
    except Exception as exc:  # broker down: say so rather than fail
        return JsonResponse({"queued": False, "error": f"Could not reach the broker: {exc}"}, status=503)
    return JsonResponse({"queued": True})


@require_GET
def steps(request: HttpRequest) -> JsonResponse:
    """The workshop steps with their live checks; the guide page polls it."""
    if _not_joined(request):
        return refuse(request, 403, f"Join the room first at {room_selectors.join_url()}.")
    return JsonResponse(services.workshop_status(request.session))


@require_GET
def go_internals(request: HttpRequest) -> HttpResponse:
    """Records that the attendee opened attribution internals (step 4), then goes there."""
    services.mark_internals_visited(request.session)
    return redirect(party_url("browser", "/"))


@require_POST
def reset(request: HttpRequest) -> HttpResponse:
    """Clears every party's data for the next attendee (in room mode: this attendee's browser)."""
    if _not_joined(request):
        return refuse(request, 403, f"Join the room first at {room_selectors.join_url()}.")
    results = services.reset_all(request.session, getattr(request, "room_profile", None))
    if wants_json(request):
        return JsonResponse({"results": results})
    request.session["guide_reset_result"] = results
    return redirect("home")
