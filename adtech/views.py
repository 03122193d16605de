"""The ad tech's HTTP surface: registrations, ads, report receivers and its pages.

Views parse the request and call one service or selector; the decisions live in
``registrations.py``, ``services.py`` and ``processing.py``.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from attribution_reporting.sites import is_suitable_origin
from config import jsonbody
from config.hosts import party, party_url

from . import intake, registrations, selectors, services
from .eligibility import parse_eligible
from .forms import AggregationSettingsForm, CampaignForm, ConversionEventFormSet, ValidatorForm
from .keyscheme import KeyScheme, current_scheme
from .models import AggregationSettings, Campaign, ConversionEvent, Creative
from .preview import campaign_previews, key_layout, scaling_figures, trigger_previews
from .validation import ValidationRequestError, check

MAX_REPORT_BYTES = 64 * 1024
TRANSPARENT_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def _origin(request: HttpRequest) -> str:
    return f"{settings.ARA_SCHEME}://{request.get_host()}"


def _error(status: int, message: str, **extra) -> JsonResponse:
    response = JsonResponse({"error": message, **extra}, status=status)
    response["Cache-Control"] = "no-store"
    return response


# --- Registration endpoints ---------------------------------------------------------------


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
        response = _error(400, outcome.error, registration=outcome.registration.pk)
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
    response["X-Adtech-Decision"] = outcome.registration.status
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
        reporting_origin=_origin(request),
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


ID_COOKIE = "adtech_uid"
ID_COOKIE_AGE_S = 365 * 86_400


@require_GET
def register_source(request: HttpRequest) -> HttpResponse:
    return _register(request, registrations.register_source)


@require_GET
def register_trigger(request: HttpRequest) -> HttpResponse:
    return _register(request, registrations.register_trigger)


# --- Ads ----------------------------------------------------------------------------------


@xframe_options_exempt
@require_GET
def ads_serve(request: HttpRequest) -> HttpResponse:
    """An ad for a cross-site iframe: a view registration and a click registration."""
    creatives = Creative.objects.filter(active=True, campaign__active=True).select_related("campaign")
    slug = request.GET.get("creative")
    creative = creatives.filter(slug=slug).first() if slug else None
    if creative is None:
        choices = list(creatives)
        if not choices:
            return HttpResponse(
                "No active campaign has an ad to show.", status=404, content_type="text/plain"
            )
        creative = random.choice(choices)  # noqa: S311 - which ad to show is not a secret
    campaign = creative.campaign
    params = {"campaign": campaign.slug, "creative": creative.slug}
    if request.GET.get("geo"):
        params["geo"] = request.GET["geo"]
    click = dict(params, type="click")
    if request.GET.get("chain") == "partner":
        click["chain"] = "partner"
    context = {
        "creative": creative,
        "campaign": campaign,
        "slot": request.GET.get("slot", ""),
        "view_url": party_url("adtech", "/register/source?" + urlencode(dict(params, type="view"))),
        "click_url": party_url("adtech", "/register/source?" + urlencode(click)),
        "landing_url": party_url("advertiser", f"/products/{campaign.landing_sku}"),
    }
    response = render(request, "adtech/ad.html", context)
    ancestors = " ".join(party(k).origin for k in ("publisher", "guide", "adtech"))
    response["Content-Security-Policy"] = f"frame-ancestors 'self' {ancestors}"
    response["Cache-Control"] = "no-store"
    return response


# --- Report receivers ---------------------------------------------------------------------


@csrf_exempt
def receive_report(request: HttpRequest, sub: str) -> HttpResponse:
    """Store a report durably, then answer 200; what is not a report gets a clear 4xx."""
    kind = services.REPORT_PATHS.get(sub.strip("/"))
    if kind is None:
        return _error(404, f"no report endpoint at {request.path}", endpoints=sorted(services.REPORT_PATHS))
    if request.method != "POST":
        response = _error(405, "reports are sent with POST")
        response["Allow"] = "POST"
        return response
    if request.content_type != "application/json":
        return _error(415, f"reports are application/json, not {request.content_type or 'unspecified'!r}")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _error(400, "Content-Length is not a number")
    if declared > MAX_REPORT_BYTES:
        return _error(413, f"a report is at most {MAX_REPORT_BYTES} bytes")
    raw = request.read(MAX_REPORT_BYTES + 1)
    if len(raw) > MAX_REPORT_BYTES:
        return _error(413, f"a report is at most {MAX_REPORT_BYTES} bytes")
    try:
        jsonbody.loads(raw)  # bounded: depth, size, lone surrogates
    except jsonbody.JSONBodyError as exc:
        return _error(400, str(exc))
    text = raw.decode("utf-8")
    try:
        admitted = intake.admit(kind, text)
    except intake.Refused as exc:
        return _error(400, str(exc))
    report = services.store_report(
        kind=kind,
        body=text,
        content_type=request.META.get("CONTENT_TYPE", "")[:200],
        reporting_origin=_origin(request),
        path=request.path,
        report_id=admitted.report_id,
        user_agent=request.headers.get("User-Agent", ""),
    )
    answer = {"stored": report.pk, "kind": kind}
    if report.duplicate_of_id:
        answer["duplicate_of"] = report.duplicate_of_id
    return JsonResponse(answer, status=200)


# --- Pages --------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The live dashboard (its data comes from /api/dashboard)."""
    return render(
        request,
        "adtech/home.html",
        {"campaigns": selectors.campaigns(), "active": "dashboard"},
    )


