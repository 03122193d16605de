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


def _database_storage():
    from browser.storage import DatabaseStorage

    return DatabaseStorage()


# name -> (factory, marks): the database implementation runs in a Django test transaction.
STORAGE_FACTORIES = {
    "memory": (MemoryStorage, []),
    "database": (_database_storage, [pytest.mark.django_db]),
}


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
        for name, (_factory, storage_marks) in STORAGE_FACTORIES.items():
            out.append(pytest.param(path, name, marks=marks + storage_marks, id=f"{path.stem}-{name}"))
    return out


@pytest.mark.parametrize(("path", "storage_name"), _params())
def test_interop_case(path: Path, storage_name: str) -> None:
    case = load_jsonc(path)
    output = run(case, storage_factory=STORAGE_FACTORIES[storage_name][0])
    assert _collection(output["reports"]) == _collection(case["output"]["reports"])
    if "unparsable_registrations" in case["output"]:
        assert output["unparsable_registrations"] == case["output"]["unparsable_registrations"]


# The switch the known failures' reasons name: Chromium's older per-navigation scope rule.
OLDER_SCOPE_RULE = {"navigation_scope_limit_counts_unscoped": False}


@pytest.mark.parametrize("name", sorted(KNOWN_FAILURES))
def test_known_failures_pass_with_the_older_rule_their_reason_names(name: str) -> None:
    path = next((p for p in CASES if p.name == name), None)
    if path is None:
        pytest.skip("interop vectors not found (set ARA_VECTORS_DIR)")
    case = load_jsonc(path)
    output = run(case, config_changes=OLDER_SCOPE_RULE)
    assert _collection(output["reports"]) == _collection(case["output"]["reports"])


def test_the_older_scope_rule_breaks_the_current_files() -> None:
    """The switch matters: current Chromium's files fail with the older rule, pass without it."""
    names = ("attribution_scopes_navigation_limit_no_scopes.json",)
    paths = [p for p in CASES if p.name in names]
    if not paths:
        pytest.skip("interop vectors not found (set ARA_VECTORS_DIR)")
    for path in paths:
        case = load_jsonc(path)
        expected = _collection(case["output"]["reports"])
        assert _collection(run(case)["reports"]) == expected
        assert _collection(run(case, config_changes=OLDER_SCOPE_RULE)["reports"]) != expected


def test_every_case_is_collected() -> None:
    if not CASES:
        pytest.skip("interop vectors not found (set ARA_VECTORS_DIR)")
    names = {p.name for p in CASES}
    assert set(KNOWN_FAILURES) <= names, "a known failure names a file that is not in the suite"


def test_command_line_prints_each_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from attribution_reporting.interop import main

    case = tmp_path / "case.json"
    case.write_text(
        """{
  // a comment; the URLs below hold "//" inside strings
  "input": {"registrations": [
    {"timestamp": "0",
     "registration_request": {"context_origin": "https://source.test",
                              "Attribution-Reporting-Eligible": "event-source"},
     "responses": [{"url": "https://reporter.test/s",
                    "response": {"Attribution-Reporting-Register-Source":
                                 {"destination": "https://d.test", "source_event_id": "1"}}}]},
    {"timestamp": "1",
     "registration_request": {"context_origin": "https://d.test"},
     "responses": [{"url": "https://reporter.test/t",
                    "response": {"Attribution-Reporting-Register-Trigger": {"event_trigger_data": [{}]}}}]},
    {"timestamp": "2",
     "registration_request": {"context_origin": "https://d.test"},
     "responses": [{"url": "https://reporter.test/t",
                    "response": {"Attribution-Reporting-Register-Trigger": {"event_trigger_data": {}}}}]}
  ]}
}""",
        encoding="utf-8",
    )
    assert main([str(case)]) == 0
    printed = json.loads(capsys.readouterr().out)
    [report] = printed["reports"]
    assert (
        report["report_url"]
        == "https://reporter.test/.well-known/attribution-reporting/report-event-attribution"
    )
    assert report["report_time"] == "2592000000"
    assert printed["unparsable_registrations"] == [{"time": "2", "type": "trigger"}]


def test_command_line_reports_bad_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from attribution_reporting.interop import main

    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main([str(bad), str(tmp_path / "missing.json")]) == 1
    err = capsys.readouterr().err
    assert "bad.json" in err and "missing.json" in err
    assert main([]) == 2
