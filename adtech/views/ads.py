"""The ad server: an ad for a publisher's cross-site iframe."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from config.hosts import party, party_url

from .. import selectors


@xframe_options_exempt
@require_GET
def ads_serve(request: HttpRequest) -> HttpResponse:
    """An ad for a cross-site iframe: a view registration and a click registration."""
    creative = selectors.creative_to_serve(request.GET.get("creative"))
    if creative is None:
        return HttpResponse("No active campaign has an ad to show.", status=404, content_type="text/plain")
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