@never_cache
@require_GET
def dashboard_json(request: HttpRequest) -> JsonResponse:
    """The dashboard's data; ``?limit=`` (1..200, default 40) recent reports and registrations."""
    raw = request.GET.get("limit", "40")
    if not raw.isdigit() or not 1 <= int(raw) <= 200:
        return _error(400, "limit must be a whole number from 1 to 200")
    return JsonResponse(selectors.dashboard_data(limit=int(raw)))


@require_POST
def clear_data(request: HttpRequest) -> HttpResponse:
    counts = services.clear_all_data()
    messages.info(
        request, f"Removed {counts['reports']} reports and {counts['registrations']} registrations."
    )
    return redirect("home")


@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "adtech/campaigns.html",
        {"campaigns": selectors.campaigns(), "active": "campaigns"},
    )


def _may_save(request: HttpRequest, previews: list[dict[str, Any]]) -> bool:
    """True when Save was pressed and every header the new settings would send is valid.

    Settings that would send an invalid header are never saved, and the page says why.
    """
    if not all(p["valid"] for p in previews):
        messages.error(request, "Not saved: the library rejects a header these settings would send.")
        return False
    return "save" in request.POST


@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Edit a campaign; the headers it would send are validated before anything is saved."""
    campaign = get_object_or_404(Campaign, slug=slug)
    form = CampaignForm(request.POST or None, instance=campaign)
    previews = campaign_previews(campaign, current_scheme())
    if request.method == "POST" and form.is_valid():
        candidate = form.save(commit=False)
        previews = campaign_previews(candidate, current_scheme())
        if _may_save(request, previews):
            services.save_campaign(candidate)
            messages.success(request, f"Saved {candidate.name}: its next registrations send these headers.")
            return redirect("campaign-edit", slug=candidate.slug)
    context = {"campaign": campaign, "form": form, "previews": previews, "active": "campaigns"}
    return render(request, "adtech/campaign_edit.html", context)


@require_http_methods(["GET", "POST"])
def conversions(request: HttpRequest) -> HttpResponse:
    """Conversion events, key scheme and value scaling, with the trigger headers they produce."""
    row = AggregationSettings.objects.first() or AggregationSettings(
        source_dimensions=list(KeyScheme().source_dimensions),
        trigger_dimensions=list(KeyScheme().trigger_dimensions),
    )
    events = ConversionEvent.objects.all()
    formset = ConversionEventFormSet(request.POST or None, queryset=events, prefix="ev")
    form = AggregationSettingsForm(request.POST or None, instance=row, prefix="agg")
    previews = trigger_previews(events, row)
    if request.method == "POST" and formset.is_valid() and form.is_valid():
        new_events = formset.save(commit=False)
        by_pk = {e.pk: e for e in new_events}
        candidates = [by_pk.get(e.pk, e) for e in events]
        new_row = form.save(commit=False)
        previews = trigger_previews(candidates, new_row)
        row = new_row
        if _may_save(request, previews):
            services.save_conversion_settings(new_events, new_row)
            messages.success(request, "Saved: the next trigger registrations send these headers.")
            return redirect("conversions")
    scheme = KeyScheme(tuple(row.source_dimensions or ()), tuple(row.trigger_dimensions or ()))
    context = {
        "formset": formset,
        "form": form,
        "previews": previews,
        "layout": key_layout(scheme),
        "scaling": scaling_figures(row),
        "row": row,
        "active": "conversions",
    }
    return render(request, "adtech/conversions.html", context)


@require_GET
def validator(request: HttpRequest) -> HttpResponse:
    """The header validator; every input is in the URL, so a result can be shared by link."""
    form = ValidatorForm(request.GET or None)
    result = None
    error = ""
    if request.GET and form.is_valid():
        try:
            result = check(
                form.cleaned_data["header"], form.cleaned_data["value"], form.cleaned_data["source_type"]
            )
        except ValidationRequestError as exc:
            error = str(exc)
    share_url = request.build_absolute_uri() if result is not None else ""
    context = {
        "form": form,
        "result": result,
        "error": error,
        "share_url": share_url,
        "value_json": json.dumps(result["value"], indent=2) if result and result["value"] is not None else "",
        "active": "validate",
    }
    return render(request, "adtech/validate.html", context)
