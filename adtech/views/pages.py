"""The ad tech's pages: the live dashboard, campaigns and conversion settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import selectors, services
from ..forms import AggregationSettingsForm, CampaignForm, ConversionEventFormSet
from ..keyscheme import KeyScheme, current_scheme
from ..models import Campaign
from ..preview import campaign_previews, key_layout, scaling_figures, trigger_previews
from .responses import json_error


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
        return json_error(400, "limit must be a whole number from 1 to 200")
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
    row = selectors.aggregation_settings()
    events = selectors.conversion_events()
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
