"""Chromium's interop suite against the engine, once per storage implementation.

Each case's reports are compared the way Chromium's runner compares them: as an unordered
collection of (report_time, report_url, payload), report ids ignored.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from attribution_reporting.interop import run
from attribution_reporting.storage import MemoryStorage
from tests.vectors import load_jsonc, vector_files

KNOWN_FAILURES = json.loads((Path(__file__).parent / "interop_known_failures.json").read_text())

CASES = [p for p in vector_files("interop") if p.name != "default_config.json"]

STORAGE_FACTORIES = {"memory": MemoryStorage}


def _canonical(value):
    """Integral floats as ints: interop files write ``123.0`` where Chrome sends 123."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def _collection(reports):
    keyed = [
        json.dumps(_canonical({k: r[k] for k in ("report_time", "report_url", "payload")}), sort_keys=True)
        for r in reports
    ]
    return sorted(keyed)


def _params():
    out = []
    for path in CASES:
        marks = []
        if path.name in KNOWN_FAILURES:
            marks.append(pytest.mark.xfail(reason=KNOWN_FAILURES[path.name], strict=True))
        for name in STORAGE_FACTORIES:
            out.append(pytest.param(path, name, marks=marks, id=f"{path.stem}-{name}"))
    return out


@pytest.mark.parametrize(("path", "storage_name"), _params())
def test_interop_case(path: Path, storage_name: str) -> None:
    case = load_jsonc(path)
    output = run(case, storage_factory=STORAGE_FACTORIES[storage_name])
    assert _collection(output["reports"]) == _collection(case["output"]["reports"])
    if "unparsable_registrations" in case["output"]:
        assert output["unparsable_registrations"] == case["output"]["unparsable_registrations"]


def test_every_case_is_collected() -> None:
    if not CASES:
        pytest.skip("interop vectors not found (set ARA_VECTORS_DIR)")
    names = {p.name for p in CASES}
    assert set(KNOWN_FAILURES) <= names, "a known failure names a file that is not in the suite"
