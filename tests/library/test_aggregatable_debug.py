"""Aggregatable debug reports: keys, budget, per-source count and per-day rate limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest

from attribution_reporting.aggregatable_debug import (
    BOTH_RATE_LIMITS,
    EXCESSIVE_REPORTS,
    GLOBAL_RATE_LIMIT,
    INSUFFICIENT_BUDGET,
    NO_MATCHING_DATA,
    REPORTING_SITE_RATE_LIMIT,
    SUCCESS,
    DebugBudgetUsage,
    check_limits,
    debug_contributions,
    source_report,
    trigger_report,
    usage_from_records,
)
from attribution_reporting.aggregatable_debug import (
    SOURCE_TYPES as AGG_SOURCE_TYPES,
)
from attribution_reporting.aggregatable_debug import (
    TRIGGER_TYPES as AGG_TRIGGER_TYPES,
)
from attribution_reporting.aggregatable_report import interop_payload
from attribution_reporting.config import CHROMIUM, Config
from attribution_reporting.sites import origin_of, site_of
from tests.vectors import load_jsonc, vectors


def test_contributions_or_keys_and_unspecified_fallback():
    config = {
        "key_piece": "0x1000",
        "debug_data": [
            {"types": ["trigger-event-deduplicated"], "key_piece": "0x123", "value": 4},
            {"types": ["unspecified"], "key_piece": "0x321", "value": 5},
        ],
    }
    got = debug_contributions(
        config,
        ["trigger-event-deduplicated", "trigger-aggregate-deduplicated"],
        AGG_TRIGGER_TYPES,
        extra_key_piece=0x159,
    )
    assert got == [(0x117B, 4, 0), (0x1379, 5, 0)]
    # "unspecified" does not stand for types outside the supported list.
    assert debug_contributions(config, ["source-success"], AGG_TRIGGER_TYPES) == []
    assert debug_contributions(None, ["trigger-event-deduplicated"], AGG_TRIGGER_TYPES) == []
    assert "source-destination-limit-replaced" in AGG_SOURCE_TYPES


@pytest.mark.parametrize(
    ("total", "budget", "count", "usage", "result"),
    [
        (0, 10, 0, DebugBudgetUsage(), NO_MATCHING_DATA),
        (11, 10, 0, DebugBudgetUsage(), INSUFFICIENT_BUDGET),
        (10, 10, 5, DebugBudgetUsage(), EXCESSIVE_REPORTS),
        (10, 10, None, DebugBudgetUsage(), SUCCESS),
        (2, 65536, None, DebugBudgetUsage(1048575, 0), GLOBAL_RATE_LIMIT),
        (2, 65536, None, DebugBudgetUsage(0, 65535), REPORTING_SITE_RATE_LIMIT),
        (2, 65536, None, DebugBudgetUsage(1048575, 65535), BOTH_RATE_LIMITS),
        (1, 65536, None, DebugBudgetUsage(1048575, 65535), SUCCESS),
    ],
)
def test_check_limits(total, budget, count, usage, result):
    assert (
        check_limits(total, budget=budget, source_report_count=count, usage=usage, config=CHROMIUM) == result
    )


def test_usage_window_excludes_records_exactly_one_day_old():
    rec = SimpleNamespace
    records = [
        rec(context_site="https://d.test", reporting_site="https://r.test", time_ms=3000, consumed_budget=9),
        rec(context_site="https://d.test", reporting_site="https://s.test", time_ms=5000, consumed_budget=4),
        rec(
            context_site="https://other.test",
            reporting_site="https://r.test",
            time_ms=5000,
            consumed_budget=100,
        ),
    ]
    usage = usage_from_records(
        records,
        context_site="https://d.test",
        reporting_site="https://r.test",
        now_ms=86_403_000,
        config=CHROMIUM,
    )
    assert usage == DebugBudgetUsage(4, 0)
    usage = usage_from_records(
        records,
        context_site="https://d.test",
        reporting_site="https://r.test",
        now_ms=86_402_999,
        config=CHROMIUM,
    )
    assert usage == DebugBudgetUsage(13, 9)


def test_no_report_without_debug_data_or_in_fenced_frames():
    args = dict(destination_site="https://d.test", reporting_origin="https://r.test", time_ms=0)
    config = {"key_piece": "0x1", "debug_data": [{"types": ["unspecified"], "key_piece": "0x2", "value": 1}]}
    assert trigger_report(None, [], usage=DebugBudgetUsage(), config=CHROMIUM, **args) is None
    assert (
        trigger_report(
            {"key_piece": "0x1", "debug_data": []}, [], usage=DebugBudgetUsage(), config=CHROMIUM, **args
        )
        is None
    )
    assert trigger_report(config, [], usage=DebugBudgetUsage(), config=CHROMIUM, fenced=True, **args) is None


@dataclass
class _Source:
    aggregatable_debug_reporting: dict | None
    remaining_aggregatable_debug_budget: int
    num_aggregatable_debug_reports: int = 0
    records: list = field(default_factory=list)


# Outcome types of each registration of aggregatable_debug_reports_limits.json, as its comments say.
LIMITS_TYPES = {
    0: ["source-success"],
    1000: [],  # attributed: there is no success type for triggers
    2000: ["trigger-event-deduplicated", "trigger-aggregate-deduplicated"],
    3000: ["trigger-event-deduplicated", "trigger-aggregate-deduplicated"],
    4000: ["trigger-no-matching-filter-data"],
    5000: ["trigger-no-matching-source"],
    6000: ["trigger-no-matching-source"],
    7000: ["trigger-no-matching-source"],
    8000: ["trigger-no-matching-source"],
    86403000: ["trigger-no-matching-source"],
}


def test_interop_aggregatable_debug_reports_limits():
    case = load_jsonc(vectors("interop") / "aggregatable_debug_reports_limits.json")
    config = Config.from_interop(case["api_config"])
    records: list[SimpleNamespace] = []
    source = None
    made = []
    for registration in case["input"]["registrations"]:
        time_ms = int(registration["timestamp"])
        context_site = site_of(registration["registration_request"]["context_origin"])
        response = registration["responses"][0]
        reporting_origin = origin_of(response["url"])
        usage = usage_from_records(
            records,
            context_site=context_site,
            reporting_site=site_of(reporting_origin),
            now_ms=time_ms,
            config=config,
        )
        header = response["response"]
        if "Attribution-Reporting-Register-Source" in header:
            reg = header["Attribution-Reporting-Register-Source"]
            debug_config = reg["aggregatable_debug_reporting"]
            out = source_report(
                debug_config,
                LIMITS_TYPES[time_ms],
                destination_sites=[reg["destination"]],
                reporting_origin=reporting_origin,
                time_ms=time_ms,
                usage=usage,
                config=config,
            )
            source = _Source(debug_config, debug_config["budget"])
            matched = source
        else:
            reg = header["Attribution-Reporting-Register-Trigger"]
            matched = (
                source
                if reporting_origin == "https://reporter.test" and context_site == "https://destination.test"
                else None
            )
            out = trigger_report(
                reg.get("aggregatable_debug_reporting"),
                LIMITS_TYPES[time_ms],
                destination_site=context_site,
                reporting_origin=reporting_origin,
                time_ms=time_ms,
                usage=usage,
                config=config,
                source=matched,
            )
        assert out is not None
        if out.result == SUCCESS:
            records.append(
                SimpleNamespace(
                    context_site=context_site,
                    reporting_site=site_of(reporting_origin),
                    time_ms=time_ms,
                    consumed_budget=out.consumed_budget,
                )
            )
            if matched is not None:
                matched.remaining_aggregatable_debug_budget -= out.consumed_budget
                matched.num_aggregatable_debug_reports += 1
        made.append({"report_time": str(time_ms), "payload": interop_payload(out.data)})
    expected = [
        {"report_time": r["report_time"], "payload": r["payload"]}
        for r in case["output"]["reports"]
        if r["report_url"].endswith("/debug/report-aggregate-debug")
    ]
    assert made == expected


def test_source_report_uses_first_sorted_destination_and_own_budget():
    config = {
        "budget": 100,
        "key_piece": "0xa",
        "aggregation_coordinator_origin": "https://c2.test",
        "debug_data": [
            {"types": ["source-destination-global-rate-limit"], "key_piece": "0x10", "value": 1},
            {"types": ["source-destination-limit-replaced"], "key_piece": "0x20", "value": 2},
        ],
    }
    out = source_report(
        config,
        ["source-destination-global-rate-limit", "source-destination-limit-replaced"],
        destination_sites=["https://z.test", "https://a.test"],
        reporting_origin="https://r.test",
        time_ms=4000,
        usage=DebugBudgetUsage(),
        config=CHROMIUM,
    )
    assert out.result == SUCCESS and out.consumed_budget == 3
    assert out.data.contributions == [(0x1A, 1, 0), (0x2A, 2, 0)]
    assert out.data.attribution_destination == "https://a.test"
    assert out.data.aggregation_coordinator_origin == "https://c2.test"
    assert out.data.api == "attribution-reporting-debug" and out.data.scheduled_report_time == 4
    over = source_report(
        dict(config, budget=2),
        ["source-destination-global-rate-limit", "source-destination-limit-replaced"],
        destination_sites=["https://a.test"],
        reporting_origin="https://r.test",
        time_ms=4000,
        usage=DebugBudgetUsage(),
        config=CHROMIUM,
    )
    assert over.result == INSUFFICIENT_BUDGET and over.data.contributions == [] and over.consumed_budget == 0
