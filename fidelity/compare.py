"""What the ad tech's server saw in one run, normalized, and the differences between two runs.

Only what is random or depends on the time is masked:

- ``report_id`` (random UUIDs) and ``scheduled_report_time`` (the wall clock, and the simulated
  browser's virtual clock) become ``"<masked>"``;
- ``source_registration_time`` in ``shared_info`` is kept when ``"0"`` (not included) and becomes
  ``"<day>"`` otherwise (a day boundary between two runs would change it);
- an aggregatable payload's ``key_id`` becomes ``"<active key>"`` when it is one of the
  aggregation service's keys (which key a browser picks from the set is random), and the
  ``payload`` is replaced by its decrypted contributions (HPKE output is random);
- the live server's port is dropped from host names (it changes from run to run);
- ``Attribution-Reporting-Eligible`` is compared as the set of its dictionary keys that the spec
  defines (``event-source``, ``navigation-source``, ``trigger``): Chrome adds GREASE keys such as
  ``not-navigation-source`` and shuffles the order, which a server must ignore.

Everything else (randomized_trigger_rate, debug keys, trigger data, the contributions and their
padding, the verbose debug report types and bodies, which URLs were requested and how) is kept.
"""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from attribution_reporting.aggregatable_payload import PayloadError, decode_plaintext, decrypt_payload
from attribution_reporting.eligibility import eligible_keys as parse_eligible_keys

from .recorder import REGISTRATION_PREFIX, REPORT_PREFIX

MASKED = "<masked>"
CATEGORIES = (
    "registration requests",
    "verbose debug reports",
    "event-level reports",
    "event-level debug copies",
    "aggregatable reports",
    "aggregatable debug copies",
    "other reports",
)
_REPORT_CATEGORY = {
    "debug/verbose": "verbose debug reports",
    "report-event-attribution": "event-level reports",
    "debug/report-event-attribution": "event-level debug copies",
    "report-aggregate-attribution": "aggregatable reports",
    "debug/report-aggregate-attribution": "aggregatable debug copies",
}
_PORT = re.compile(r"(\.localhost):\d+")


def eligible_keys(raw: str | None) -> list[str] | None:
    """The spec's keys of an ``Attribution-Reporting-Eligible`` value (None when absent)."""
    if raw is None:
        return None
    keys = parse_eligible_keys(raw)
    return [f"<unparsable {raw!r}>"] if keys is None else sorted(keys)


def _unport(text: str) -> str:
    return _PORT.sub(r"\1", text)


def _short_url(host: str, path: str) -> str:
    """``adtech.localhost/r/view`` for a scenario endpoint (its scenario prefix dropped)."""
    if path.startswith(REGISTRATION_PREFIX):
        rest = path[len(REGISTRATION_PREFIX) :]
        path = "/r/" + (rest.split("/", 1)[1] if "/" in rest else rest)
    return _unport(host) + path


