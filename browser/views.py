"""Pages of the simulated browser: attribution internals, the shim, the action forms."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from . import selectors
from .api import run_action


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
    data = {key: request.POST.get(key) for key in ("ms", "enabled", "report_id")}
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
