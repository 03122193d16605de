"""Property tests: budgets are never exceeded; one-sided debug keys never leave the browser."""

from __future__ import annotations

import json
import random
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from attribution_reporting.aggregatable_debug import (
    SUCCESS,
    TRIGGER_TYPES,
    DebugBudgetUsage,
    source_report,
    trigger_report,
)
from attribution_reporting.aggregatable_payload import decrypt_payload, without_padding
from attribution_reporting.aggregatable_report import build_body
from attribution_reporting.config import CHROMIUM
from attribution_reporting.coordinator_keys import generate_key_pair, key_set_of
from attribution_reporting.reports import AggregatableData

PAIR = generate_key_pair("k", bytes(range(32)))
KEYS = key_set_of(PAIR)

debug_types = st.sampled_from(TRIGGER_TYPES + ("unspecified",))
debug_data = st.lists(
    st.fixed_dictionaries(
        {
            "types": st.lists(debug_types, min_size=1, max_size=3, unique=True),
            "key_piece": st.integers(0, 2**128 - 1).map(hex),
            "value": st.integers(1, 65536),
        }
    ),
    min_size=1,
    max_size=4,
)
usages = st.builds(DebugBudgetUsage, st.integers(0, 1 << 21), st.integers(0, 1 << 17))


@settings(max_examples=300, deadline=None)
@given(
    data=debug_data,
    outcome=st.lists(st.sampled_from(TRIGGER_TYPES), max_size=2, unique=True),
    remaining=st.integers(0, 65536),
    count=st.integers(0, 6),
    usage=usages,
    with_source=st.booleans(),
)
def test_trigger_debug_contributions_never_exceed_budget_or_limits(
    data, outcome, remaining, count, usage, with_source
):
    source = (
        SimpleNamespace(
            aggregatable_debug_reporting={"key_piece": "0x3", "budget": 65536},
            remaining_aggregatable_debug_budget=remaining,
            num_aggregatable_debug_reports=count,
        )
        if with_source
        else None
    )
    out = trigger_report(
        {"key_piece": "0x1", "debug_data": data},
        outcome,
        destination_site="https://d.test",
        reporting_origin="https://r.test",
        time_ms=0,
        usage=usage,
        config=CHROMIUM,
        source=source,
    )
    total = sum(v for _, v, _ in out.data.contributions)
    assert total == out.consumed_budget
    assert len(out.data.contributions) <= 2
    assert total <= (remaining if with_source else 65536)
    if total:
        assert out.result == SUCCESS
        assert usage.context_site + total <= CHROMIUM.max_aggregatable_debug_budget_per_context_site
        assert (
            usage.context_reporting_site + total
            <= CHROMIUM.max_aggregatable_debug_budget_per_context_reporting_site
        )
        if with_source:
            assert count < CHROMIUM.max_aggregatable_debug_reports_per_source


@settings(max_examples=200, deadline=None)
@given(
    budget=st.integers(1, 65536), values=st.lists(st.integers(1, 65536), min_size=1, max_size=2), usage=usages
)
def test_source_debug_contributions_never_exceed_the_sources_budget(budget, values, usage):
    types = ["source-success", "source-destination-limit-replaced"][: len(values)]
    config = {
        "budget": budget,
        "key_piece": "0x0",
        "debug_data": [
            {"types": [t], "key_piece": hex(i), "value": v}
            for i, (t, v) in enumerate(zip(types, values, strict=True))
        ],
    }
    out = source_report(
        config,
        types,
        destination_sites=["https://d.test"],
        reporting_origin="https://r.test",
        time_ms=0,
        usage=usage,
        config=CHROMIUM,
    )
    assert sum(v for _, v, _ in out.data.contributions) <= budget


debug_keys = st.one_of(st.none(), st.integers(0, 2**64 - 1))


@settings(max_examples=60, deadline=None)
@given(
    source_key=debug_keys,
    trigger_key=debug_keys,
    api=st.sampled_from(["attribution-reporting", "attribution-reporting-debug"]),
    contributions=st.lists(
        st.tuples(st.integers(0, 2**128 - 1), st.integers(1, 65536), st.just(0)), max_size=2
    ),
)
def test_body_never_carries_a_one_sided_debug_key(source_key, trigger_key, api, contributions):
    data = AggregatableData(
        api=api,
        attribution_destination="https://d.test",
        reporting_origin="https://r.test",
        scheduled_report_time=1,
        contributions=contributions,
        aggregation_coordinator_origin="https://c.test",
        source_debug_key=source_key,
        trigger_debug_key=trigger_key,
    )
    body = build_body(data, "00000000-0000-4000-8000-000000000000", KEYS, random.Random(0))
    both = source_key is not None and trigger_key is not None and api == "attribution-reporting"
    text = json.dumps(body)
    assert ("source_debug_key" in body) == both and ("trigger_debug_key" in body) == both
    assert ("debug_mode" in json.loads(body["shared_info"])) == both
    assert ("debug_cleartext_payload" in text) == both
    decoded = decrypt_payload(
        body["aggregation_service_payloads"][0]["payload"], PAIR.private_key, body["shared_info"]
    )
    assert [(c["bucket"], c["value"], c["id"]) for c in without_padding(decoded)] == [
        c for c in contributions if c[0] or c[1]
    ]
