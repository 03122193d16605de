"""Trailhead Outfitters' catalogue: fixed SKUs that the ad tech's campaigns and filters name."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price_cents: int
    category: str
    blurb: str
    details: tuple[str, ...]

    @property
    def price(self) -> str:
        return f"${self.price_cents / 100:,.2f}".replace(".00", "")


PRODUCTS: tuple[Product, ...] = (
    Product(
        "tent-2p",
        "Ridgeline 2-Person Tent",
        24900,
        "tents",
        "A freestanding three-season tent that pitches in four minutes and packs to the size of a loaf.",
        ("Sleeps 2", "1.9 kg trail weight", "Two doors, two vestibules", "3,000 mm waterproof fly"),
    ),
    Product(
        "tent-4p",
        "Basecamp 4-Person Tent",
        42900,
        "tents",
        "Room for four and their boots: a tall dome for family trips and long storms.",
        ("Sleeps 4", "4.6 kg", "Stand-up height 1.8 m", "Color-coded poles"),
    ),
    Product(
        "boots-alpine",
        "Alpine Mid GTX Boots",
        18900,
        "boots",
        "Waterproof mid-height boots with a gusseted tongue and a sole that grips wet rock.",
        ("Waterproof membrane", "Vibram sole", "Ankle support", "No break-in period"),
    ),
    Product(
        "boots-trail",
        "Trail Runner Low",
        12900,
        "boots",
        "Light, quick-drying trail shoes for long days on good paths.",
        ("310 g per shoe", "Rock plate", "Quick laces", "Breathable mesh"),
    ),
    Product(
        "pack-35",
        "Summit 35L Pack",
        14900,
        "packs",
        "A 35-litre pack for overnight trips, with a ventilated back and a hip belt that carries the load.",
        ("35 litres", "1.1 kg", "Rain cover included", "Hydration sleeve"),
    ),
)

BY_SKU: dict[str, Product] = {p.sku: p for p in PRODUCTS}
CATEGORIES: tuple[str, ...] = ("tents", "boots", "packs")
