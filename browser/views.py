"""Pages of the simulated browser: attribution internals, the shim, the action forms."""

from __future__ import annotations

import json

from django.contrib import messages
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_POST

from . import navigation, selectors
from .api import run_action
from .registration import RegistrationError


def _trusted_origins() -> list[str]:
    from django.conf import settings

    from config.hosts import PARTIES, origin_for_host

    origins = [p.origin for p in PARTIES]
    for p in PARTIES:
        origins += [origin_for_host(f"{alias}.{settings.ARA_DOMAIN}") for alias in p.aliases]
    return origins


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Attribution internals, modelled on Chrome's chrome://attribution-internals."""
    initial = selectors.internals()
    return render(request, "browser/home.html", {"initial": initial, "state": initial["state"]})


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
    context = {
        "browser_origin": f"{request.scheme}://{request.get_host()}",
        "trusted_origins_json": json.dumps(_trusted_origins()),
    }
    response = render(request, "browser/shim.js", context, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Access-Control-Allow-Origin"] = "*"
    return response


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
    navigation.launch(ids)
    response = HttpResponseRedirect(nav.href)
    response["Cache-Control"] = "no-store"
    return response
