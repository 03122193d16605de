"""First visits: install the service worker before a party page's own requests go out.

A service worker controls only pages loaded after it was installed, so on a first visit the
page's ``<img attributionsrc>`` and ``<script attributionsrc>`` requests would go out plain and
the shim would have to fall back to separate registration requests (a request Chrome never
made). For navigations to the demo's own pages that load the shim, this middleware answers a
first visit (no ``attributionlab-sw`` cookie on that origin) with a tiny page that installs the
worker, sets the cookie and reloads; the reloaded page is then controlled, so every eligible
request is made once. Browsers that still ship the API (Chrome before 152) never see it: the
shim steps aside there and no worker is installed.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

COOKIE = "attributionlab-sw"
SKIP_PARAM = "attributionlab-sw"
PARTIES = ("publisher", "advertiser", "adtech")
_CHROME = re.compile(r"Chrome/(\d+)\.")
LAST_CHROME_WITH_ARA = 151


def worker_url(profile_token: str = "") -> str:
    """The service worker's URL on a page origin; its query tells the worker the browser's origin
    (and in room mode the attendee's profile token).

    The shim registers the same URL, so a page never replaces the worker this page installed.
    Every value is percent-encoded, so the bootstrap page writes it into its script unescaped.
    """
    from config.hosts import party

    query = {"browser": party("browser").origin}
    if profile_token:
        query["profile"] = profile_token
    return "/attributionlab-sw.js?" + urlencode(query, quote_via=quote)


def needs_bootstrap(request: HttpRequest) -> bool:
    party = getattr(request, "party", None)
    if party is None or party.key not in PARTIES or request.method != "GET":
        return False
    if request.headers.get("Sec-Fetch-Mode") != "navigate":
        return False
    if request.headers.get("Sec-Fetch-Dest") not in ("document", "iframe"):
        return False
    if COOKIE in request.COOKIES or SKIP_PARAM in request.GET:
        return False
    version = _CHROME.search(request.headers.get("User-Agent", ""))
    return not (version and int(version.group(1)) <= LAST_CHROME_WITH_ARA)


class ServiceWorkerBootstrapMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 200
            and needs_bootstrap(request)
            and response.get("Content-Type", "").startswith("text/html")
            and not getattr(response, "streaming", False)
            and b"/shim.js" in response.content
        ):
            context = {
                "cookie": COOKIE,
                "skip": SKIP_PARAM,
                "worker_url": worker_url(getattr(request, "room_token", "")),
            }
            body = render_to_string("browser/sw_bootstrap.html", context)
            bootstrap = HttpResponse(body)
            bootstrap["Cache-Control"] = "no-store"
            bootstrap.headers.pop("X-Frame-Options", None)
            if "X-Frame-Options" in response:
                bootstrap["X-Frame-Options"] = response["X-Frame-Options"]
            return bootstrap
        return response
