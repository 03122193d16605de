"""Turning a stored report body into what the ad tech learns from it.

Runs in a Celery worker, by report id, any number of times: a report that is no longer
pending is left alone. Deduplication happened when the report was stored (a later copy of a
counted report is never pending), so the order in which copies are processed does not
matter. A report that is not valid gives up its identity and the earliest of its copies
takes its place; one that cannot be processed at all is marked failed with the reason, and
never stops the processing of others.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from typing import Any

from django.db import DataError, IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from attribution_reporting.aggregatable_payload import decode_plaintext, without_padding

from .explain import explain
from .headers import decode_source_event_id
from .intake import parse_checked
from .keyscheme import decode_bucket, label
from .models import Campaign, ConversionEvent, Creative, ReceivedReport

log = logging.getLogger(__name__)
UINT = re.compile(r"^[0-9]+$")


class InvalidReport(ValueError):
    """A body that was JSON but is not a report of its kind."""


def process_report(report_pk: int) -> ReceivedReport | None:
    """Parse, validate, decode and attach one stored report; never raises for a bad report.

    A database that cannot be reached (OperationalError) says nothing about the report: the
    error is raised, the row stays pending and the sweep tries it again later.
    """
    try:
        with transaction.atomic():
            report = ReceivedReport.objects.select_for_update().filter(pk=report_pk).first()
            if report is None or report.status != ReceivedReport.PENDING:
                return report
            _process(report)
            return report
    except (DataError, IntegrityError) as exc:  # the decoded values could not be stored
        log.warning("report %s could not be stored after processing: %s", report_pk, exc)
        return mark_failed(report_pk, exc)


def _process(report: ReceivedReport) -> None:
    report.attempts += 1
    try:
        if "\\u0000" in report.body:
            # No report field may hold NUL, and PostgreSQL could not store one.
            raise InvalidReport("the report contains a NUL character (\\u0000)")
        # The receivers refuse what this refuses; rows stored before they did are read the same way.
        body = parse_checked(report.body)
        handler = {
            ReceivedReport.EVENT_LEVEL: _event_level,
            ReceivedReport.EVENT_LEVEL_DEBUG: _event_level,
            ReceivedReport.AGGREGATABLE: _aggregatable,
            ReceivedReport.AGGREGATABLE_DEBUG_COPY: _aggregatable,
            ReceivedReport.AGGREGATE_DEBUG: _aggregatable,
            ReceivedReport.VERBOSE_DEBUG: _verbose,
        }[report.kind]
        handler(report, body)
    except (InvalidReport, ValueError) as exc:
        report.status, report.error = ReceivedReport.INVALID, _safe(str(exc))
    except (OperationalError, InterfaceError):
        raise  # the database went away: the report stays pending
    except Exception as exc:  # a bug or a lookup that failed: recorded on this row, not raised
        report.status, report.error = (
            ReceivedReport.FAILED,
            _safe(f"processing failed: {type(exc).__name__}: {exc}"),
        )
    else:
        report.status = ReceivedReport.PROCESSED
    report.processed_at = timezone.now()
    report.save()
    if report.status in ReceivedReport.NOT_COUNTED:
        _promote_next_copy(report)


def mark_failed(report_pk: int, exc: BaseException) -> ReceivedReport | None:
    """Record on the row why it could not be processed (only the status and the reason)."""
    reason = _safe(f"processing failed: {type(exc).__name__}: {exc}")
    with transaction.atomic():
        updated = ReceivedReport.objects.filter(pk=report_pk, status=ReceivedReport.PENDING).update(
            status=ReceivedReport.FAILED, error=reason, processed_at=timezone.now()
        )
        report = ReceivedReport.objects.filter(pk=report_pk).first()
        if updated and report is not None:
            _promote_next_copy(report)
    return report


def _promote_next_copy(report: ReceivedReport) -> None:
    """``report`` no longer counts: its earliest copy becomes the counted row, to be processed."""
    copies = list(
        ReceivedReport.objects.filter(duplicate_of=report).order_by("pk").values_list("pk", flat=True)
    )
    if not copies:
        return
    first, rest = copies[0], copies[1:]
    ReceivedReport.objects.filter(pk=first).update(
        duplicate_of=None, status=ReceivedReport.PENDING, processed_at=None
    )
    ReceivedReport.objects.filter(pk__in=rest).update(duplicate_of=first)
    from .services import enqueue

    transaction.on_commit(lambda: enqueue(first))


def _safe(text: str) -> str:
    """Text any database stores and any page prints (no NUL, no lone surrogate)."""
    return text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")[:2000]


def _require(body: dict, key: str, kind: type | tuple[type, ...]) -> Any:
    if key not in body:
        raise InvalidReport(f"missing {key!r}")
    if not isinstance(body[key], kind):
        raise InvalidReport(f"{key!r} has the wrong type")
    return body[key]


def _uint(body: dict, key: str) -> str:
    value = _require(body, key, str)
    if not UINT.match(value) or int(value) >= 2**64:
        raise InvalidReport(f"{key!r} must be a uint64 string")
    return value


def _attach_source_event_id(report: ReceivedReport, source_event_id: Any) -> None:
    decoded = decode_source_event_id(source_event_id) if source_event_id is not None else None
    if decoded is None:
        return
    # One query for the usual case, an ad of the campaign its source_event_id names.
    creative = (
        Creative.objects.select_related("campaign").filter(code=decoded[1], campaign__code=decoded[0]).first()
    )
    if creative is not None:
        report.campaign, report.creative = creative.campaign, creative
        return
    report.campaign = Campaign.objects.filter(code=decoded[0]).first()
    report.creative = Creative.objects.filter(code=decoded[1]).first()


def _event_for(trigger_data: int, source_type: str) -> str:
    field = "trigger_data_click" if source_type == "navigation" else "trigger_data_view"
    found = ConversionEvent.objects.filter(**{field: trigger_data}).order_by("position").first()
    return found.event if found else ""


def _event_level(report: ReceivedReport, body: Any) -> None:
    if not isinstance(body, dict):
        raise InvalidReport("an event-level report is a JSON object")
    destination = _require(body, "attribution_destination", (str, list))
    report.report_id = _require(body, "report_id", str)
    source_event_id = _uint(body, "source_event_id")
    trigger_data = _uint(body, "trigger_data")
    source_type = _require(body, "source_type", str)
    if source_type not in ("navigation", "event"):
        raise InvalidReport("source_type must be navigation or event")
    rate = _require(body, "randomized_trigger_rate", (int, float))
    scheduled = _uint(body, "scheduled_report_time")
    _attach_source_event_id(report, source_event_id)
    report.event = _event_for(int(trigger_data), source_type)
    report.decoded = {
        "attribution_destination": destination,
        "source_event_id": source_event_id,
        "source_type": source_type,
        "trigger_data": trigger_data,
        "randomized_trigger_rate": rate,
        "scheduled_report_time": scheduled,
        "source_debug_key": body.get("source_debug_key"),
        "trigger_debug_key": body.get("trigger_debug_key"),
        "campaign": report.campaign.slug if report.campaign else None,
        "creative": report.creative.slug if report.creative else None,
        "event": report.event or None,
        "note": "trigger_data may be noise: with probability randomized_trigger_rate the browser lied",
    }


def _decode_cleartext(text: str) -> list[dict[str, int]]:
    """Non-padding contributions of a ``debug_cleartext_payload``."""
    raw = base64.b64decode(text, validate=True)
    return without_padding(decode_plaintext(raw))


def _aggregatable(report: ReceivedReport, body: Any) -> None:
    if not isinstance(body, dict):
        raise InvalidReport("an aggregatable report is a JSON object")
    shared_info_text = _require(body, "shared_info", str)
    try:
        shared_info = json.loads(shared_info_text)
    except ValueError:
        raise InvalidReport("shared_info is not a JSON string") from None
    if not isinstance(shared_info, dict):
        raise InvalidReport("shared_info is not a JSON object")
    for key in (
        "api",
        "attribution_destination",
        "report_id",
        "reporting_origin",
        "scheduled_report_time",
        "version",
    ):
        _require(shared_info, key, str)
    want_api = (
        "attribution-reporting-debug"
        if report.kind == ReceivedReport.AGGREGATE_DEBUG
        else "attribution-reporting"
    )
    if shared_info["api"] != want_api:
        raise InvalidReport(f"shared_info.api is {shared_info['api']!r}, expected {want_api!r}")
    payloads = _require(body, "aggregation_service_payloads", list)
    if not payloads or not all(isinstance(p, dict) for p in payloads):
        raise InvalidReport("aggregation_service_payloads must be a non-empty list of objects")
    first = payloads[0]
    report.payload = _require(first, "payload", str)
    report.key_id = _require(first, "key_id", str)
    report.shared_info = shared_info_text
    report.report_id = shared_info["report_id"]
    report.aggregation_coordinator_origin = str(body.get("aggregation_coordinator_origin", ""))
    warnings = []
    if shared_info["reporting_origin"] != report.reporting_origin:
        warnings.append(
            f"shared_info.reporting_origin {shared_info['reporting_origin']} is not the origin that received it"
        )
    contributions = None
    if isinstance(first.get("debug_cleartext_payload"), str):
        try:
            contributions = _decode_cleartext(first["debug_cleartext_payload"])
        except Exception as exc:  # undecodable debug payloads are noted, the report stays usable
            warnings.append(f"debug_cleartext_payload does not decode: {exc}")
    by_code = {c.code: c for c in Campaign.objects.all()}  # the campaigns below are looked up here
    campaigns = {code: c.slug for code, c in by_code.items()}
    creatives = {c.code: c.slug for c in Creative.objects.all()}
    if contributions is not None:
        report.debug_contributions = contributions
        for c in contributions:
            parts = decode_bucket(c["bucket"])
            if parts["campaign"] and report.campaign is None:
                report.campaign = by_code.get(parts["campaign"])
            if parts["event"] and not report.event:
                report.event = _event_name(parts["event"])
    campaign_from = "debug cleartext (the key scheme's campaign byte)" if report.campaign else None
    debug_key = body.get("source_debug_key")
    if report.campaign is None and isinstance(debug_key, str) and debug_key:
        # Each campaign sets its own source debug key, so the key names the campaign.
        report.campaign = next((c for c in by_code.values() if c.debug_key == debug_key), None)
        campaign_from = "source_debug_key" if report.campaign else None
    report.decoded = {
        "campaign_from": campaign_from,
        "shared_info": shared_info,
        "key_id": report.key_id,
        "aggregation_coordinator_origin": report.aggregation_coordinator_origin,
        "source_debug_key": body.get("source_debug_key"),
        "trigger_debug_key": body.get("trigger_debug_key"),
        "trigger_context_id": body.get("trigger_context_id"),
        "contributions": [
            {**c, "key": f"0x{c['bucket']:x}", "label": label(c["bucket"], campaigns, creatives)}
            for c in contributions or []
        ],
        "encrypted_only": contributions is None,
        "campaign": report.campaign.slug if report.campaign else None,
        "warnings": warnings,
    }


def _event_name(code: int) -> str:
    from .keyscheme import EVENTS

    return EVENTS[code - 1] if 0 < code <= len(EVENTS) else ""


def _verbose(report: ReceivedReport, body: Any) -> None:
    if not isinstance(body, list) or not body:
        raise InvalidReport("a verbose debug report is a non-empty JSON list")
    items = []
    for index, item in enumerate(body):
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise InvalidReport(f"item {index} is not an object with a 'type'")
        if not isinstance(item.get("body"), dict):
            raise InvalidReport(f"item {index} has no 'body' object")
        items.append({**explain(item), "body": item["body"]})
        if report.campaign is None:
            _attach_source_event_id(report, item["body"].get("source_event_id"))
    report.decoded = {"items": items, "campaign": report.campaign.slug if report.campaign else None}
