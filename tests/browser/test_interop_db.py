"""Chromium's interop suite through the simulated browser's database storage.

The same cases, expected outputs and known failures as ``tests/library/test_interop.py``
(whose helpers are reused), with :class:`browser.storage.DatabaseStorage` in place of the
in-memory storage: one transaction per case, rolled back afterwards.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from attribution_reporting.interop import run
from browser import models
from browser.storage import DatabaseStorage
from tests.library.test_interop import CASES, KNOWN_FAILURES, _collection
from tests.vectors import load_jsonc


def _params():
    out = []
    for path in CASES:
        marks = [pytest.mark.django_db]
        if path.name in KNOWN_FAILURES:
            marks.append(pytest.mark.xfail(reason=KNOWN_FAILURES[path.name], strict=True))
        out.append(pytest.param(path, marks=marks, id=f"{path.stem}-database"))
    return out


@pytest.mark.parametrize("path", _params())
def test_interop_case_on_database(path: Path) -> None:
    case = load_jsonc(path)
    output = run(case, storage_factory=DatabaseStorage)
    assert _collection(output["reports"]) == _collection(case["output"]["reports"])
    if "unparsable_registrations" in case["output"]:
        assert output["unparsable_registrations"] == case["output"]["unparsable_registrations"]


@pytest.mark.django_db
def test_the_database_was_really_used() -> None:
    """The storage under test is the database, not a silent fallback to memory."""
    cases = [p for p in CASES if p.name == "basic_retry.json"]
    if not cases:
        pytest.skip("interop vectors not found (set ARA_VECTORS_DIR)")
    run(load_jsonc(cases[0]), storage_factory=DatabaseStorage)
    assert models.Source.objects.count() == 1
    assert models.Report.objects.filter(kind="event-level").count() == 1
