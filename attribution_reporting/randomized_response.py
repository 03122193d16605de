"""Randomized response for event-level reports (spec "obtain a randomized source response").

A source's possible event-level outputs are all multisets of at most ``n`` reports drawn
from its trigger states (trigger data x report window). With probability ``pick_rate`` the
browser replaces the truth with one of those outputs chosen uniformly; the output is found by
unranking a uniform index (stars and bars), so no list of outputs is ever built.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from . import privacy


@dataclass(frozen=True)
class FakeReport:
    """One report of a randomized response: which trigger data, in which window."""

    trigger_data: int
    report_window_index: int


# The privacy math is :mod:`privacy`'s (which the header validator uses too); these name it in
# the engine's terms: a source's trigger data, windows and maximum number of reports.


def num_states(num_trigger_data: int, num_windows: int, max_reports: int) -> int:
    """Number of possible outputs k = C(|trigger states| + n, n)."""
    return privacy.num_states(max_reports, num_trigger_data, num_windows)


def pick_rate(states: int, epsilon: float) -> float:
    """Probability of answering with a random output: k / (k - 1 + e^epsilon)."""
    return privacy.flip_probability(states, epsilon)


def channel_capacity(states: int, epsilon: float) -> float:
    """Information gain of the q-ary symmetric channel the randomized response forms."""
    return privacy.max_information_gain(states, epsilon)


def scopes_channel_capacity(states: int, max_event_states: int, limit: int) -> float:
    """Attribution-scopes capacity: log2(states + max_event_states * (limit - 1))."""
    return privacy.attribution_scopes_information_gain(states, limit, max_event_states)


def _k_combination(index: int, k: int) -> list[int]:
    """The ``index``-th k-combination in the combinatorial number system (descending)."""
    out: list[int] = []
    for i in range(k, 0, -1):
        # Largest c with C(c, i) <= index.
        low, high = i - 1, i - 1
        while math.comb(high, i) <= index:
            high = high * 2 + 1
        while low < high:
            mid = (low + high + 1) // 2
            if math.comb(mid, i) <= index:
                low = mid
            else:
                high = mid - 1
        out.append(low)
        index -= math.comb(low, i)
    return out


def output_at_index(
    index: int, trigger_data: list[int], num_windows: int, max_reports: int
) -> list[FakeReport]:
    """Unranks output ``index`` (0 <= index < k) into its fake reports.

    The output is a sequence of ``max_reports`` stars among ``states`` bars; a star preceded
    by ``b > 0`` bars is a report for trigger state ``b - 1``, a star preceded by no bar is
    "no report".
    """
    states = len(trigger_data) * num_windows
    stars = _k_combination(index, max_reports)
    reports = []
    for position_from_top, star in enumerate(stars):
        bars_before = star - (max_reports - 1 - position_from_top)
        if bars_before <= 0:
            continue
        state = bars_before - 1
        if state >= states:
            raise ValueError("output index out of range")
        reports.append(FakeReport(trigger_data[state % len(trigger_data)], state // len(trigger_data)))
    return reports


def randomized_response(
    trigger_data: list[int], num_windows: int, max_reports: int, epsilon: float, rng: Any
) -> list[FakeReport] | None:
    """Draws the source's response: None (truthful) or a uniformly random output."""
    states = num_states(len(trigger_data), num_windows, max_reports)
    if rng.random() >= pick_rate(states, epsilon):
        return None
    return output_at_index(rng.randrange(states), trigger_data, num_windows, max_reports)
