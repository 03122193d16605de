"""Test-only pages and endpoints under ``/test/`` on the browser host.

They let the simulated browser be checked end to end without the other parties: a page with
every registration mechanism, tiny registration endpoints that answer as an ad tech would,
and a report receiver. They answer 404 unless ``DEBUG`` or ``ARA_BROWSER_TEST_PAGES`` is on.
"""

from __future__ import annotations

import json
import threading
import time
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from attribution_reporting.eligibility import eligible_keys

# A 1x1 transparent GIF, for image requests.
GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")

_received: list[dict] = []
_requests: list[dict] = []
_lock = threading.Lock()


def enabled() -> bool:
    return bool(getattr(settings, "ARA_BROWSER_TEST_PAGES", settings.DEBUG))


def test_only(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not enabled():
            raise Http404("test pages are off (set DEBUG or ARA_BROWSER_TEST_PAGES)")
        return view(request, *args, **kwargs)

    return wrapper


def received() -> list[dict]:
    with _lock:
        return list(_received)


def clear_received() -> None:
    with _lock:
        _received.clear()
        _requests.clear()


def requests_seen() -> list[dict]:
    """Every request the test registration endpoints answered, with the headers a server sees."""
    with _lock:
        return list(_requests)


def _log_request(request: HttpRequest, endpoint: str) -> None:
    with _lock:
        _requests.append(
            {
                "endpoint": endpoint,
                "query": request.GET.dict(),
                "eligible": request.headers.get("Attribution-Reporting-Eligible"),
                "support": request.headers.get("Attribution-Reporting-Support"),
                "cookie": request.headers.get("Cookie"),
                "referer": request.headers.get("Referer"),
            }
        )


def _eligible_keys(request: HttpRequest) -> set[str] | None:
    raw = request.headers.get("Attribution-Reporting-Eligible")
    return None if raw is None else set(eligible_keys(raw) or ())


def _answer(request: HttpRequest) -> HttpResponse:
    if request.GET.get("as") == "img":
        response = HttpResponse(GIF, content_type="image/gif")
    elif request.GET.get("as") == "script":
        response = HttpResponse("", content_type="text/javascript")
    else:
        # No Content-Type: Django's default (text/html, with its nosniff) is what Chrome's opaque-response
        # blocking drops from a cross-origin no-cors request, registration headers and all (browser/orb.py).
        response = HttpResponse(status=204)
        del response["Content-Type"]
    response["Cache-Control"] = "no-store"
    response["Access-Control-Allow-Origin"] = "*"
    # ?cookie=NAME sets NAME=1 with the attributes in ?attrs (default: SameSite=None; Secure).
    if request.GET.get("cookie"):
        attrs = request.GET.get("attrs", "SameSite=None; Secure")
        response["Set-Cookie"] = f"{request.GET['cookie']}=1; Path=/; {attrs}".rstrip("; ")
    return response


@test_only
def mechanisms(request: HttpRequest) -> HttpResponse:
    """A page using every registration mechanism (served under any host by the tests)."""
    from config.hosts import party_url

    base = party_url("browser", "/test/register-source")
    destination = request.GET.get("destination") or party_url("advertiser", "/")
    return render(
        request,
        "browser/test_mechanisms.html",
        {"register": base, "destination": destination, "landing": request.GET.get("landing") or destination},
    )


@test_only
def clicks(request: HttpRequest) -> HttpResponse:
    """Links and buttons that ask for navigation sources in every way a page can."""
    from config.hosts import party_url

    destination = request.GET.get("destination") or party_url("advertiser", "/")
    from urllib.parse import urlencode

    kept = {k: v for k, v in request.GET.items() if k in ("cookie", "attrs", "debug_reporting", "delay")}
    extra = "&" + urlencode(kept) if kept else ""
    return render(
        request,
        "browser/test_clicks.html",
        {
            "register": party_url("browser", "/test/register-source"),
            "destination": destination,
            "landing": request.GET.get("landing") or destination,
            "extra": extra,
        },
    )


@test_only
def conversion(request: HttpRequest) -> HttpResponse:
    """A destination page registering a trigger with an <img attributionsrc> pixel."""
    from config.hosts import party_url

    return render(
        request, "browser/test_conversion.html", {"trigger": party_url("browser", "/test/register-trigger")}
    )


def _header_safe(*values: str | None) -> bool:
    """A response header cannot carry CR, LF or NUL (they would split or end the header)."""
    return not any(value and any(c in value for c in "\r\n\x00") for value in values)


@test_only
def register_source(request: HttpRequest) -> HttpResponse:
    if not _header_safe(request.GET.get("raw"), request.GET.get("redirect")):
        return HttpResponse(
            "raw and redirect become response headers: no CR, LF or NUL in them.\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    _log_request(request, "source")
    if request.GET.get("delay"):  # a slow ad tech: ?delay=SECONDS (at most 5)
        try:
            time.sleep(min(5.0, max(0.0, float(request.GET["delay"]))))
        except ValueError:
            pass
    keys = _eligible_keys(request)
    response = _answer(request)
    if keys and ({"navigation-source", "event-source"} & keys):
        header = {
            "destination": request.GET.get("destination", ""),
            "source_event_id": request.GET.get("id", "1"),
            "debug_key": "11",
            "aggregation_keys": {"campaign": "0x159"},
        }
        if request.GET.get("debug_reporting"):
            header["debug_reporting"] = True
        if request.GET.get("raw") is not None:
            response["Attribution-Reporting-Register-Source"] = request.GET["raw"]
        else:
            response["Attribution-Reporting-Register-Source"] = json.dumps(header)
    if request.GET.get("redirect"):
        response.status_code = 302
        response["Location"] = request.GET["redirect"]
    return response


@test_only
def register_trigger(request: HttpRequest) -> HttpResponse:
    _log_request(request, "trigger")
    keys = _eligible_keys(request)
    response = _answer(request)
    if keys and "trigger" in keys:
        response["Attribution-Reporting-Register-Trigger"] = json.dumps(
            {
                "event_trigger_data": [{"trigger_data": request.GET.get("data", "1")}],
                "aggregatable_trigger_data": [{"key_piece": "0x400", "source_keys": ["campaign"]}],
                "aggregatable_values": {"campaign": 100},
                "debug_key": "22",
            }
        )
    return response


@csrf_exempt
@test_only
def receive_report(request: HttpRequest, path: str) -> HttpResponse:
    """Stores what arrives at ``/.well-known/attribution-reporting/<path>`` (tests read it)."""
    if request.method != "POST":
        return JsonResponse(received(), safe=False)
    if request.GET.get("fail") or getattr(settings, "ARA_BROWSER_TEST_RECEIVER_STATUS", 200) != 200:
        return HttpResponse(status=getattr(settings, "ARA_BROWSER_TEST_RECEIVER_STATUS", 500))
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        body = request.body.decode("utf-8", "replace")
    with _lock:
        _received.append(
            {
                "path": path,
                "content_type": request.headers.get("Content-Type"),
                "user_agent": request.headers.get("User-Agent"),
                "cookie": request.headers.get("Cookie"),
                "body": body,
            }
        )
    return HttpResponse(status=200)
