"""The ad tech's aggregation key scheme: which dimension sits in which bits of the 128-bit key.

A source registers key pieces (here ``count`` and ``value``), a trigger registers its own
pieces, and the browser ORs them into the final bucket. So every dimension has its own
byte in the key, and each dimension is written by exactly one side: the source side knows
the campaign and the ad, the trigger side knows what was bought. Geo and product category
can come from either side; the settings choose.

Layout (bit offsets of each one-byte field, most significant first)::

    measure 120 · campaign 112 · creative 104 · geo 96 · product_category 88 · event 80

``measure`` (1 = conversion count, 2 = purchase value) is fixed by the source key id.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MEASURES = {"count": 1, "value": 2}
GEOS = ("US", "CA", "GB", "DE", "FR", "other")
CATEGORIES = ("tents", "boots", "packs", "other")
EVENTS = ("product-view", "add-to-cart", "purchase", "newsletter-signup")
VALUED_EVENTS = ("purchase",)  # events whose value is measured (the ``value`` key)

OFFSETS = {
    "measure": 120,
    "campaign": 112,
    "creative": 104,
    "geo": 96,
    "product_category": 88,
    "event": 80,
}
SOURCE_SIDE = ("campaign", "creative", "geo", "product_category")
TRIGGER_SIDE = ("geo", "product_category", "event")
DIMENSION_HELP = {
    "campaign": "which campaign showed the ad (known only when the ad is shown)",
    "creative": "which ad of the campaign (known only when the ad is shown)",
    "geo": "country of the person (known on both sides; pick one)",
    "product_category": "the campaign's category on the source side, or the bought product's on the trigger side",
    "event": "what the person did on the shop (known only at conversion)",
}
DEFAULT_SOURCE_DIMENSIONS = ("campaign", "geo")
DEFAULT_TRIGGER_DIMENSIONS = ("product_category", "event")


@dataclass(frozen=True)
class KeyScheme:
    source_dimensions: tuple[str, ...] = DEFAULT_SOURCE_DIMENSIONS
    trigger_dimensions: tuple[str, ...] = DEFAULT_TRIGGER_DIMENSIONS

    def problems(self) -> list[str]:
        """Why this scheme cannot work, in words (empty when it can)."""
        out = []
        for d in self.source_dimensions:
            if d not in SOURCE_SIDE:
                out.append(f"{d!r} cannot go in the source key pieces: {DIMENSION_HELP.get(d, 'unknown')}")
        for d in self.trigger_dimensions:
            if d not in TRIGGER_SIDE:
                out.append(f"{d!r} cannot go in the trigger key pieces: {DIMENSION_HELP.get(d, 'unknown')}")
        for d in set(self.source_dimensions) & set(self.trigger_dimensions):
            out.append(f"{d!r} is on both sides: the browser ORs the pieces, so the byte would be garbled")
        return out


def code_of(dimension: str, value: str | int | None) -> int:
    """The byte written for a dimension value; 0 means 'not set'."""
    if dimension in ("campaign", "creative"):
        return int(value or 0) & 0xFF
    if value is None or value == "":
        value = "other"  # unknown geo or category still lands in a bucket of the output domain
    table = {"geo": GEOS, "product_category": CATEGORIES, "event": EVENTS, "measure": tuple(MEASURES)}[
        dimension
    ]
    value = str(value)
    if value in table:
        return table.index(value) + 1
    if "other" in table:
        return table.index("other") + 1
    return 0


def key_piece(dimensions: Iterable[str], values: dict[str, str | int | None]) -> int:
    """OR of each listed dimension's byte at its offset."""
    piece = 0
    for d in dimensions:
        piece |= code_of(d, values.get(d)) << OFFSETS[d]
    return piece


def hex128(n: int) -> str:
    return f"0x{n:x}"


def source_key_pieces(scheme: KeyScheme, values: dict[str, str | int | None]) -> dict[str, str]:
    """``aggregation_keys`` of a source: one key per measure, same dimensions."""
    base = key_piece(scheme.source_dimensions, values)
    return {m: hex128(base | code << OFFSETS["measure"]) for m, code in MEASURES.items()}


