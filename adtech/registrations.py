"""Answering source and trigger registration requests, and recording what was answered and why.

The ad tech answers a registration header only when the request's
``Attribution-Reporting-Eligible`` header allows that kind of registration: a click needs
``navigation-source``, a view ``event-source``, a conversion ``trigger``. Requests without
the header get no registration header at all: the compatibility waiver that lets plain
subresources register triggers is deliberately not used, so every registration here is one
the browser asked for.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from urllib.parse import urlencode

from attribution_reporting.validate import validate
from config.hosts import partner_origin, party_site

from . import browsers
from .eligibility import Eligibility
from .headers import ValueScaling, source_header, trigger_header
from .keyscheme import current_scheme
from .models import AggregationSettings, Campaign, ConversionEvent, Registration
from .statuses import RegistrationStatus

log = logging.getLogger(__name__)

SOURCE_HEADER = "Attribution-Reporting-Register-Source"
TRIGGER_HEADER = "Attribution-Reporting-Register-Trigger"
SKU_CATEGORIES = {
    "tent-2p": "tents",
    "tent-4p": "tents",
    "boots-alpine": "boots",
    "boots-trail": "boots",
    "pack-35": "packs",
}


class RegistrationError(ValueError):
    """A registration request the ad tech cannot make sense of (answered with a 400)."""


@dataclass
class Outcome:
    registration: Registration
    headers: dict[str, str] = field(default_factory=dict)
    redirect_to: str = ""
    error: str = ""


def destination_site() -> str:
    """The advertiser's site (scheme and host: a site has no port, the browser drops it)."""
    return party_site("advertiser")


def aggregation_settings() -> AggregationSettings:
    row = AggregationSettings.objects.first()
    return row or AggregationSettings(
        source_dimensions=["campaign", "geo"], trigger_dimensions=["product_category", "event"]
    )


def scaling_of(row: AggregationSettings) -> ValueScaling:
    return ValueScaling(row.count_budget_share, row.expected_conversions, row.max_purchase_minor)


def _check(header: str, value: dict, source_type: str | None = None) -> str:
    """The library's verdict on a header we are about to send ('' when valid).

    A validator that fails is not a pass: its failure is the verdict, so the header is not sent.
    """
    try:
        result = validate(header, json.dumps(value), source_type=source_type)
    except Exception as exc:
        log.exception("header validation failed")
        return f"the header could not be validated ({type(exc).__name__}: {exc})"
    if result.errors:
        return "; ".join(f"{'.'.join(map(str, e.path or []))}: {e.msg}" for e in result.errors)
    return ""


def register_source(
    params: dict[str, str],
    eligibility: Eligibility,
    *,
    reporting_origin: str,
    url: str,
    context_origin: str,
    user_agent: str = "",
) -> Outcome:
    """Decide on a source registration and record it; raises RegistrationError on a bad request."""
    reg = _registration(
        "source",
        eligibility,
        user_agent,
        reporting_origin=reporting_origin,
        url=url,
        context_origin=context_origin,
    )
    campaign = Campaign.objects.filter(slug=params.get("campaign", ""), active=True).first()
    if campaign is None:
        return _refuse(reg, f"no active campaign {params.get('campaign', '')!r}")
    reg.campaign = campaign
    creative = (
        campaign.creatives.filter(slug=params.get("creative", "")).first() or campaign.creatives.first()
    )
    kind = params.get("type", "")
    if kind not in ("click", "view", ""):
        return _refuse(reg, f"type must be click or view, not {kind!r}")
    if not kind:
        kind = "click" if "navigation-source" in eligibility.keys else "view"
    source_type = "navigation" if kind == "click" else "event"
    allowed = (
        eligibility.may_register_navigation_source
        if source_type == "navigation"
        else eligibility.may_register_event_source
    )
    if not allowed:
        needed = "navigation-source" if source_type == "navigation" else "event-source"
        return _decline(
            reg,
            f"a {kind} needs '{needed}' eligibility; {eligibility.describe()}, so no source header was sent",
        )
    reg.save()  # its id is the serial inside source_event_id
    header = source_header(
        campaign,
        creative_code=creative.code if creative else 0,
        source_type=source_type,
        destination=destination_site(),
        serial=reg.pk,
        scheme=current_scheme(),
        geo=params.get("geo") or None,
    )
    article = "an" if source_type == "event" else "a"
    reg.reason = (
        f"{eligibility.describe()}: registered {article} {source_type} source for {campaign.slug}"
        + (f"/{creative.slug}" if creative else "")
    )
    return _answer(reg, header, params, source_type=source_type, partner_does="its own source")


