"""The JSON bodies Chrome POSTs for aggregatable reports, and their decrypted interop form.

Three reports share one shape: the aggregatable attribution report, its attribution-success
debug copy (same body, sent at once to the ``/debug/`` path) and the aggregatable debug
report (``api`` ``attribution-reporting-debug``). The body is assembled at send time from
the engine's :class:`~attribution_reporting.reports.AggregatableData`, because the payload
is encrypted to one of the coordinator's current keys.

Debug keys appear only when *both* the source's and the trigger's are set: one side alone
could carry a third-party cookie's identity across sites on its own, which is exactly what
the pairing rule prevents. With both, ``shared_info`` says ``debug_mode: enabled`` and the
payload carries ``debug_cleartext_payload``.
"""

from __future__ import annotations

import json
from typing import Any

from .aggregatable_payload import (
    ATTRIBUTION_PADDED_CONTRIBUTIONS,
    DEBUG_PADDED_CONTRIBUTIONS,
    PayloadError,
    cleartext_payload,
    decrypt_payload,
    encrypt_payload,
    serialize_shared_info,
    without_padding,
)
from .coordinator_keys import KeySet
from .reports import AggregatableData, Report

ATTRIBUTION_API = "attribution-reporting"
DEBUG_API = "attribution-reporting-debug"
VERSION = "1.0"


def padded_size(api: str) -> int:
    """How many contributions a payload of ``api`` is padded to (20 or 2)."""
    return DEBUG_PADDED_CONTRIBUTIONS if api == DEBUG_API else ATTRIBUTION_PADDED_CONTRIBUTIONS


def has_debug_keys(data: AggregatableData) -> bool:
    """True when both debug keys are set on an attribution report (the only case they are sent)."""
    return (
        data.api == ATTRIBUTION_API
        and data.source_debug_key is not None
        and data.trigger_debug_key is not None
    )


def shared_info_fields(data: AggregatableData, report_id: str | None) -> dict[str, str]:
    """``shared_info`` as a dict; ``report_id`` None leaves it out (the interop form)."""
    info: dict[str, str] = {
        "api": data.api,
        "attribution_destination": data.attribution_destination,
        "reporting_origin": data.reporting_origin,
        "scheduled_report_time": str(int(data.scheduled_report_time)),
        "version": VERSION,
    }
    if report_id is not None:
        info["report_id"] = report_id
    if has_debug_keys(data):
        info["debug_mode"] = "enabled"
    if data.api == ATTRIBUTION_API and data.source_registration_time is not None:
        info["source_registration_time"] = str(int(data.source_registration_time))
    return dict(sorted(info.items()))


def build_body(
    data: AggregatableData,
    report_id: str,
    key_set: KeySet,
    rng: Any,
    *,
    default_coordinator_origin: str | None = None,
) -> dict[str, Any]:
    """The JSON body of an aggregatable report, with its payload encrypted.

    ``rng`` (anything with ``randrange``) picks the coordinator key uniformly.
    ``default_coordinator_origin`` fills an empty ``aggregation_coordinator_origin``.
    Raises :class:`~attribution_reporting.aggregatable_payload.PayloadError` if the
    contributions cannot be encoded (too many, or out of range).
    """
    shared_info = serialize_shared_info(shared_info_fields(data, report_id))
    pad_to = padded_size(data.api)
    key = key_set.choose(rng)
    service_payload: dict[str, str] = {}
    if has_debug_keys(data):
        service_payload["debug_cleartext_payload"] = cleartext_payload(
            data.contributions, filtering_id_max_bytes=data.filtering_id_max_bytes, pad_to=pad_to
        )
    service_payload["key_id"] = key.id
    service_payload["payload"] = encrypt_payload(
        data.contributions,
        key.key,
        shared_info,
        filtering_id_max_bytes=data.filtering_id_max_bytes,
        pad_to=pad_to,
    )
    body: dict[str, Any] = {
        "aggregation_coordinator_origin": data.aggregation_coordinator_origin
        or default_coordinator_origin
        or "",
        "aggregation_service_payloads": [service_payload],
        "shared_info": shared_info,
    }
    if has_debug_keys(data):
        body["source_debug_key"] = str(data.source_debug_key)
        body["trigger_debug_key"] = str(data.trigger_debug_key)
    if data.api == ATTRIBUTION_API and data.trigger_context_id is not None:
        body["trigger_context_id"] = data.trigger_context_id
    return body


def report_body(
    report: Report, key_set: KeySet, rng: Any, *, default_coordinator_origin: str | None = None
) -> dict:
    """:func:`build_body` for a stored aggregatable :class:`Report` (any of the three kinds)."""
    if report.aggregatable is None:
        raise PayloadError(f"report {report.report_id} carries no aggregatable data")
    return build_body(
        report.aggregatable,
        report.aggregatable.report_id or report.report_id,
        key_set,
        rng,
        default_coordinator_origin=default_coordinator_origin,
    )


def _histograms(contributions: list[tuple[int, int, int]]) -> list[dict[str, Any]]:
    # A null report carries no contribution; Chrome's interop output shows it as one zero
    # contribution, which is also what its padding decrypts to.
    items = contributions or [(0, 0, 0)]
    return [{"id": str(fid), "key": hex(bucket), "value": value} for bucket, value, fid in items]


def interop_payload(data: AggregatableData) -> dict[str, Any]:
    """The decrypted form Chromium's interop runner prints for an aggregatable report.

    ``histograms`` holds the unpadded contributions (key as ``0x`` hex, id as a string),
    ``shared_info`` is an object without ``report_id`` (random, so not compared).
    """
    payload: dict[str, Any] = {
        "aggregation_coordinator_origin": data.aggregation_coordinator_origin,
        "histograms": _histograms(list(data.contributions)),
        "shared_info": shared_info_fields(data, None),
    }
    if has_debug_keys(data):
        payload["source_debug_key"] = str(data.source_debug_key)
        payload["trigger_debug_key"] = str(data.trigger_debug_key)
    if data.api == ATTRIBUTION_API and data.trigger_context_id is not None:
        payload["trigger_context_id"] = data.trigger_context_id
    return payload


def decrypted_interop_payload(body: dict[str, Any], private_key: bytes | str) -> dict[str, Any]:
    """The interop form of a real, encrypted body: decrypts it instead of trusting the data.

    Used to check the whole path (CBOR, padding, HPKE, ``shared_info``) against the
    interop vectors. Raises :class:`PayloadError` for a body that does not decrypt.
    """
    shared_info_text = body["shared_info"]
    decoded = decrypt_payload(
        body["aggregation_service_payloads"][0]["payload"], private_key, shared_info_text
    )
    contributions = [(c["bucket"], c["value"], c["id"]) for c in without_padding(decoded)]
    shared_info = {k: v for k, v in _loads(shared_info_text).items() if k != "report_id"}
    payload: dict[str, Any] = {
        "aggregation_coordinator_origin": body["aggregation_coordinator_origin"],
        "histograms": _histograms(contributions),
        "shared_info": shared_info,
    }
    for key in ("source_debug_key", "trigger_debug_key", "trigger_context_id"):
        if key in body:
            payload[key] = body[key]
    return payload


def _loads(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise PayloadError("shared_info is not JSON") from None
    if not isinstance(value, dict):
        raise PayloadError("shared_info is not a JSON object")
    return value
