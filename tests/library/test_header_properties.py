"""Whatever a server sends, validation returns a result: it never raises."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attribution_reporting import validate
from attribution_reporting.issues import ValidationResult

HEADERS = ["source", "trigger", "eligible", "info", "support", "os-source", "os-trigger"]
FIELD_NAMES = [
    "destination",
    "expiry",
    "event_report_window",
    "event_report_windows",
    "aggregatable_report_window",
    "max_event_level_reports",
    "trigger_data",
    "trigger_data_matching",
    "filter_data",
    "aggregation_keys",
    "event_level_epsilon",
    "attribution_scopes",
    "named_budgets",
    "aggregatable_debug_reporting",
    "debug_key",
    "debug_reporting",
    "priority",
    "source_event_id",
    "destination_limit_priority",
    "event_trigger_data",
    "aggregatable_trigger_data",
    "aggregatable_values",
    "aggregatable_deduplication_keys",
    "aggregatable_source_registration_time",
    "aggregatable_filtering_id_max_bytes",
    "trigger_context_id",
    "aggregation_coordinator_origin",
    "filters",
    "not_filters",
    "start_time",
    "end_times",
    "limit",
    "values",
    "max_event_states",
    "key_piece",
    "source_keys",
    "value",
    "filtering_id",
    "budget",
    "debug_data",
    "types",
    "deduplication_key",
    "name",
    "_lookback_window",
    "1",
    "0",
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(
        ["0", "1", "-1", "0x1f", "18446744073709551616", "https://a.test", "http://localhost", "event"]
    )
    | st.text(max_size=30)
)
keys = st.sampled_from(FIELD_NAMES) | st.text(max_size=10)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=6),
    max_leaves=25,
)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(result: ValidationResult) -> None:
    assert isinstance(result, ValidationResult)
    assert result.valid == (not result.errors)
    if result.value is not None:
        json.dumps(result.value)  # the normalized value is JSON
    for issue in [*result.errors, *result.warnings, *result.notes]:
        assert issue.path is None or isinstance(issue.path, list)
        assert issue.msg


@FAST
@given(st.sampled_from(["source", "trigger"]), st.sampled_from(["event", "navigation"]), json_values)
def test_any_json_value(header: str, source_type: str, value: object) -> None:
    kwargs = {"source_type": source_type} if header == "source" else {}
    _check(validate(header, value, **kwargs))
    _check(validate(header, json.dumps(value), **kwargs))


@FAST
@given(
    st.sampled_from(["source", "trigger"]),
    st.dictionaries(st.sampled_from(FIELD_NAMES), json_values, max_size=8),
)
def test_any_registration_shaped_object(header: str, value: dict) -> None:
    _check(validate(header, value))


@FAST
@given(st.sampled_from(HEADERS), st.text(max_size=60))
def test_any_text(header: str, text: str) -> None:
    _check(validate(header, text))


@FAST
@given(st.sampled_from(HEADERS), st.binary(max_size=60))
def test_any_bytes(header: str, data: bytes) -> None:
    _check(validate(header, data))


@FAST
@given(
    st.sampled_from(["eligible", "info", "support", "os-source"]),
    st.lists(
        st.sampled_from(
            [
                "trigger",
                "event-source",
                "navigation-source",
                "web",
                "os",
                "preferred-platform=os",
                '"https://a.test/"',
                "report-header-errors",
                ";debug-reporting",
                "=?0",
                "=1",
                ", ",
                "(",
                ")",
                "x",
            ]
        ),
        max_size=6,
    ),
)
def test_structured_header_fragments(header: str, parts: list[str]) -> None:
    _check(validate(header, "".join(parts)))