def _json_or_text(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _location(value: str) -> str:
    host_path = _unport(value).split("://", 1)[-1]
    host, _, path = host_path.partition("/")
    return _short_url(host, "/" + path)


def registration(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A registration request as compared: not its status or body (the server picks those from
    ``Sec-Fetch-Dest``, which is no part of the API), but what it asked for and was answered."""
    headers = entry["response_headers"]
    answered: dict[str, Any] = {}
    for name, key in (
        ("Attribution-Reporting-Register-Source", "source"),
        ("Attribution-Reporting-Register-Trigger", "trigger"),
        ("Attribution-Reporting-Info", "info"),
    ):
        if name in headers:
            answered[key] = _json_or_text(headers[name])
    if "Location" in headers:
        answered["location"] = _location(headers["Location"])
    return {
        "method": entry["method"],
        "url": _short_url(entry["host"], entry["path"]),
        "eligible": eligible_keys(entry["eligible"]),
        "support": entry["support"] is not None,
        "answered": answered,
    }


def describe_registration(item: Mapping[str, Any]) -> str:
    """``GET adtech.localhost/r/view (Eligible: event-source, trigger; Support sent), answered source``."""
    eligible = (
        "no Eligible header"
        if item["eligible"] is None
        else f"Eligible: {', '.join(item['eligible']) or '(none)'}"
    )
    support = "Support sent" if item["support"] else "no Support header"
    answered = ", ".join(item["answered"]) or "nothing"
    return f"{item['method']} {item['url']} ({eligible}; {support}), answered {answered}"


def mask(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ("report_id", "scheduled_report_time"):
                out[key] = MASKED
            elif key == "source_registration_time":
                out[key] = item if item == "0" else "<day>"
            else:
                out[key] = mask(item)
        return out
    if isinstance(value, list):
        return [mask(v) for v in value]
    if isinstance(value, str):
        return _unport(value)  # the live server's port changes from run to run
    return value


def contributions(data: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Contributions as ``[bucket, value, filtering id]`` plus how many null ones pad them."""
    real = [[hex(d["bucket"]), d["value"], d.get("id", 0)] for d in data if d["bucket"] or d["value"]]
    padding = sum(1 for d in data if not (d["bucket"] or d["value"]))
    return {"contributions": sorted(real), "padding": padding}


def aggregatable(body: Mapping[str, Any], keys: Mapping[str, bytes]) -> dict[str, Any]:
    shared_info = body.get("shared_info", "")
    out: dict[str, Any] = {
        k: mask(v)
        for k, v in body.items()
        if k not in ("shared_info", "aggregation_service_payloads", "debug_cleartext_payload")
    }
    out["shared_info"] = mask(_json_or_text(shared_info)) if isinstance(shared_info, str) else shared_info
    payloads = []
    for item in body.get("aggregation_service_payloads") or []:
        key_id = item.get("key_id")
        shown: dict[str, Any] = {"key_id": "<active key>" if key_id in keys else key_id}
        try:
            plain = decrypt_payload(item["payload"], keys[key_id], shared_info)
            shown["operation"] = plain["operation"]
            shown.update(contributions(plain["data"]))
        except (KeyError, PayloadError, TypeError, ValueError) as exc:
            shown["payload"] = f"<not decryptable: {exc}>"
        if "debug_cleartext_payload" in item:
            try:
                shown["debug_cleartext"] = contributions(
                    decode_plaintext(base64.b64decode(item["debug_cleartext_payload"]))["data"]
                )
            except (PayloadError, ValueError) as exc:
                shown["debug_cleartext"] = f"<not decodable: {exc}>"
        payloads.append(shown)
    out["aggregation_service_payloads"] = payloads
    return out


def observe(entries: Iterable[Mapping[str, Any]], keys: Mapping[str, bytes]) -> dict[str, list]:
    """Normalized observations by category, each list sorted (arrival order is not compared)."""
    seen: dict[str, list] = {c: [] for c in CATEGORIES}
    for entry in entries:
        if entry["path"].startswith(REGISTRATION_PREFIX):
            seen["registration requests"].append(registration(entry))
            continue
        sub = entry["path"][len(REPORT_PREFIX) :].split("?")[0].strip("/")
        category = _REPORT_CATEGORY.get(sub, "other reports")
        origin = _unport(entry["host"])
        body = _json_or_text(entry["body"] or "")
        if category == "verbose debug reports" and isinstance(body, list):
            for item in body:
                seen[category].append({"origin": origin, **mask(item)})
        elif category.startswith("aggregatable") and isinstance(body, dict):
            seen[category].append({"origin": origin, **aggregatable(body, keys)})
        elif category == "other reports":
            seen[category].append({"origin": origin, "path": sub, "body": mask(body)})
        else:
            seen[category].append(
                {"origin": origin, **(mask(body) if isinstance(body, dict) else {"body": body})}
            )
    return {c: sorted(items, key=_canonical) for c, items in seen.items()}


def _canonical(item: Any) -> str:
    return json.dumps(item, sort_keys=True, separators=(",", ":"))


def differences(native: Mapping[str, list], simulated: Mapping[str, list]) -> list[str]:
    """One line per observation only one side made, e.g. ``verbose debug reports: only in Chrome 149: …``."""
    lines = []
    for category in CATEGORIES:
        a = Counter(_canonical(x) for x in native.get(category, []))
        b = Counter(_canonical(x) for x in simulated.get(category, []))
        for side, only in (("only in Chrome 149", a - b), ("only in the simulated browser", b - a)):
            for text, n in sorted(only.items()):
                shown = (
                    describe_registration(json.loads(text)) if category == "registration requests" else text
                )
                lines.append(f"{category}: {side}{f' (×{n})' if n > 1 else ''}: {shown}")
    return lines
