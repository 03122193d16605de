"""Every header-validation record of the WICG vectors: same validity, same issue paths in the
same order, same messages (except top-level parse failures), same normalized value."""

from __future__ import annotations

import json
from typing import Any

import pytest

from attribution_reporting import validate
from tests.library.wicg_helpers import assert_same_issues, config_of, decode, load_cases, params, snake
from tests.vectors import vectors


def _check_issues(result: Any, case: dict[str, Any]) -> None:
    assert_same_issues(result.errors, case["expected_errors"])
    assert_same_issues(result.warnings, case["expected_warnings"])
    assert_same_issues(result.notes, case["expected_notes"])
    assert result.valid == case["expected_valid"]


@pytest.mark.parametrize("case", params("source"))
def test_source(case: dict[str, Any]) -> None:
    opts = case["validator_options"]
    result = validate(
        "source",
        case["input"],
        source_type=opts["sourceType"],
        config=config_of(case),
        note_info_gain=bool(opts.get("noteInfoGain")),
    )
    _check_issues(result, case)
    _check_registration_value(
        result, case, lambda v: validate("source", v, source_type=opts["sourceType"], config=config_of(case))
    )


@pytest.mark.parametrize("case", params("trigger"))
def test_trigger(case: dict[str, Any]) -> None:
    result = validate("trigger", case["input"], config=config_of(case))
    _check_issues(result, case)
    _check_registration_value(result, case, lambda v: validate("trigger", v, config=config_of(case)))


def _check_registration_value(result: Any, case: dict[str, Any], revalidate: Any) -> None:
    serialized = case["reference_serialized"]
    if serialized is None:
        assert result.value is None
        return
    assert result.value == json.loads(serialized)
    # The normalized value is itself a header that parses to the same value.
    assert revalidate(json.dumps(result.value)).value == result.value


@pytest.mark.parametrize(
    "group",
    [
        "source",
        "trigger",
        "validate-eligible",
        "validate-info",
        "validate-os",
        "filters",
        "aggregatable-contributions",
        "privacy",
    ],
)
def test_every_vector_file_has_records(group: str) -> None:
    # Guards the parametrized tests against silently running on no records.
    vectors("wicg")
    assert load_cases(group)


def _structured(case: dict[str, Any], header: str) -> None:
    result = validate(header, case["input"])
    _check_issues(result, case)
    ref = case["reference_value"]
    assert result.value == (snake(decode(ref["value"])) if ref["kind"] == "some" else None)


@pytest.mark.parametrize("case", params("validate-eligible", id_of=lambda c: c["input"]))
def test_eligible(case: dict[str, Any]) -> None:
    _structured(case, "eligible")


@pytest.mark.parametrize("case", params("validate-info", id_of=lambda c: c["input"]))
def test_info(case: dict[str, Any]) -> None:
    _structured(case, "info")


@pytest.mark.parametrize("case", params("validate-os", id_of=lambda c: c["input"]))
def test_os(case: dict[str, Any]) -> None:
    _structured(case, "os-source")
    _structured(case, "os-trigger")
