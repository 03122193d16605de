"""Discrete Laplace noise, sampled as Google's differential privacy library does.

The distribution and its parameters are public (``aggregation_api.noise``); drawing from it is
the service's own. The sampler draws a geometric number of Bernoulli trials by binary search
over [1, 2^63 - 1] (exact even for tiny lambda, where a naive loop would run for ever),
subtracts one and attaches a random sign, rejecting a negative zero so that 0 is not counted
twice. Randomness is injected: anything with ``random()`` in [0, 1) and ``getrandbits``.
"""

from __future__ import annotations

import math
from typing import Protocol

from aggregation_api.noise import DEFAULT_EPSILON, DEFAULT_L1_SENSITIVITY, check_epsilon

LONG_MAX = (1 << 63) - 1


class Rng(Protocol):
    def random(self) -> float: ...

    def getrandbits(self, k: int) -> int: ...


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