def register_trigger(
    params: dict[str, str],
    eligibility: Eligibility,
    *,
    reporting_origin: str,
    url: str,
    context_origin: str,
    user_agent: str = "",
) -> Outcome:
    """Decide on a trigger registration and record it; bad parameters give an error outcome."""
    reg = _registration(
        "trigger",
        eligibility,
        user_agent,
        reporting_origin=reporting_origin,
        url=url,
        context_origin=context_origin,
        event=params.get("event", "")[:30],
    )
    event = ConversionEvent.objects.filter(event=params.get("event", ""), enabled=True).first()
    if event is None:
        return _refuse(reg, f"unknown or disabled event {params.get('event', '')!r}")
    raw_value = params.get("value", "")
    if raw_value and not raw_value.isdigit():
        return _refuse(reg, f"value must be a whole number of minor units (cents), not {raw_value!r}")
    value_minor = int(raw_value) if raw_value else None
    if not eligibility.may_register_trigger:
        return _decline(
            reg,
            f"a conversion needs 'trigger' eligibility; {eligibility.describe()}, so no trigger header was sent",
        )
    category = params.get("category") or SKU_CATEGORIES.get(params.get("product", ""), "")
    row = aggregation_settings()
    header = trigger_header(
        event,
        scheme=current_scheme(),
        scaling=scaling_of(row),
        value_minor=value_minor,
        order=params.get("order") or None,
        category=category or None,
        geo=params.get("geo") or None,
        debug_reporting=row.trigger_debug_reporting,
        debug_key=row.trigger_debug_key,
    )
    reg.reason = f"{eligibility.describe()}: registered a {event.event} trigger"
    return _answer(reg, header, params, partner_does="the trigger too")


def geo_from_accept_language(header: str) -> str:
    """Country of the first language tag with a region (``en-GB,en;q=0.8`` → ``GB``), else ``US``."""
    from .keyscheme import GEOS

    for part in header.split(","):
        tag = part.split(";")[0].strip()
        if "-" in tag:
            region = tag.split("-")[-1].upper()
            return region if region in GEOS else "other"
    return "US"


def is_partner(origin: str) -> bool:
    """True for the measurement partner's origin (the alias host), which does not redirect again."""
    return origin.rstrip("/") == partner_origin()


def _registration(kind: str, eligibility: Eligibility, user_agent: str, **fields: str) -> Registration:
    """An unsaved record of one registration request, the eligibility it came with and its sender."""
    return Registration(
        kind=kind,
        eligible_header=eligibility.raw,
        eligible_present=eligibility.present,
        eligibility=sorted(eligibility.keys),
        user_agent=user_agent[:500],
        browser=browsers.identify(user_agent).key,
        **fields,
    )


def _answer(
    reg: Registration,
    header: dict,
    params: dict[str, str],
    *,
    source_type: str | None = None,
    partner_does: str,
) -> Outcome:
    """Answers with ``header`` (checked by the library) and, for a partner chain, a redirect.

    ``reg.reason`` already says what was registered; the library's verdict and the redirect
    are appended. The measurement partner itself does not redirect again.
    """
    name = SOURCE_HEADER if reg.kind == "source" else TRIGGER_HEADER
    value = json.dumps(header, separators=(",", ":"))
    reg.answered_header, reg.header_value, reg.status = name, value, RegistrationStatus.ANSWERED.value
    problems = _check(reg.kind, header, source_type)
    if problems:
        reg.reason += f" (the library finds this header invalid: {problems})"
    out = Outcome(reg, {name: value, "Attribution-Reporting-Info": "report-header-errors"})
    if params.get("chain") == "partner" and not is_partner(reg.reporting_origin):
        rest = {k: v for k, v in params.items() if k != "chain"}
        out.redirect_to = f"{partner_origin()}/register/{reg.kind}?{urlencode(rest)}"
        reg.redirect_to = out.redirect_to
        reg.reason += f"; redirected to the measurement partner, which registers {partner_does}"
    reg.save()
    return out


def _decline(reg: Registration, reason: str) -> Outcome:
    """No header: the request's eligibility does not allow this kind of registration."""
    reg.status = RegistrationStatus.DECLINED.value
    reg.reason = reason
    reg.save()
    return Outcome(reg)


def _refuse(reg: Registration, reason: str) -> Outcome:
    reg.status = RegistrationStatus.ERROR.value
    reg.reason = reason
    reg.save()
    return Outcome(reg, error=reason)
