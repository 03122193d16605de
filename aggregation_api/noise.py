"""The service's noise, as a client may know it: epsilon's range, L1 and what noise to expect.

The Aggregation Service adds discrete Laplace noise to every output bucket: P(x) is
proportional to exp(-lambda*|x|) with lambda = epsilon / L1 sensitivity, so with
p = 1 - exp(-lambda) the variance is 2(1-p)/p^2. These are published parameters: an ad tech
uses them to choose epsilon and to say how far a summary may be from the truth. Drawing the
noise is the service's own business (``aggregation/noise.py``).
"""

from __future__ import annotations

import math

DEFAULT_EPSILON = 10.0
MAX_EPSILON = 64.0
DEFAULT_L1_SENSITIVITY = 65536


def check_epsilon(epsilon: float | str) -> float:
    """Epsilon as a float, or ValueError unless 0 < epsilon <= 64 (the service's range)."""
    value = float(epsilon)
    if not 0 < value <= MAX_EPSILON or math.isnan(value):
        raise ValueError(f"epsilon must be greater than 0 and at most {MAX_EPSILON:g}, not {epsilon}")
    return value


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
