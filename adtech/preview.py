"""The headers a settings page is about to make the ad tech send, each checked by the library."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .headers import ValueScaling, scaling_explained, source_header, trigger_header
from .keyscheme import OFFSETS, KeyScheme
from .models import AggregationSettings, Campaign, ConversionEvent
from .registrations import SKU_CATEGORIES, destination_site
from .validation import check

# A sample conversion for the previews: a purchase of the campaign's product.
SAMPLE_ORDER = "A1001"
SAMPLE_VALUE_MINOR = 24900


def _checked(kind: str, header: dict[str, Any] | None, error: str, source_type: str = "navigation") -> dict:
    if header is None:
        return {"json": "", "valid": False, "errors": [{"where": "(settings)", "msg": error}], "warnings": []}
    text = json.dumps(header, indent=2)
    result = check(kind, text, source_type)
    return {
        "json": text,
        "valid": result["valid"],
        "errors": result["errors"],
        "warnings": result["warnings"],
        "privacy": result.get("privacy"),
    }


def campaign_previews(campaign: Campaign, scheme: KeyScheme) -> list[dict[str, Any]]:
    """The click and view source headers of a (possibly unsaved) campaign."""
    creative = campaign.creatives.first() if campaign.pk else None
    out = []
    for label, source_type in (("click", "navigation"), ("view", "event")):
        try:
            header = source_header(
                campaign,
                creative_code=creative.code if creative else 0,
                source_type=source_type,
                destination=destination_site(),
                serial=42,
                scheme=scheme,
                geo="US",
            )
            error = ""
        except ValueError as exc:
            header, error = None, str(exc)
        out.append(
            {"label": label, "source_type": source_type, **_checked("source", header, error, source_type)}
        )
    return out


def trigger_previews(events: Iterable[ConversionEvent], row: AggregationSettings) -> list[dict[str, Any]]:
    """A sample trigger header per conversion event, with the current key scheme and scaling."""
    scheme = KeyScheme(tuple(row.source_dimensions or ()), tuple(row.trigger_dimensions or ()))
    scaling = ValueScaling(row.count_budget_share, row.expected_conversions, row.max_purchase_minor)
    out = []
    for event in events:
        purchase = event.event == "purchase"
        params = (
            f"event={event.event}&value={SAMPLE_VALUE_MINOR}&currency=USD&order={SAMPLE_ORDER}&product=tent-2p"
            if purchase
            else f"event={event.event}&product=tent-2p"
        )
        header = trigger_header(
            event,
            scheme=scheme,
            scaling=scaling,
            value_minor=SAMPLE_VALUE_MINOR if purchase else None,
            order=SAMPLE_ORDER if purchase else None,
            category=SKU_CATEGORIES["tent-2p"],
            geo="US",
            debug_reporting=row.trigger_debug_reporting,
            debug_key=row.trigger_debug_key,
        )
        out.append({"event": event.event, "params": params, **_checked("trigger", header, "")})
    return out


def key_layout(scheme: KeyScheme) -> list[dict[str, Any]]:
    """One row per byte of the key: which side writes it."""
    rows = []
    for dim, offset in OFFSETS.items():
        if dim == "measure":
            side = "source (key id: count or value)"
        elif dim in scheme.source_dimensions:
            side = "source"
        elif dim in scheme.trigger_dimensions:
            side = "trigger"
        else:
            side = "unused"
        rows.append({"dimension": dim, "bits": f"{offset + 7}..{offset}", "side": side})
    return rows


def scaling_figures(row: AggregationSettings) -> dict[str, Any]:
    return scaling_explained(
        ValueScaling(row.count_budget_share, row.expected_conversions, row.max_purchase_minor)
    )
