"""Chromium's interop test runner: replays a case's registrations and prints its reports.

A case (``content/test/data/attribution_reporting/interop/*.json``) lists registrations
with times and responses, and optionally ``api_config``, ``connection`` up/down entries and
``navigation`` entries (a committed navigation, which Chromium's navigation-based retry
experiment waits for).
:func:`run` feeds them to an :class:`AttributionEngine` in time order, "sends" every report
at its report time (interleaved with the registrations; a report due while the network is
down fails and is retried as Chromium retries), and returns the ``output`` object in the
files' schema. Noise is off as in Chromium's runner: the randomized response is the injected
one (or truthful) and the aggregatable delay is its maximum.

``python -m attribution_reporting interop FILE...`` prints each file's output as JSON.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from typing import Any

from .aggregatable_report import interop_payload
from .config import Config
from .engine import AttributionEngine, RegistrationRequest, RegistrationResponse
from .jsonc import load
from .reports import VERBOSE_DEBUG, Report
from .storage import MemoryStorage, Storage
from .verbose_debug import interop_payload as verbose_interop_payload

ELIGIBLE = "Attribution-Reporting-Eligible"


class InteropError(ValueError):
    """A case that does not follow the interop format."""


def _events(case: dict[str, Any]) -> list[tuple[int, int, str, Any]]:
    try:
        registrations = case["input"]["registrations"]
    except (KeyError, TypeError):
        raise InteropError("a case needs input.registrations") from None
    events: list[tuple[int, int, str, Any]] = []
    for index, registration in enumerate(registrations):
        time = int(registration["timestamp"])
        if "connection" in registration:
            events.append((time, len(events), "connection", bool(registration["connection"])))
            continue
        if registration.get("navigation"):
            events.append((time, len(events), "navigation", True))
            continue
        if "registration_request" not in registration:
            continue  # other browser events do not register anything
        request = registration["registration_request"]
        for hop in registration.get("responses", []):
            hop_time = int(hop.get("timestamp", time))
            events.append((hop_time, len(events), "response", (index, request, hop)))
    events.sort(key=lambda e: (e[0], e[1]))
    return events


# The interop name of Chromium's navigation-based retry experiment and its values.
NAVIGATION_RETRY_KEY = "retry_after_new_navigation"
NAVIGATION_RETRY_VALUES = {"first_retry": 1, "second_retry": 2, "third_retry": 3}


def _config(api_config: dict[str, Any] | None) -> Config:
    config = Config.from_interop(api_config)
    mode = (api_config or {}).get(NAVIGATION_RETRY_KEY)
    if mode is not None:
        if not isinstance(mode, str) or mode not in NAVIGATION_RETRY_VALUES:
            raise InteropError(f"{NAVIGATION_RETRY_KEY} must be one of {sorted(NAVIGATION_RETRY_VALUES)}")
        config = config.replace(navigation_retry_attempt=NAVIGATION_RETRY_VALUES[mode])
    return config


def payload_of(report: Report) -> Any:
    """The report's payload as interop files show it: decrypted, and without report ids.

    Chromium's runner leaves report ids out, also inside a verbose item whose body is an
    event-level report body (``trigger-event-low-priority``, ``-excessive-reports``).
    """
    if report.aggregatable is not None:
        return interop_payload(report.aggregatable)
    if isinstance(report.body, dict):
        return {k: v for k, v in report.body.items() if k != "report_id"}
    if report.kind == VERBOSE_DEBUG:
        return verbose_interop_payload(report.body)
    return report.body


def run(
    case: dict[str, Any],
    *,
    storage_factory: Callable[[], Storage] | None = None,
    config_changes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Replays one interop case; returns ``{"reports": [...], "unparsable_registrations": [...]}``.

    ``config_changes`` overrides config fields after the case's own ``api_config``, e.g. an
    older Chromium rule for a file stored at an older commit.
    """
    config = _config(case.get("api_config"))
    if config_changes:
        config = config.replace(**config_changes)
    storage = storage_factory() if storage_factory else MemoryStorage()
    engine = AttributionEngine(storage, config=config, rng=random.Random(0), noise=False)
    output: list[dict[str, Any]] = []
    unparsable: list[dict[str, Any]] = []
    connected = True

    def send_due(until: int) -> None:
        while True:
            due_time = engine.next_report_time()
            if due_time is None or due_time > until:
                return
            for report in engine.due_reports(due_time):
                if connected:
                    output.append(
                        {
                            "report_time": str(due_time),
                            "report_url": report.url,
                            "payload": payload_of(report),
                        }
                    )
                    engine.report_sent(report.report_id, due_time)
                else:
                    engine.report_failed(report.report_id, due_time, "network down")

    for time, _order, kind, data in _events(case):
        send_due(time)
        if kind == "connection":
            connected = data
            continue
        if kind == "navigation":
            engine.navigation_committed(time)
            continue
        index, request, hop = data
        outcome = engine.handle_response(
            RegistrationRequest(
                context_origin=request["context_origin"],
                eligible=request.get(ELIGIBLE),
                support="web, os",
                fenced=bool(request.get("fenced", False)),
                navigation_id=str(index),
            ),
            RegistrationResponse(
                url=hop["url"],
                headers=hop.get("response") or {},
                debug_permission=bool(hop.get("debug_permission", False)),
                randomized_response=hop.get("randomized_response"),
                null_aggregatable_reports_days=hop.get("null_aggregatable_reports_days"),
            ),
            time,
        )
        if outcome.errors and outcome.kind in ("source", "trigger"):
            unparsable.append({"time": str(time), "type": outcome.kind})
        send_due(time)
    send_due(2**62)
    return {"reports": output, "unparsable_registrations": unparsable}


def main(argv: list[str]) -> int:
    """``interop FILE...``: prints each case's output; exit 1 when a file cannot be run."""
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python -m attribution_reporting interop FILE...", file=sys.stderr)
        return 2
    status = 0
    for path in argv:
        try:
            case = load(path)
            result = run(case)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"{path}: cannot run this case: {exc}", file=sys.stderr)
            status = 1
            continue
        print(json.dumps(result, indent=2, sort_keys=True))
    return status
