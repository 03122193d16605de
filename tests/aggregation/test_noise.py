"""Discrete Laplace noise: the distribution, checked with a fixed seed; the budget key's hash."""

from __future__ import annotations

import math
import random

import pytest

from aggregation import noise as sampling
from aggregation_api import budget, noise


def _samples(n: int, epsilon: float, l1: float, seed: int) -> list[int]:
    rng = random.Random(seed)
    return [sampling.discrete_laplace(rng, epsilon, l1) for _ in range(n)]


def test_moments_match_discrete_laplace_for_the_service_defaults():
    n = 20_000
    xs = _samples(n, 10, 65536, seed=20260101)
    mean = sum(xs) / n
    var = sum((x - mean) ** 2 for x in xs) / (n - 1)
    expected_var = noise.variance(10)
    assert abs(expected_var**0.5 - 9268) < 2  # the reference's figure for epsilon 10
    assert abs(mean) < 4 * math.sqrt(expected_var / n)
    # Laplace has kurtosis 6: the sample variance's relative error is about sqrt(5/n) = 1.6 %.
    assert abs(var / expected_var - 1) < 0.05
    mean_abs = sum(abs(x) for x in xs) / n
    assert abs(mean_abs / noise.expected_absolute(10) - 1) < 0.03


def test_probabilities_match_with_a_chi_square_test():
    # lambda = epsilon / L1 = 1 makes P(0) large enough to check directly.
    n = 20_000
    xs = _samples(n, 8, 8, seed=7)
    counts = {k: 0 for k in range(-4, 5)}
    tails = 0
    for x in xs:
        if -4 <= x <= 4:
            counts[x] += 1
        else:
            tails += 1
    p = {k: noise.probability(k, 8, 8) for k in counts}
    p_tail = 1 - sum(p.values())
    chi2 = sum((counts[k] - n * p[k]) ** 2 / (n * p[k]) for k in counts) + (tails - n * p_tail) ** 2 / (
        n * p_tail
    )
    assert chi2 < 23.2  # 9 degrees of freedom, p = 0.01
    p0 = counts[0] / n
    assert abs(p0 - noise.probability(0, 8, 8)) < 4 * math.sqrt(p0 * (1 - p0) / n)
    assert abs(noise.probability(0, 8, 8) - (1 - math.exp(-1)) / (1 + math.exp(-1))) < 1e-12


def test_noise_is_symmetric_and_deterministic_with_a_seed():
    assert _samples(50, 10, 65536, seed=3) == _samples(50, 10, 65536, seed=3)
    xs = _samples(4000, 1, 1, seed=11)
    positive = sum(1 for x in xs if x > 0)
    negative = sum(1 for x in xs if x < 0)
    assert abs(positive - negative) < 4 * math.sqrt(positive + negative)


@pytest.mark.parametrize("epsilon", [0, -1, 64.5, float("nan"), "x"])
def test_epsilon_outside_the_service_range_is_refused(epsilon):
    with pytest.raises(ValueError):
        noise.check_epsilon(epsilon)


def test_shared_id_matches_the_service_test_constant():
    info = {
        "api": "attribution-reporting",
        "version": "0.1",
        "reporting_origin": "https://www.origin.com",
        "attribution_destination": "https://www.destination.com",
        "source_registration_time": "1609459200",
        "scheduled_report_time": "1609462800",
    }
    assert budget.shared_id(info) == "7b16c743c6ffe44bc559561b4f457fd3dcf91b797446ed6dc6b01d9fb32d3565"
    # Version 1.0 and non-zero filtering IDs add the filtering id, so each is its own unit.
    assert budget.shared_id(info, 1) != budget.shared_id(info)
    assert budget.shared_id_parts({**info, "version": "1.0"})[-1] == "0"
    unit = budget.budget_unit({**info, "scheduled_report_time": "1609462801"})
    assert unit.hour == 1609462800 and unit.reporting_origin == "https://www.origin.com"
