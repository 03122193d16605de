"""A report's ``shared_info`` as the aggregation service reads it, and the errors it gives.

Every report of a batch goes through :func:`parse_shared_info`, so the usual case (a
current version, an attribution API, every field well formed) is recognised in one pass
and only a report that fails it goes through the checks one by one, in the service's
order, to learn which error it gets.
"""

from __future__ import annotations

import json
import json.scanner
import uuid
from typing import Any

from aggregation_api.budget import ATTRIBUTION_APIS

SUPPORTED_APIS = (*ATTRIBUTION_APIS, "protected-audience", "shared-storage")
# The versions Chrome sends today, known good without taking the version apart.
_CURRENT_VERSIONS = ("1.0", "0.1")
_scan_json = json.scanner.make_scanner(json.JSONDecoder())


class FatalJobError(Exception):
    """A condition that fails the whole job, with the service's return code."""

    def __init__(self, return_code: str, message: str):
        super().__init__(message)
        self.return_code = return_code
        self.message = message


class ReportError(Exception):
    """A report the service does not aggregate, with its error category."""

    def __init__(self, category: str):
        super().__init__(category)
        self.category = category


def parse_shared_info(text: str) -> dict[str, Any]:
    """The shared_info fields, plus ``_id`` (the report_id's 16 bytes); ReportError if unusable.

    FatalJobError for a major version above 1, which the service refuses for the whole job.
    """
    try:
        info = _json_value(text)
    except ValueError:
        raise ReportError("REQUIRED_SHAREDINFO_FIELD_INVALID") from None
    if type(info) is not dict:
        raise ReportError("REQUIRED_SHAREDINFO_FIELD_INVALID")
    get = info.get
    origin, report_id, scheduled = get("reporting_origin"), get("report_id"), get("scheduled_report_time")
    registered = get("source_registration_time")
    if not (
        get("version") in _CURRENT_VERSIONS
        and get("api") in ATTRIBUTION_APIS
        and type(origin) is str
        and origin
        and type(report_id) is str
        and report_id
        and type(scheduled) is str
        and scheduled.isdecimal()
        and type(get("attribution_destination")) is str
        and (registered is None or (type(registered) is str and registered.isdecimal()))
    ):
        _check_fields(info)
    info["_id"] = _uuid_bytes(info["report_id"])
    return info


def _check_fields(info: dict[str, Any]) -> None:
    """The checks one by one, in the service's order: the first that fails names the error."""
    _check_version(info.get("version"))
    if info.get("api") not in SUPPORTED_APIS:
        raise ReportError("UNSUPPORTED_REPORT_API_TYPE")
    for name in ("reporting_origin", "report_id", "scheduled_report_time"):
        if not isinstance(info.get(name), str) or not info[name]:
            raise ReportError("REQUIRED_SHAREDINFO_FIELD_INVALID")
    if info["api"] in ATTRIBUTION_APIS and not isinstance(info.get("attribution_destination"), str):
        raise ReportError("REQUIRED_SHAREDINFO_FIELD_INVALID")
    for name in ("scheduled_report_time", "source_registration_time"):
        value = info.get(name)
        # isdecimal, not isdigit: "²" is a digit that int() refuses.
        if value is not None and not (isinstance(value, str) and value.isdecimal()):
            raise ReportError("REQUIRED_SHAREDINFO_FIELD_INVALID")


def _check_version(version: Any) -> None:
    if not isinstance(version, str):
        raise ReportError("REQUIRED_SHAREDINFO_FIELD_INVALID")
    major = version.split(".", 1)[0]
    if not major.isdigit():
        raise ReportError("UNSUPPORTED_SHAREDINFO_VERSION")
    if int(major) > 1:
        raise FatalJobError(
            "UNSUPPORTED_REPORT_VERSION",
            f"A report has shared_info version {version}; the service reads 0.x and 1.x.",
        )
    if version in ("0", "0.0"):
        raise ReportError("UNSUPPORTED_SHAREDINFO_VERSION")


def _json_value(text: str) -> Any:
    """``json.loads(text)``, minus its wrapper's cost when nothing surrounds the value."""
    try:
        value, end = _scan_json(text, 0)
        if end == len(text):
            return value
    except (StopIteration, ValueError, TypeError):
        pass
    return json.loads(text)  # whitespace around the value, or the error to report


def _uuid_bytes(report_id: str) -> bytes:
    """``uuid.UUID(report_id).bytes``; the usual 8-4-4-4-12 hex form without building a UUID."""
    digits = report_id.replace("-", "")
    if len(digits) == 32:
        try:
            raw = bytes.fromhex(digits)
        except ValueError:
            raw = b""
        if len(raw) == 16:  # 32 characters made 16 bytes: all hex digits, no whitespace
            return raw
    try:
        return uuid.UUID(report_id).bytes
    except ValueError:
        raise ReportError("REQUIRED_SHAREDINFO_FIELD_INVALID") from None
