"""Pages of the simulated browser: attribution internals, the shim, the action forms."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import cors, navigation, origins, request_envelope, selectors, services
from .api import run_action
from .registration import RegistrationError


def _static_script(path: str) -> HttpResponse:
    """A script from the static folders, served at a fixed URL any origin may load.

    The scripts are static files (linted, the same bytes for every page); what differs per page
    is in the page's script tag or the worker's URL, never in the script.
    """
    found = finders.find(path)
    if not found:
        raise Http404(f"no static script {path}")
    response = HttpResponse(Path(found).read_bytes(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Attribution internals, modelled on Chrome's chrome://attribution-internals."""
    initial = selectors.internals()
    return render(
        request,
        "browser/home.html",
        {
            "initial": initial,
            "state": initial["state"],
            "fidelity": selectors.fidelity(),
            # In room mode, whose browser this is (the middleware read it from the attendee's token).
            "room_profile": getattr(request, "room_profile", None) if settings.ARA_ROOM else None,
        },
    )


@require_POST
def action(request: HttpRequest, name: str) -> HttpResponse:
    """The internals page's buttons (plain forms, so they work without JavaScript)."""
    data = {key: request.POST.get(key) for key in ("ms", "enabled", "allowed", "report_id")}
    try:
        result = run_action(name, {k: v for k, v in data.items() if v is not None})
    except (ValueError, KeyError) as exc:
        messages.error(request, f"That did not work: {exc}")
        return redirect("home")
    if result is None:
        messages.error(request, f"Unknown action {name!r}.")
    else:
        messages.info(request, result.get("explanation", "Done."))
    target = request.POST.get("next") or ""
    return redirect(target if target.startswith("/") and not target.startswith("//") else "home")


@require_GET
def shim(request: HttpRequest) -> HttpResponse:
    """The page-side script that hands attributionsrc work to the simulated browser."""
    return _static_script("browser/shim.js")


@xframe_options_exempt
@require_GET
def navigate(request: HttpRequest) -> HttpResponse:
    """A navigation the shim routes through here on its way to the link's destination.

    Its ``Sec-Fetch-*`` headers, which only the browser sets, show whether the person started
    it; if so the navigation's source registrations start (in the background) and the browser
    is redirected on at once, as Chrome navigates while it registers. See :mod:`browser.navigation`.
    """
    try:
        nav = navigation.Navigation.from_query(request.GET, request.GET.getlist("src"))
    except RegistrationError as exc:
        return render(
            request,
            "browser/navigate_error.html",
            {"problem": str(exc), "href": request.GET.get("href", "")},
            status=400,
        )
    try:
        ids = navigation.start(nav, request.headers)
    except DatabaseError:
        ids = []  # the storage is busy: the person still gets where the link goes
    if nav.in_navigation and ids:
        # The navigation request itself registers: the simulated browser makes it (see navigate_through).
        where = navigation.navigate_through(
            ids[0],
            referrer=request.headers.get("Referer", ""),
            user_agent=request.headers.get("User-Agent", ""),
        )
        response = HttpResponseRedirect(where)
        response["Cache-Control"] = "no-store"
        return response
    navigation.launch(ids)
    response = HttpResponseRedirect(nav.href)
    response["Cache-Control"] = "no-store"
    return response


# --- The network service's HTTP face -------------------------------------------------------

_DROPPED = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-encoding",  # httpx has decoded the body already
    "content-length",
    "set-cookie",  # the page never sees these; the simulated browser's profile keeps cookies
    "trailer",
    "upgrade",
}


def _b64json(value: object) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode("ascii")


