"""Reading the WICG header-validator vectors: tagged-value decoding and vsv → Config."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from attribution_reporting.validate import config_from_vsv
from tests.vectors import vector_files

KNOWN_FAILURES_FILE = Path(__file__).with_name("wicg_known_failures.json")


def load_cases(name: str) -> list[dict[str, Any]]:
    """The records of ``wicg/<name>.test.json`` ([] when the vectors are absent)."""
    files = vector_files("wicg", f"{name}.test.json")
    if not files:
        return []
    return json.loads(files[0].read_text(encoding="utf-8"))["cases"]


def known_failures() -> dict[str, str]:
    """``"<file>:<index>" -> reason`` for records that are expected to fail."""
    records = json.loads(KNOWN_FAILURES_FILE.read_text(encoding="utf-8"))
    return {f"{r['file']}:{r['index']}": r["reason"] for r in records}


def params(name: str, id_of: Any = None) -> list[Any]:
    """pytest params for a vector file, marking known failures as strict xfails."""
    failures = known_failures()
    out = []
    for case in load_cases(name):
        key = f"{name}:{case['index']}"
        marks = [pytest.mark.xfail(reason=failures[key], strict=True)] if key in failures else []
        label = id_of(case) if id_of else case.get("name") or case.get("test_name")
        out.append(pytest.param(case, id=f"{case['index']}-{label}", marks=marks))
    return out


def decode(v: Any) -> Any:
    """Tagged JSON (``$bigint``, ``$set``, ``$map``, ``$number``, ``$url``) to Python values."""
    if isinstance(v, list):
        return [decode(x) for x in v]
    if not isinstance(v, dict):
        return v
    if "$bigint" in v:
        return int(v["$bigint"])
    if "$set" in v:
        return [decode(x) for x in v["$set"]]
    if "$map" in v:
        return {k: decode(x) for k, x in v["$map"]}
    if "$number" in v:
        return {"Infinity": math.inf, "-Infinity": -math.inf}.get(v["$number"], math.nan)
    if "$url" in v:
        return v["$url"]
    return {k: decode(x) for k, x in v.items()}


def snake(v: Any) -> Any:
    """camelCase keys to snake_case, recursively (reference values → normalized values)."""
    if isinstance(v, dict):
        return {re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(), k): snake(x) for k, x in v.items()}
    if isinstance(v, list):
        return [snake(x) for x in v]
    return v


def filter_pair(entry: dict[str, Any]) -> tuple[list[dict], list[dict]]:
    """A decoded ``{positive, negative}`` FilterPair in the normalized filter shape."""
    return [filter_config(c) for c in entry["positive"]], [filter_config(c) for c in entry["negative"]]


def filter_config(c: dict[str, Any]) -> dict[str, Any]:
    out = dict(c["map"])
    if c["lookbackWindow"] is not None:
        out["_lookback_window"] = c["lookbackWindow"]
    return out


def config_of(case: dict[str, Any]):
    return config_from_vsv(decode_vsv((case.get("validator_options") or {}).get("vsv") or {}))


def decode_vsv(vsv: dict[str, Any]) -> dict[str, Any]:
    return {k: decode(v) for k, v in vsv.items()}


def assert_same_issues(got: list[Any], expected: list[dict[str, Any]]) -> None:
    """Same paths in the same order, and each message starts with the reference's message.

    Messages may go on to say what is allowed. Top-level parse failures (no path) are
    compared only by their existence: their text comes from the reference's JSON or
    structured-header parser.
    """
    assert [i.path for i in got] == [e.get("path") for e in expected]
    for issue, e in zip(got, expected, strict=True):
        if "path" in e:
            assert issue.msg.startswith(e["msg"]), (issue.msg, e["msg"])
