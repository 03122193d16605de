"""Privacy math for event-level reports (spec digest §6; flexible event-level configs).

A source's event-level output is one of ``num_states`` possible report sets. Randomized
response answers with a uniformly random state with probability ``flip_probability``, which
gives epsilon-differential privacy; the channel capacity of that q-ary symmetric channel is
the source's maximum information gain, which the browser caps per source type.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class PerTriggerDataConfig:
    """For one trigger data value: its report windows and its cap on reports (summary buckets)."""

    num_windows: int
    num_summary_buckets: int


def _comb(n: int, k: int) -> int:
    return math.comb(n, k) if 0 <= k <= n else 0


def num_flexible_states(max_event_level_reports: int, configs: Sequence[PerTriggerDataConfig]) -> int:
    """Number of possible outputs: ways to place at most ``max_event_level_reports`` reports.

    Each trigger data value ``i`` takes ``s_i <= num_summary_buckets_i`` reports spread over its
    ``num_windows_i`` windows (``C(s + w - 1, w - 1)`` ways); the total is bounded by the
    source's maximum. The count is the sum of the truncated product of those generating
    polynomials, which is exact and fast even for 32 trigger data and 20 reports.
    """
    return _num_flexible_states(max_event_level_reports, tuple(configs))


@lru_cache(maxsize=1024)
def _num_flexible_states(max_event_level_reports: int, configs: tuple[PerTriggerDataConfig, ...]) -> int:
    if max_event_level_reports == 0 or not configs:
        return 1
    cap = max_event_level_reports
    poly = [1] + [0] * cap
    for cfg in configs:
        limit = min(cfg.num_summary_buckets, cap)
        g = [_comb(s + cfg.num_windows - 1, cfg.num_windows - 1) for s in range(limit + 1)]
        out = [0] * (cap + 1)
        for i, a in enumerate(poly):
            if a:
                for s, b in enumerate(g):
                    if i + s > cap:
                        break
                    out[i + s] += a * b
        poly = out
    return sum(poly)


def num_states(
    max_event_level_reports: int,
    num_trigger_data: int,
    num_windows: int,
    num_summary_buckets: int | None = None,
) -> int:
    """States of a source whose trigger data all share the same windows (the API's case)."""
    buckets = max_event_level_reports if num_summary_buckets is None else num_summary_buckets
    cfg = PerTriggerDataConfig(num_windows, buckets)
    return num_flexible_states(max_event_level_reports, [cfg] * num_trigger_data)


def _as_float(n: int | float) -> float:
    try:
        return float(n)
    except OverflowError:
        return math.inf


def binary_entropy(x: float) -> float:
    if x in (0, 1):
        return 0.0
    return -x * math.log2(x) - (1 - x) * math.log2(1 - x)


def flip_probability(num_states: int | float, epsilon: float) -> float:
    """Probability of answering with a random state (k-randomized response)."""
    n = _as_float(num_states)
    try:
        e = math.exp(epsilon)
    except OverflowError:
        e = math.inf
    return n / (n + e - 1)


def _capacity_qary_symmetric_channel(log2q: float, p: float) -> float:
    try:
        q_minus_1 = 2.0**log2q - 1
    except OverflowError:
        q_minus_1 = math.inf
    return log2q - binary_entropy(p) - p * math.log2(q_minus_1)


def max_information_gain(num_states: int | float, epsilon: float) -> float:
    """Channel capacity (bits) of a source's randomized response."""
    flip = flip_probability(num_states, epsilon)
    if num_states == 1 or flip == 1:
        return 0.0
    n = _as_float(num_states)
    return _capacity_qary_symmetric_channel(math.log2(num_states), flip * (n - 1) / n)


def attribution_scopes_information_gain(num_states: int, limit: int, max_event_states: int) -> float:
    return math.log2(num_states + max_event_states * (limit - 1))


def _bits_to_double(bits: list[int]) -> float:
    exponent = int("".join(map(str, bits[1:12])), 2)
    fraction = int("1" + "".join(map(str, bits[12:64])), 2)
    sign = -1.0 if bits[0] == 1 else 1.0
    power = 2.0 ** (exponent - 1023 - 52) if exponent - 1075 < 1024 else math.inf
    return sign * power * float(fraction)


def epsilon_to_bound_info_gain_and_dp(num_states: int, info_gain_upper: float, epsilon_upper: float) -> float:
    """The largest epsilon (to double precision) within both bounds, found bit by bit."""
    bits = [0] * 64
    for i in range(1, 64):
        bits[i] = 1
        epsilon = _bits_to_double(bits)
        if epsilon > epsilon_upper:
            bits[i] = 0
            continue
        if max_information_gain(num_states, epsilon) > info_gain_upper:
            bits[i] = 0
        elif epsilon == epsilon_upper:
            return epsilon
    return _bits_to_double(bits)


def compute_config_data(
    max_event_level_reports: int,
    configs: Sequence[PerTriggerDataConfig],
    epsilon: float,
    info_gain_max: float,
    attribution_scopes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """States, information gain and flip probability of a source's event-level config."""
    n = num_flexible_states(max_event_level_reports, configs)
    data: dict[str, Any] = {
        "num_states": n,
        "info_gain": max_information_gain(n, epsilon),
        "flip_prob": flip_probability(n, epsilon),
    }
    if attribution_scopes is not None:
        data["attribution_scopes_info_gain"] = attribution_scopes_information_gain(
            n, attribution_scopes["limit"], attribution_scopes["max_event_states"]
        )
    if data["info_gain"] > info_gain_max:
        new_eps = epsilon_to_bound_info_gain_and_dp(n, info_gain_max, epsilon)
        data["excessive"] = {"new_eps": new_eps, "new_flip_prob": flip_probability(n, new_eps)}
    return data
