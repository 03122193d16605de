"""``eligible_keys``: the one reading of ``Attribution-Reporting-Eligible`` every server-side check uses."""

import pytest

from attribution_reporting.eligibility import eligible_keys


@pytest.mark.parametrize(
    "raw,keys",
    [
        ("navigation-source", {"navigation-source"}),
        ("not-event-source, trigger;x=1, event-source=?0", {"trigger", "event-source"}),
        ("", set()),
        ("(((", None),
        ("trigger, \u00e9", None),
    ],
)
def test_spec_keys_only(raw, keys):
    result = eligible_keys(raw)
    assert (None if result is None else set(result)) == keys
