"""The demo campaigns, ads and conversion events (idempotent: get-or-create by slug)."""

from __future__ import annotations

from .keyscheme import DEFAULT_SOURCE_DIMENSIONS, DEFAULT_TRIGGER_DIMENSIONS
from .models import AggregationSettings, Campaign, ConversionEvent, Creative

CAMPAIGNS = [
    {
        "slug": "trail-tents",
        "name": "Trail tents",
        "code": 1,
        "product_category": "tents",
        "landing_sku": "tent-2p",
        # Debug keys on both sides make the browser send debug copies at once (when it allows
        # cookie-based debugging): the workshop sees reports without waiting for windows.
        "debug_key": "1001",
        "creatives": [
            {
                "slug": "tent-leaderboard",
                "code": 1,
                "format": "leaderboard",
                "headline": "Sleep under the stars: Ridgeline 2-Person Tent",
                "body": "Three-season, 1.9 kg, pitches in five minutes. From $249.",
            }
        ],
    },
    {
        "slug": "winter-boots",
        "name": "Winter boots",
        "code": 2,
        "product_category": "boots",
        "landing_sku": "boots-alpine",
        "debug_key": "1002",
        "creatives": [
            {
                "slug": "boots-square",
                "code": 2,
                "format": "square",
                "headline": "Alpine Mid GTX: dry feet all winter",
                "body": "Waterproof hiking boots, $189.",
            }
        ],
    },
]

TRIGGER_DEBUG_KEY = "2001"

# event: (trigger data for clicks 0..7, for views 0..1, priority, dedup by order, filter by category)
# Every product event filters on the category, so a boots page view is never credited to a tent ad;
# the newsletter is about no product and matches any source.
EVENTS = {
    "product-view": (1, 0, 0, False, True),
    "add-to-cart": (2, 0, 10, False, True),
    "purchase": (3, 1, 100, True, True),
    "newsletter-signup": (4, 0, 5, False, False),
}


TRIGGER_DEBUG_KEY = "9001"


def load(stdout=None) -> str:
    created = 0
    for spec in CAMPAIGNS:
        spec = dict(spec)
        creatives = spec.pop("creatives")
        campaign, new = Campaign.objects.get_or_create(slug=spec["slug"], defaults=spec)
        created += new
        for creative in creatives:
            _, new = Creative.objects.get_or_create(
                slug=creative["slug"], defaults={**creative, "campaign": campaign}
            )
            created += new
    for position, (event, (click, view, priority, dedup, by_category)) in enumerate(EVENTS.items()):
        _, new = ConversionEvent.objects.get_or_create(
            event=event,
            defaults={
                "trigger_data_click": click,
                "trigger_data_view": view,
                "priority": priority,
                "deduplicate_by_order": dedup,
                "filter_by_category": by_category,
                "position": position,
            },
        )
        created += new
    # What the workshop's lessons rely on is brought back on an older database too: the product
    # events' category filters (boots are not credited to a tent ad) and the trigger debug key
    # (exact sums beside the noised ones).
    ConversionEvent.objects.filter(
        event__in=[e for e, spec in EVENTS.items() if spec[4]], filter_by_category=False
    ).update(filter_by_category=True)
    AggregationSettings.objects.filter(trigger_debug_key="").update(trigger_debug_key=TRIGGER_DEBUG_KEY)
    if not AggregationSettings.objects.exists():
        AggregationSettings.objects.create(
            source_dimensions=list(DEFAULT_SOURCE_DIMENSIONS),
            trigger_dimensions=list(DEFAULT_TRIGGER_DIMENSIONS),
            # The trigger side's debug key: with the campaigns' source debug keys, Chrome (and the
            # simulated browser) put debug keys and the debug cleartext in attribution reports, so
            # the summary page can show the exact sums beside the noised ones. Without it Chrome
            # sends neither.
            trigger_debug_key=TRIGGER_DEBUG_KEY,
        )
        created += 1
    return f"{Campaign.objects.count()} campaigns, {ConversionEvent.objects.count()} conversion events ({created} new rows)"
