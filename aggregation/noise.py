"""Discrete Laplace noise, sampled as Google's differential privacy library does.

The Aggregation Service adds ``DiscreteLaplaceNoise`` to every output bucket: P(x) is
proportional to exp(-lambda*|x|) with lambda = epsilon / L1 sensitivity, so with
p = 1 - exp(-lambda) the variance is 2(1-p)/p^2. The sampler draws a geometric number of
Bernoulli trials by binary search over [1, 2^63 - 1] (exact even for tiny lambda, where a
naive loop would run for ever), subtracts one and attaches a random sign, rejecting a
negative zero so that 0 is not counted twice. Randomness is injected: anything with
``random()`` in [0, 1) and ``getrandbits``.
"""

from __future__ import annotations

import math
from typing import Protocol

DEFAULT_EPSILON = 10.0
MAX_EPSILON = 64.0
DEFAULT_L1_SENSITIVITY = 65536
LONG_MAX = (1 << 63) - 1


class Rng(Protocol):
    def random(self) -> float: ...

    def getrandbits(self, k: int) -> int: ...


def check_epsilon(epsilon: float) -> float:
    """Epsilon as a float, or ValueError unless 0 < epsilon <= 64 (the service's range)."""
    value = float(epsilon)
    if not 0 < value <= MAX_EPSILON or math.isnan(value):
        raise ValueError(f"epsilon must be greater than 0 and at most {MAX_EPSILON:g}, not {epsilon}")
    return value


def sample_geometric(rng: Rng, lam: float) -> int:
    """Trials until the first success with success probability 1 - exp(-lam); support 1, 2, ..."""
    if rng.random() > -math.expm1(-lam * LONG_MAX):
        return LONG_MAX
    left, right = 0, LONG_MAX  # left exclusive, right inclusive
    while left + 1 < right:
        mid = left - math.floor((math.log(0.5) + math.log1p(math.exp(lam * (left - right)))) / lam)
        mid = min(max(mid, left + 1), right - 1)
        q = math.expm1(lam * (left - mid)) / math.expm1(lam * (left - right))
        if rng.random() <= q:
            right = mid
        else:
            left = mid
    return right


def sample_two_sided_geometric(rng: Rng, lam: float) -> int:
    """A discrete Laplace sample: P(x) = (1-q)/(1+q) * q^|x| with q = exp(-lam)."""
    magnitude, positive = 0, False
    while magnitude == 0 and not positive:
        magnitude = sample_geometric(rng, lam) - 1
        positive = bool(rng.getrandbits(1))
    return magnitude if positive else -magnitude


def discrete_laplace(
    rng: Rng, epsilon: float = DEFAULT_EPSILON, l1_sensitivity: float = DEFAULT_L1_SENSITIVITY
) -> int:
    """Noise for one bucket."""
    return sample_two_sided_geometric(rng, check_epsilon(epsilon) / l1_sensitivity)


def success_probability(epsilon: float, l1_sensitivity: float = DEFAULT_L1_SENSITIVITY) -> float:
    """p = 1 - exp(-epsilon / L1)."""
    return -math.expm1(-epsilon / l1_sensitivity)


def variance(epsilon: float, l1_sensitivity: float = DEFAULT_L1_SENSITIVITY) -> float:
    """2(1-p)/p^2, the variance of the noise."""
    p = success_probability(epsilon, l1_sensitivity)
    return 2 * (1 - p) / (p * p)


def probability(x: int, epsilon: float, l1_sensitivity: float = DEFAULT_L1_SENSITIVITY) -> float:
    """P(noise == x)."""
    q = math.exp(-epsilon / l1_sensitivity)
    return (1 - q) / (1 + q) * q ** abs(x)


def expected_absolute(epsilon: float, l1_sensitivity: float = DEFAULT_L1_SENSITIVITY) -> float:
    """E|noise| = 2q / (1 - q^2): about L1/epsilon, what a reader should expect per bucket."""
    lam = epsilon / l1_sensitivity
    return 2 * math.exp(-lam) / -math.expm1(-2 * lam)
