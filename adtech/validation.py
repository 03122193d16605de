"""The header validator behind ``/tools/validate`` and ``/api/validate``.

Wraps the library's ``validate`` and adds, for sources, the privacy figures a person needs
to understand why a configuration is accepted or rejected: how many outputs the
event-level reports can have, how often the browser answers with a random one, and how
much information that leaks compared with the browser's limit.
"""

from __future__ import annotations

import json
from typing import Any

from attribution_reporting import privacy
from attribution_reporting.config import CHROMIUM
from attribution_reporting.validate import validate

HEADERS = {
    "source": "Attribution-Reporting-Register-Source",
    "trigger": "Attribution-Reporting-Register-Trigger",
    "eligible": "Attribution-Reporting-Eligible",
    "info": "Attribution-Reporting-Info",
    "support": "Attribution-Reporting-Support",
    "os-source": "Attribution-Reporting-Register-OS-Source",
    "os-trigger": "Attribution-Reporting-Register-OS-Trigger",
}
SOURCE_TYPES = ("navigation", "event")
MAX_VALUE_LENGTH = 64 * 1024


class ValidationRequestError(ValueError):
    """The request to the validator itself is wrong (unknown header, source type, too long)."""


def format_path(path: list | None) -> str:
    """``["aggregation_keys", "a"]`` → ``aggregation_keys › a``; None → (the whole header)."""
    if path is None:
        return "(header)"
    if not path:
        return "(top level)"
    return " › ".join(f"[{p}]" if isinstance(p, int) else str(p) for p in path)


def privacy_figures(value: dict[str, Any], source_type: str) -> dict[str, Any] | None:
    """States, randomized trigger rate and information gain of a normalized source."""
    try:
        trigger_data = len(value.get("trigger_data", []))
        windows = len((value.get("event_report_windows") or {}).get("end_times", [])) or 1
        reports = int(value.get("max_event_level_reports", 0))
        epsilon = float(value.get("event_level_epsilon", 14))
        states = privacy.num_states(reports, trigger_data, windows)
        flip = privacy.flip_probability(states, epsilon)
        gain = privacy.max_information_gain(states, epsilon)
    except (TypeError, ValueError, OverflowError):
        return None
    limit = getattr(CHROMIUM, f"max_event_level_channel_capacity_{source_type}")
    within = gain <= limit
    return {
        "trigger_states": states,
        "randomized_trigger_rate": round(flip, 7),
        "information_gain": round(gain, 4),
        "information_gain_limit": limit,
        "within_limit": within,
        "explanation": (
            f"With {trigger_data} trigger data value(s), {windows} report window(s) and up to {reports} "
            f"report(s), the browser can send {states} different sets of event-level reports for this "
            f"{source_type} source. With probability {flip:.7f} it picks one of them at random instead of "
            f"the truth (randomized response, epsilon {epsilon:g}). An observer can therefore learn at most "
            f"{gain:.2f} bits about the person from one source; Chrome allows {limit:g} bits for "
            f"{source_type} sources, so this configuration is "
            + ("accepted." if within else "rejected: use fewer trigger data values, windows or reports.")
            + (
                f" Note that {flip:.0%} of such sources send random reports: the event-level data would be "
                "mostly noise, so a simpler configuration is more useful."
                if within and flip > 0.1
                else ""
            )
        ),
    }


def check(header: str, value: str, source_type: str = "navigation") -> dict[str, Any]:
    """``{valid, errors, warnings, value, privacy}``; raises ValidationRequestError on a bad request."""
    if header not in HEADERS:
        raise ValidationRequestError(f"header must be one of {', '.join(HEADERS)}, not {header!r}")
    if source_type not in SOURCE_TYPES:
        raise ValidationRequestError(f"source_type must be navigation or event, not {source_type!r}")
    if len(value) > MAX_VALUE_LENGTH:
        raise ValidationRequestError(f"the value is longer than {MAX_VALUE_LENGTH} characters")
    try:
        result = validate(header, value, source_type=source_type if header == "source" else None)
    except ValueError as exc:
        raise ValidationRequestError(str(exc)) from None

    def issues(items: list) -> list[dict[str, Any]]:
        return [{"path": i.path, "where": format_path(i.path), "msg": i.msg} for i in items]

    out: dict[str, Any] = {
        "header": header,
        "header_name": HEADERS[header],
        "source_type": source_type if header == "source" else None,
        "valid": not result.errors,
        "errors": issues(result.errors),
        "warnings": issues(result.warnings),
        "value": _jsonable(result.value),
        "privacy": None,
    }
    if header == "source" and isinstance(result.value, dict):
        out["privacy"] = privacy_figures(result.value, source_type)
    return out


def _jsonable(value: Any) -> Any:
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError):
        return repr(value)
