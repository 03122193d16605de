"""Null aggregatable reports: rates, lookback days, unconditional sending, day flooring."""

from __future__ import annotations

import random

import pytest

from attribution_reporting.config import CHROMIUM, Config
from attribution_reporting.null_reports import (
    is_unconditionally_sent,
    null_report_data,
    null_report_rate,
    null_reports,
    source_registration_time,
)
from tests.vectors import load_jsonc, vectors

DAY_MS = 86_400_000


def _plan(**kw):
    values = dict(
        trigger_time_ms=432_001_000,
        source_registration_time_config="include",
        attributed_source_time_ms=None,
        trigger_context_id=None,
        filtering_id_max_bytes=1,
        config=Config.from_interop(),
    )
    values.update(kw)
    return null_reports(**values)


def test_source_registration_time_floors_to_the_day():
    assert source_registration_time(432_001_000) == 432_000
    assert source_registration_time(DAY_MS - 1) == 0
    assert source_registration_time(DAY_MS) == 86_400


def test_unconditionally_sent():
    assert not is_unconditionally_sent(None, 1)
    assert is_unconditionally_sent("", 1)
    assert is_unconditionally_sent(None, 2)


def test_rates():
    assert null_report_rate(CHROMIUM, "include", False) == 0.008
    assert null_report_rate(CHROMIUM, "exclude", False) == 0.05
    assert null_report_rate(CHROMIUM, "exclude", True) == 1.0


def _interop_triggers():
    case = load_jsonc(vectors("interop") / "null_aggregatable_report.json")
    triggers = []
    for registration in case["input"]["registrations"]:
        response = registration["responses"][0]
        header = response["response"].get("Attribution-Reporting-Register-Trigger")
        if header is not None:
            triggers.append(
                (int(registration["timestamp"]), response["null_aggregatable_reports_days"], header)
            )
    expected = [r for r in case["output"]["reports"] if isinstance(r["payload"], dict)]
    return triggers, expected


def test_interop_null_aggregatable_report_case():
    """Replays the case's aggregatable triggers; which one makes a real report is in its comments."""
    triggers, expected = _interop_triggers()
    source_time = 432_000_000
    real = {432_001_000: source_time, 432_003_000: source_time}  # triggers whose contributions match "a"
    made = []
    for time_ms, days, header in triggers:
        if not header.get("aggregatable_values"):
            continue  # no aggregatable data: no null reports
        plans = _plan(
            trigger_time_ms=time_ms,
            source_registration_time_config=header.get("aggregatable_source_registration_time", "exclude"),
            attributed_source_time_ms=real.get(time_ms),
            days=days,
        )
        made += [(time_ms, p.source_registration_time) for p in plans]
    null_outputs = [r for r in expected if r["payload"]["histograms"][0]["value"] == 0]
    assert sorted((t + 3_600_000, srt) for t, srt in made) == sorted(
        (
            int(r["report_time"]),
            int(r["payload"]["shared_info"]["source_registration_time"])
            if "source_registration_time" in r["payload"]["shared_info"]
            else None,
        )
        for r in null_outputs
    )


def test_include_skips_the_real_reports_day():
    plans = _plan(attributed_source_time_ms=432_000_000 - 2 * DAY_MS, days=range(31))
    assert len(plans) == 30
    assert 2 not in {p.lookback_day for p in plans}
    assert {p.source_registration_time for p in plans} == {
        source_registration_time(432_001_000 - d * DAY_MS) for d in range(31) if d != 2
    }


def test_exclude_with_real_report_makes_none():
    assert _plan(source_registration_time_config="exclude", attributed_source_time_ms=1, days=[0]) == []


def test_unconditional_trigger_always_gets_one_without_days():
    plans = _plan(source_registration_time_config="exclude", trigger_context_id="ctx", days=[])
    assert [(p.fake_source_time_ms, p.source_registration_time) for p in plans] == [(432_001_000, None)]
    plans = _plan(source_registration_time_config="exclude", filtering_id_max_bytes=3, rng=random.Random(0))
    assert len(plans) == 1


def test_random_rates_follow_config():
    rng = random.Random(1234)
    n = 4000
    exclude = sum(
        len(_plan(source_registration_time_config="exclude", config=CHROMIUM, rng=rng)) for _ in range(n)
    )
    include = sum(len(_plan(config=CHROMIUM, rng=rng)) for _ in range(n))
    assert 0.04 < exclude / n < 0.06
    assert 0.006 < include / (31 * n) < 0.010
    assert (
        _plan(config=CHROMIUM.replace(null_report_rate_include_source_registration_time=0.0), rng=rng) == []
    )


def test_needs_rng_or_days():
    with pytest.raises(ValueError):
        _plan(config=CHROMIUM)


def test_null_report_data_has_no_source_debug_key():
    (plan,) = _plan(source_registration_time_config="exclude", days=[0])
    data = null_report_data(
        plan,
        attribution_destination="https://d.test",
        reporting_origin="https://r.test",
        scheduled_report_time=435_601,
        aggregation_coordinator_origin="https://c.test",
        trigger_debug_key=7,
        trigger_context_id=None,
        filtering_id_max_bytes=1,
    )
    assert data.is_null and data.contributions == [] and data.source_debug_key is None
    assert data.trigger_debug_key == 7 and data.source_registration_time is None
