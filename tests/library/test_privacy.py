"""The privacy math against the numbers in the spec digest (§6, §8)."""

from __future__ import annotations

import math

import pytest

from attribution_reporting import privacy
from attribution_reporting.privacy import PerTriggerDataConfig


def test_default_navigation_source() -> None:
    k = privacy.num_states(3, 8, 3)
    assert k == 2925 == math.comb(8 * 3 + 3, 3)
    assert privacy.flip_probability(k, 14) == pytest.approx(0.0024263221679834087, rel=1e-12)
    assert f"{privacy.flip_probability(k, 14):.7f}" == "0.0024263"
    assert privacy.max_information_gain(k, 14) == pytest.approx(11.461727965384876, rel=1e-12)


def test_default_event_source() -> None:
    k = privacy.num_states(1, 2, 1)
    assert k == 3
    assert privacy.flip_probability(k, 14) == pytest.approx(2.494582008677539e-06, rel=1e-12)
    assert f"{privacy.flip_probability(k, 14):.7f}" == "0.0000025"
    assert privacy.max_information_gain(k, 14) == pytest.approx(1.584926511508231, rel=1e-12)


@pytest.mark.parametrize(
    ("trigger_data", "windows", "reports", "states", "pick_rate", "info_gain"),
    [
        (8, 3, 3, 2925, 0.0024263221679834087, 11.461727965384876),
        (2, 1, 1, 3, 2.494582008677539e-06, 1.584926511508231),
        (8, 1, 3, 165, 1.371835e-4, 7.363371483020717),
        (2, 1, 3, 10, 8.315e-6, 3.3217661443404407),
        (8, 3, 1, 25, 2.0788e-5, 4.643424326856604),
    ],
)
def test_info_gain_table(
    trigger_data: int, windows: int, reports: int, states: int, pick_rate: float, info_gain: float
) -> None:
    k = privacy.num_states(reports, trigger_data, windows)
    assert k == states == math.comb(trigger_data * windows + reports, reports)
    assert privacy.flip_probability(k, 14) == pytest.approx(pick_rate, rel=1e-4)
    assert privacy.max_information_gain(k, 14) == pytest.approx(info_gain, rel=1e-12)


def test_no_reports_or_no_trigger_data_is_one_state_and_no_information() -> None:
    assert privacy.num_states(0, 8, 3) == 1
    assert privacy.num_flexible_states(3, []) == 1
    assert privacy.max_information_gain(1, 14) == 0


def test_per_trigger_data_caps_reduce_states() -> None:
    # One trigger datum capped at 1 report, another at 2, with at most 2 reports in total.
    configs = [PerTriggerDataConfig(2, 1), PerTriggerDataConfig(1, 2)]
    # Enumerate: datum A has no report or one in either of its 2 windows; datum B has 0..2
    # reports in its single window.
    a_outputs = [(), ("w1",), ("w2",)]
    expected = sum(1 for a in a_outputs for b in range(3) if len(a) + b <= 2)
    assert privacy.num_flexible_states(2, configs) == expected == 7


def test_unlimited_epsilon_gives_log2_states() -> None:
    assert privacy.max_information_gain(1024, math.inf) == pytest.approx(10)


def test_binary_entropy_is_symmetric_and_peaks_at_one_half() -> None:
    assert privacy.binary_entropy(0.5) == 1
    assert privacy.binary_entropy(0) == privacy.binary_entropy(1) == 0
    assert privacy.binary_entropy(0.01) == pytest.approx(privacy.binary_entropy(0.99))


def test_scopes_information_gain() -> None:
    assert privacy.attribution_scopes_information_gain(2925, 3, 4) == pytest.approx(11.518161355756956)
    assert privacy.attribution_scopes_information_gain(3, 3, 4) == pytest.approx(3.4594316186372973)


@pytest.mark.parametrize(("states", "bound"), [(5545, 6.5), (84121, 11.5), (3, 6.5)])
def test_epsilon_search_finds_the_largest_epsilon_within_the_bound(states: int, bound: float) -> None:
    eps = privacy.epsilon_to_bound_info_gain_and_dp(states, bound, 14)
    assert privacy.max_information_gain(states, eps) <= bound
    if eps < 14:
        assert privacy.max_information_gain(states, math.nextafter(eps, math.inf)) > bound


def test_compute_config_data_flags_excessive_information_gain() -> None:
    configs = [PerTriggerDataConfig(3, 3)] * 8
    data = privacy.compute_config_data(3, configs, 14, 6.5)
    assert data["num_states"] == 2925
    assert data["excessive"]["new_eps"] < 14
    assert privacy.max_information_gain(2925, data["excessive"]["new_eps"]) <= 6.5
    assert "excessive" not in privacy.compute_config_data(3, configs, 14, 11.5)