def _cors(response: HttpResponse, origin: str | None, *, allow: bool = True) -> HttpResponse:
    if origin and allow:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Expose-Headers"] = "*"
    response["Vary"] = "Origin"
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
def network_fetch(request: HttpRequest) -> HttpResponse:
    """``POST /network?r=<request as JSON>`` with the page's body: the page's request, made once.

    Called by the service worker on the page's origin and by the shim (fetch, XHR). Answers
    with the final response itself: its status, headers and body, so an XHR made to this URL
    behaves as the page's own; what the chain registered is in ``Attribution-Lab-Outcome``
    (base64 JSON) and, by the page's request id, at ``/network/outcome/<rid>``. A request
    that could not be made is a 502 with ``Attribution-Lab-Error``; a CORS-mode request whose
    response Chrome would hide from the page is answered without CORS headers, so the page's
    own fetch or XHR fails as it did in Chrome.
    """
    origin = request.headers.get("Origin")
    if origin and not origins.is_allowed_page_origin(origin):
        return _cors(
            HttpResponse(
                f"Requests from {origin} are not accepted by the simulated browser (only its parties, loopback "
                "origins and ARA_BROWSER_ALLOWED_ORIGINS).\n",
                status=403,
                content_type="text/plain; charset=utf-8",
            ),
            None,
        )
    if request.method == "OPTIONS":
        response = _cors(HttpResponse(status=204), origin)
        response["Access-Control-Allow-Methods"] = "POST"
        response["Access-Control-Allow-Headers"] = "*"
        response["Access-Control-Max-Age"] = "600"
        return response
    if request.method != "POST":
        return _cors(
            HttpResponse("POST the page's request here.\n", status=405, content_type="text/plain"), origin
        )
    try:
        page = services.page_request(
            request.GET.get("r", ""), request.body, request.headers.get("Content-Type", "")
        )
    except RequestDataTooBig:
        message = (
            f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes; the simulated "
            f"browser forwards at most {request_envelope.MAX_BODY_BYTES:,}, so the request was not made."
        )
        response = _cors(HttpResponse(message, status=413, content_type="text/plain; charset=utf-8"), origin)
        response["Attribution-Lab-Error"] = _b64json(message)
        return response
    except services.RegistrationError as exc:
        response = _cors(
            HttpResponse(f"{exc}\n", status=400, content_type="text/plain; charset=utf-8"), origin
        )
        response["Attribution-Lab-Error"] = _b64json(str(exc))
        return response
    result = services.fetch_for_page(page, rid=request.GET.get("rid", ""))
    outcome = services.outcome_json(result.registration) if result.registration else None
    if result.error:
        response = HttpResponse(result.error, status=502, content_type="text/plain; charset=utf-8")
        response["Attribution-Lab-Error"] = _b64json(result.error)
    else:
        response = HttpResponse(result.body, status=result.status)
        del response["Content-Type"]
        for name, value in result.headers:
            if name.lower() not in _DROPPED and not name.lower().startswith("access-control-"):
                response[name] = value
        response["Attribution-Lab-Status"] = f"{result.status} {result.reason}".strip()
        response["Attribution-Lab-Url"] = result.url
        response["Attribution-Lab-Redirected"] = "1" if result.redirected else "0"
        response["Attribution-Lab-Headers"] = _b64json(
            [[k, v] for k, v in result.headers if k.lower() not in _DROPPED]
        )
    if outcome:
        response["Attribution-Lab-Outcome"] = _b64json(outcome)
    return _cors(
        response,
        origin,
        allow=result.error != ""
        or not cors.hidden_from_page(
            page.mode, page.context.frame_origin or page.context.context_origin, result.url, result.headers
        ),
    )


@require_GET
def network_outcome(request: HttpRequest, rid: str) -> HttpResponse:
    """What a page request (by the page's request id) registered, for a page whose request failed."""
    origin = request.headers.get("Origin")
    allowed = not origin or origins.is_allowed_page_origin(origin)
    found = services.page_outcome(rid) if allowed else None
    return _cors(JsonResponse({"rid": rid, "outcome": found}), origin, allow=allowed)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker that routes a page's eligible requests through the network service.

    Served here (for ``importScripts`` from an origin of one's own) and, by every party, at
    ``/attributionlab-sw.js`` on its own origin: a worker controls only its own origin's pages.
    Its URL's ``?browser=`` names the simulated browser (``bootstrap.worker_url``).
    """
    return _static_script("browser/sw.js")
