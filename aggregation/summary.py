"""From exact sums to a summary report: domain buckets, noise, and the debug summary.

Only buckets of the output domain are reported, each with its own noise, zero or not: the
ad tech learns nothing from which buckets appear. Buckets that occur only in reports are
dropped, except from a debug run's debug summary.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from aggregation_api.noise import DEFAULT_EPSILON, DEFAULT_L1_SENSITIVITY

from . import noise


@dataclass(frozen=True)
class NoiseSpec:
    epsilon: float = DEFAULT_EPSILON
    l1_sensitivity: float = DEFAULT_L1_SENSITIVITY
    enabled: bool = True


def summarize(
    sums: Mapping[int, int], domain: Iterable[int], noise_spec: NoiseSpec, rng: noise.Rng
) -> list[tuple[int, int, int]]:
    """(bucket, unnoised, noise) for every domain bucket, zero or not; report-only buckets dropped."""
    out = []
    for bucket in domain:
        value = sums.get(bucket, 0)
        n = (
            noise.discrete_laplace(rng, noise_spec.epsilon, noise_spec.l1_sensitivity)
            if noise_spec.enabled
            else 0
        )
        out.append((bucket, value, n))
    return out


def debug_facts(
    summary: list[tuple[int, int, int]], sums: Mapping[int, int]
) -> list[tuple[int, int, int, list[str]]]:
    """The debug summary: domain buckets (noised) plus report-only buckets (unnoised, noise 0)."""
    facts = []
    in_domain = set()
    for bucket, value, n in summary:
        in_domain.add(bucket)
        tags = ["in_domain", "in_reports"] if bucket in sums else ["in_domain"]
        facts.append((bucket, value, n, tags))
    for bucket in sorted(set(sums) - in_domain):
        facts.append((bucket, sums[bucket], 0, ["in_reports"]))
    return facts
