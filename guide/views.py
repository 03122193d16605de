from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import services, tasks


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "guide/home.html", {"worker": services.worker_status()})


@require_GET
def worker_status(request: HttpRequest) -> JsonResponse:
    return JsonResponse(services.worker_status().as_dict())


@csrf_exempt
@require_POST
def worker_ping(request: HttpRequest) -> JsonResponse:
    """Enqueues a heartbeat now, so a person need not wait for beat."""
    try:
        tasks.heartbeat.delay("ping")
    except Exception as exc:  # broker down: say so rather than fail
        return JsonResponse({"queued": False, "error": f"Could not reach the broker: {exc}"}, status=503)
    return JsonResponse({"queued": True})
