"""What a report receiver checks before it stores a body, and the report's identity.

A report answered with 200 must be storable and processable, so the door refuses, with the
reason, what no later step could handle: text that is not JSON, numbers JSON cannot hold
(``NaN``, ``1e999``), strings with a lone surrogate (not Unicode text: no database stores
them, no page can print them), a body of the wrong shape. It also reads the report's
``report_id`` (for aggregatable reports, from ``shared_info``) so that the store can enforce
one counted copy per (kind, report_id) from the moment the report arrives.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

# Chrome's report_id is a UUID (36 characters); the column holds 64.
MAX_REPORT_ID = 64
AGGREGATABLE_KINDS = ("aggregatable", "aggregatable-debug-copy", "aggregate-debug")
# Only a \uD800-\uDFFF escape can put a surrogate into the decoded text (the raw body is UTF-8).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class Refused(ValueError):
    """The body cannot be accepted; the message says why, for the 400 answer."""


@dataclass(frozen=True)
class Admitted:
    body: Any
    report_id: str  # "" for kinds without one (verbose debug reports)


def admit(kind: str, text: str) -> Admitted:
    """The parsed body and its report_id, or :class:`Refused` with the reason."""
    body = parse_checked(text)
    problem = shape_error(kind, body)
    if problem:
        raise Refused(problem)
    return Admitted(body, report_id_of(kind, body))


def parse_checked(text: str, what: str = "the body") -> Any:
    """Parsed JSON that every later step can store and print (finite numbers, Unicode text)."""
    value = parse_json(text, what)
    if _SURROGATE_ESCAPE.search(text):
        _refuse_lone_surrogates(value, what)
    return value


def parse_json(text: str, what: str = "the body") -> Any:
    """``json.loads`` that refuses non-finite numbers instead of reading them as NaN or inf."""
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except Refused:
        raise
    except RecursionError:
        raise Refused(f"{what} is not JSON: it is nested too deeply") from None
    except ValueError as exc:
        raise Refused(f"{what} is not JSON: {exc}") from None


def _no_constant(name: str) -> Any:
    raise Refused(f"{name} is not a JSON number (reports hold finite numbers only)")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise Refused(f"the number {literal[:40]} is out of range (reports hold finite numbers only)")
    return value


def _refuse_lone_surrogates(body: Any, what: str) -> None:
    """Walks the value without recursion (its depth is the client's choice)."""
    stack: list[tuple[Any, str]] = [(body, what)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                _check_text(key, f"a key in {where}")
                stack.append((item, _printable(key) if where == "the body" else f"{where}.{_printable(key)}"))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{i}]") for i, item in enumerate(value))
        elif isinstance(value, str):
            _check_text(value, where)


def _check_text(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Refused(
            f"{where} holds a lone surrogate (a \\ud800-\\udfff escape): it is not Unicode text"
        ) from None


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")[:40]


def shape_error(kind: str, body: object) -> str:
    """What makes ``body`` not a report of ``kind`` at first sight ('' if nothing)."""
    if kind == "verbose-debug":
        return "" if isinstance(body, list) else "a verbose debug report is a JSON list"
    if not isinstance(body, dict):
        return "a report is a JSON object"
    if kind in AGGREGATABLE_KINDS:
        missing = [k for k in ("shared_info", "aggregation_service_payloads") if k not in body]
    else:
        missing = [k for k in ("report_id", "source_event_id", "trigger_data") if k not in body]
    return f"not a {kind} report: missing {', '.join(missing)}" if missing else ""


def report_id_of(kind: str, body: Any) -> str:
    """The report's ``report_id`` (checked: a non-empty string of printable characters)."""
    if kind == "verbose-debug":
        return ""
    if kind in AGGREGATABLE_KINDS:
        shared_info = body.get("shared_info")
        if not isinstance(shared_info, str):
            raise Refused("shared_info must be a string (the JSON text the browser encrypted against)")
        info = parse_checked(shared_info, "shared_info")
        if not isinstance(info, dict) or "report_id" not in info:
            raise Refused("shared_info has no report_id")
        report_id, where = info["report_id"], "shared_info.report_id"
    else:
        report_id, where = body.get("report_id"), "report_id"
    if not isinstance(report_id, str) or not report_id:
        raise Refused(f"{where} must be a non-empty string (Chrome sends a UUID)")
    if len(report_id) > MAX_REPORT_ID:
        raise Refused(f"{where} is longer than {MAX_REPORT_ID} characters (Chrome sends a UUID)")
    if not report_id.isprintable():
        raise Refused(f"{where} holds control characters (Chrome sends a UUID)")
    _check_text(report_id, where)
    return report_id
