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
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

COOKIE = "attributionlab-sw"
SKIP_PARAM = "attributionlab-sw"
PARTIES = ("publisher", "advertiser", "adtech")
_CHROME = re.compile(r"Chrome/(\d+)\.")
LAST_CHROME_WITH_ARA = 151


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
            # Room mode: the worker's URL names the attendee's profile, as the shim's does.
            token = getattr(request, "room_token", "")
            sw_url = "/attributionlab-sw.js" + ("?" + urlencode({"profile": token}) if token else "")
            body = render_to_string(
                "browser/sw_bootstrap.html", {"cookie": COOKIE, "skip": SKIP_PARAM, "sw_url": sw_url}
            )
            bootstrap = HttpResponse(body)
            bootstrap["Cache-Control"] = "no-store"
            bootstrap.headers.pop("X-Frame-Options", None)
            if "X-Frame-Options" in response:
                bootstrap["X-Frame-Options"] = response["X-Frame-Options"]
            return bootstrap
        return response
