"""Randomized response: state counts, pick rates, capacity and unranking (digest §8)."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest

from attribution_reporting.event_level import round_rate
from attribution_reporting.randomized_response import (
    FakeReport,
    channel_capacity,
    num_states,
    output_at_index,
    pick_rate,
    randomized_response,
    scopes_channel_capacity,
)


def test_default_navigation_source() -> None:
    states = num_states(8, 3, 3)
    assert states == 2925
    assert pick_rate(states, 14) == pytest.approx(0.0024263221679834087, rel=1e-12)
    assert round_rate(pick_rate(states, 14)) == 0.0024263
    assert channel_capacity(states, 14) == pytest.approx(11.461727965384876, rel=1e-12)


def test_default_event_source() -> None:
    states = num_states(2, 1, 1)
    assert states == 3
    assert round_rate(pick_rate(states, 14)) == 0.0000025
    assert channel_capacity(states, 14) == pytest.approx(1.584926511508231, rel=1e-12)


@pytest.mark.parametrize(
    ("td", "windows", "n", "states", "bits"),
    [(8, 1, 3, 165, 7.363371483020717), (2, 1, 3, 10, 3.3217661443404407), (8, 3, 1, 25, 4.643424326856604)],
)
def test_information_gain_table(td: int, windows: int, n: int, states: int, bits: float) -> None:
    assert num_states(td, windows, n) == states
    assert channel_capacity(states, 14) == pytest.approx(bits, rel=1e-9)


def test_single_state_has_no_capacity_and_infinite_epsilon_no_noise() -> None:
    assert channel_capacity(1, 14) == 0.0
    assert pick_rate(2925, math.inf) == 0.0


def test_scopes_capacity_examples() -> None:
    assert scopes_channel_capacity(2925, 4, 3) == pytest.approx(11.518161355756956, rel=1e-12)
    assert scopes_channel_capacity(3, 4, 3) == pytest.approx(3.4594316186372973, rel=1e-12)


@pytest.mark.parametrize(("td", "windows", "n"), [(2, 1, 1), (2, 2, 2), (3, 2, 3), (8, 3, 3)])
def test_unranking_is_a_bijection_onto_the_outputs(td: int, windows: int, n: int) -> None:
    trigger_data = list(range(10, 10 + td))
    states = num_states(td, windows, n)
    outputs = set()
    for index in range(states):
        reports = output_at_index(index, trigger_data, windows, n)
        assert len(reports) <= n
        for r in reports:
            assert r.trigger_data in trigger_data
            assert 0 <= r.report_window_index < windows
        outputs.add(tuple(sorted(Counter((r.trigger_data, r.report_window_index) for r in reports).items())))
    assert len(outputs) == states


def test_index_out_of_range_is_rejected() -> None:
    with pytest.raises(ValueError):
        output_at_index(num_states(2, 1, 1), [0, 1], 1, 1)


class _AlwaysPick(random.Random):
    def random(self) -> float:
        return 0.0


def test_draw_uses_injected_rng() -> None:
    picked = randomized_response([0, 1], 1, 1, 0.0, _AlwaysPick(3))
    assert picked is not None
    assert all(isinstance(r, FakeReport) for r in picked)
    truthful = randomized_response([0, 1], 1, 1, math.inf, _AlwaysPick(3))
    assert truthful is None


def test_draw_frequency_matches_pick_rate() -> None:
    rng = random.Random(7)
    trials = 4000
    picked = sum(randomized_response([0, 1], 1, 1, math.log(3), rng) is not None for _ in range(trials))
    # k=3, eps=ln 3 -> pick rate 3/5.
    assert abs(picked / trials - 0.6) < 0.04