def trigger_key_piece(scheme: KeyScheme, values: dict[str, str | int | None]) -> str:
    return hex128(key_piece(scheme.trigger_dimensions, values))


def decode_bucket(bucket: int) -> dict[str, int]:
    """Each dimension's byte of a bucket (0 = not set)."""
    return {d: (bucket >> off) & 0xFF for d, off in OFFSETS.items()}


def _name(dimension: str, code: int, campaigns: dict[int, str], creatives: dict[int, str]) -> str:
    if code == 0:
        return "?"
    if dimension == "campaign":
        return campaigns.get(code, f"campaign {code}")
    if dimension == "creative":
        return creatives.get(code, f"creative {code}")
    table = {"geo": GEOS, "product_category": CATEGORIES, "event": EVENTS, "measure": tuple(MEASURES)}[
        dimension
    ]
    return table[code - 1] if code <= len(table) else f"{dimension} {code}"


def label(
    bucket: int, campaigns: dict[int, str] | None = None, creatives: dict[int, str] | None = None
) -> str:
    """A bucket in words, e.g. ``trail-tents · US · tents · purchase · count``."""
    parts = decode_bucket(bucket)
    words = [
        _name(d, parts[d], campaigns or {}, creatives or {}) for d in OFFSETS if d != "measure" and parts[d]
    ]
    measure = _name("measure", parts["measure"], {}, {})
    return " · ".join([*words, "purchase value" if measure == "value" else "conversion count"])


def domain(
    scheme: KeyScheme,
    campaigns: dict[int, str],
    creatives: dict[int, str],
    events: Sequence[str] = EVENTS,
    valued_events: Sequence[str] = VALUED_EVENTS,
) -> dict[int, str]:
    """Every bucket the scheme can produce for these campaigns and events, with its label."""
    choices: dict[str, list[int]] = {
        "campaign": sorted(campaigns),
        "creative": sorted(creatives),
        "geo": [code_of("geo", g) for g in GEOS],
        "product_category": [code_of("product_category", c) for c in CATEGORIES],
        "event": [code_of("event", e) for e in events],
    }
    dims = [*scheme.source_dimensions, *scheme.trigger_dimensions]
    out: dict[int, str] = {}
    for combo in itertools.product(*(choices[d] for d in dims)):
        base = 0
        for d, code in zip(dims, combo, strict=True):
            base |= code << OFFSETS[d]
        event_code = (base >> OFFSETS["event"]) & 0xFF
        for measure, mcode in MEASURES.items():
            if measure == "value" and "event" in dims and EVENTS[event_code - 1] not in valued_events:
                continue
            bucket = base | mcode << OFFSETS["measure"]
            out[bucket] = label(bucket, campaigns, creatives)
    return out


def current_scheme() -> KeyScheme:
    """The scheme in the ad tech's settings (defaults when none are saved)."""
    from .models import AggregationSettings

    row = AggregationSettings.objects.first()
    if row is None:
        return KeyScheme()
    return KeyScheme(tuple(row.source_dimensions or ()), tuple(row.trigger_dimensions or ()))


def campaign_names() -> tuple[dict[int, str], dict[int, str]]:
    from .models import Campaign, Creative

    campaigns = {c.code: c.slug for c in Campaign.objects.filter(active=True)}
    creatives = {
        c.code: c.slug for c in Creative.objects.filter(active=True, campaign__active=True).order_by("code")
    }
    return campaigns, creatives


def output_domain() -> dict[int, str]:
    """Every bucket the active campaigns' key scheme can produce → a human label.

    This is the output domain the aggregation service needs: buckets not listed here are
    dropped from summary reports, and listed ones always get noise, even when empty.
    """
    from .models import ConversionEvent

    campaigns, creatives = campaign_names()
    enabled = list(
        ConversionEvent.objects.filter(enabled=True, aggregatable=True).values_list("event", flat=True)
    )
    events = [e for e in EVENTS if e in enabled] or list(EVENTS)
    return domain(current_scheme(), campaigns, creatives, events)
