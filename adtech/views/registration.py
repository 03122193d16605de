"""Registration endpoints: ``/register/source`` and ``/register/trigger``.

The view reads the request (eligibility, parameters, origin), ``registrations`` decides, and the
answer is shaped for the kind of request that asked (image, script, CORS fetch).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from attribution_reporting.sites import is_suitable_origin

from .. import registrations
from ..eligibility import parse_eligible
from .responses import json_error, own_origin

TRANSPARENT_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
ID_COOKIE = "adtech_uid"
ID_COOKIE_AGE_S = 365 * 86_400


def _registration_body(request: HttpRequest) -> HttpResponse:
    """A GIF for images and other no-cors requests, an empty script for <script>, 204 for CORS fetch/XHR.

    A cross-origin no-cors request (an ``attributionsrc`` URL's background request, a
    ``fetch(..., {mode: "no-cors"})``) answered with a 204 or text registers nothing in Chrome: its
    Opaque Response Blocking withholds the response, headers and all (seen in Chrome 149: the
    ``/ways/`` pages' clicks, window.open and URL lists stored no source). A GIF passes.
    """
    dest = request.headers.get("Sec-Fetch-Dest", "")
    mode = request.headers.get("Sec-Fetch-Mode", "")
    wanted = request.GET.get("as", "")
    accept = request.headers.get("Accept", "")
    if wanted == "js" or dest == "script":
        return HttpResponse(b"", content_type="text/javascript")
    if (
        wanted == "gif"
        or dest == "image"
        or (mode == "no-cors" and not wanted)
        or (not dest and not wanted and accept.startswith("image/"))
    ):
        return HttpResponse(TRANSPARENT_GIF, content_type="image/gif")
    return HttpResponse(status=204)


def _answer(request: HttpRequest, outcome: registrations.Outcome) -> HttpResponse:
    if outcome.error:
        response = json_error(400, outcome.error, registration=outcome.registration.pk)
    elif outcome.redirect_to:
        response = HttpResponse(status=302)
        response["Location"] = outcome.redirect_to
    else:
        response = _registration_body(request)
    for name, value in outcome.headers.items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    # fetch() and XMLHttpRequest from the advertiser's and publisher's pages are cross-origin CORS
    # requests: without this a real Chrome fails the request and never reads its registration header.
    # Registrations carry no secrets, so any potentially trustworthy page (the demo's sites, an
    # engineer's own pages on localhost, any https site) may read the (empty) answer.
    if is_suitable_origin(request.headers.get("Origin", "")):
        response["Access-Control-Allow-Origin"] = request.headers["Origin"]
        response["Vary"] = "Origin"
    # What the ad tech decided and why, for tools that show registration responses.
    response["X-Adtech-Decision"] = str(outcome.registration.status)
    response["X-Adtech-Reason"] = outcome.registration.reason.encode("ascii", "replace").decode()[:500]
    return response


def _register(request: HttpRequest, service: Callable[..., registrations.Outcome]) -> HttpResponse:
    """Parses a registration request, lets ``service`` decide, and answers as it decided."""
    eligibility = parse_eligible(request.headers.get("Attribution-Reporting-Eligible"))
    params = request.GET.dict()
    params.setdefault(
        "geo", registrations.geo_from_accept_language(request.headers.get("Accept-Language", ""))
    )
    outcome = service(
        params,
        eligibility,
        reporting_origin=own_origin(request),
        url=request.build_absolute_uri(),
        # Stored in a 200-character column: a longer header is cut, never a database error.
        context_origin=(request.headers.get("Origin") or request.headers.get("Referer", ""))[:200],
        user_agent=request.headers.get("User-Agent", ""),
    )
    response = _answer(request, outcome)
    if ID_COOKIE not in request.COOKIES:
        # An ad tech's own identifier, as real ones set it: a third-party cookie (SameSite=None;
        # Secure), which the browser sends back on later registrations while third-party cookies
        # are allowed.
        response.set_cookie(
            ID_COOKIE,
            secrets.token_hex(8),
            max_age=ID_COOKIE_AGE_S,
            secure=True,
            httponly=True,
            samesite="None",
        )
    return response


@require_GET
def register_source(request: HttpRequest) -> HttpResponse:
    return _register(request, registrations.register_source)


@require_GET
def register_trigger(request: HttpRequest) -> HttpResponse:
    return _register(request, registrations.register_trigger)
