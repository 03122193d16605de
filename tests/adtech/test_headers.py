"""Header building from campaign settings, checked by the library's validator."""

from __future__ import annotations

import json

import pytest

from adtech import headers, keyscheme
from adtech.headers import ValueScaling, source_header, trigger_header
from adtech.keyscheme import KeyScheme
from adtech.models import Campaign, ConversionEvent
from attribution_reporting.validate import validate

pytestmark = pytest.mark.django_db


def _campaign(**overrides) -> Campaign:
    fields = dict(
        slug="trail-tents",
        name="Trail tents",
        code=1,
        product_category="tents",
        landing_sku="tent-2p",
        priority=5,
        expiry_days=30,
        click_report_windows_days="2,7,30",
        view_report_window_days=10,
        click_max_event_level_reports=3,
        aggregatable_report_window_days=30,
        debug_reporting=True,
        debug_key="77",
    )
    fields.update(overrides)
    return Campaign(**fields)


def _source(campaign: Campaign, source_type: str) -> dict:
    return source_header(
        campaign,
        creative_code=3,
        source_type=source_type,
        destination="http://shop.localhost",
        serial=42,
        scheme=KeyScheme(),
        geo="GB",
    )


@pytest.mark.parametrize("source_type", ["navigation", "event"])
def test_source_header_from_campaign_settings_is_valid(source_type):
    header = _source(_campaign(), source_type)
    result = validate("source", json.dumps(header), source_type=source_type)
    assert result.errors == []
    value = result.value
    assert value["source_event_id"] == "1003000042"
    assert value["priority"] == "5"
    assert value["filter_data"]["product_category"] == ["tents"]
    assert value["debug_reporting"] is True
    if source_type == "navigation":
        assert value["event_report_windows"]["end_times"] == [172800, 604800, 2592000]
        assert value["max_event_level_reports"] == 3
    else:
        assert value["event_report_windows"]["end_times"] == [864000]
        assert value["max_event_level_reports"] == 1


def test_window_longer_than_expiry_is_caught_by_the_library():
    header = _source(_campaign(expiry_days=5, click_report_windows_days="2,7,30"), "navigation")
    result = validate("source", json.dumps(header), source_type="navigation")
    assert result.errors, "windows clamped to expiry stop increasing: the browser rejects this header"
    assert any(e.path and e.path[0] == "event_report_windows" for e in result.errors)


def test_source_key_pieces_follow_the_scheme():
    header = _source(_campaign(), "navigation")
    count = int(header["aggregation_keys"]["count"], 16)
    parts = keyscheme.decode_bucket(count)
    assert parts["measure"] == 1 and parts["campaign"] == 1
    assert parts["geo"] == keyscheme.GEOS.index("GB") + 1
    assert parts["event"] == 0 and parts["product_category"] == 0  # trigger side by default
    value = keyscheme.decode_bucket(int(header["aggregation_keys"]["value"], 16))
    assert value["measure"] == 2


def _event(**overrides) -> ConversionEvent:
    fields = dict(
        event="purchase",
        trigger_data_click=3,
        trigger_data_view=1,
        priority=100,
        deduplicate_by_order=True,
        filter_by_category=True,
        aggregatable=True,
    )
    fields.update(overrides)
    return ConversionEvent(**fields)


def test_trigger_header_for_a_purchase_is_valid_and_complete():
    header = trigger_header(
        _event(),
        scheme=KeyScheme(),
        scaling=ValueScaling(0.25, 2, 50000),
        value_minor=24900,
        order="A1001",
        category="tents",
        debug_reporting=True,
        debug_key="88",
    )
    result = validate("trigger", json.dumps(header))
    assert result.errors == []
    nav, ev = header["event_trigger_data"]
    assert (nav["trigger_data"], nav["filters"]) == ("3", {"source_type": ["navigation"]})
    assert (ev["trigger_data"], ev["filters"]) == ("1", {"source_type": ["event"]})
    assert nav["deduplication_key"] == ev["deduplication_key"] == headers.dedup_key("A1001")
    assert header["filters"] == {"product_category": ["tents"]}
    assert header["aggregatable_values"] == {"count": 8192, "value": round(24900 * 24576 / 50000)}
    piece = keyscheme.decode_bucket(int(header["aggregatable_trigger_data"][0]["key_piece"], 16))
    assert piece["event"] == keyscheme.EVENTS.index("purchase") + 1
    assert piece["product_category"] == keyscheme.CATEGORIES.index("tents") + 1
    assert piece["campaign"] == 0
    assert header["aggregatable_deduplication_keys"] == [{"deduplication_key": headers.dedup_key("A1001")}]


def test_trigger_without_value_or_order_sends_only_a_count():
    header = trigger_header(
        _event(event="product-view", deduplicate_by_order=False, filter_by_category=False),
        scheme=KeyScheme(),
        scaling=ValueScaling(),
    )
    assert validate("trigger", json.dumps(header)).errors == []
    assert set(header["aggregatable_values"]) == {"count"}
    assert "filters" not in header and "aggregatable_deduplication_keys" not in header


def test_value_scaling_caps_at_the_per_purchase_budget():
    scaling = ValueScaling(count_budget_share=0.5, expected_conversions=1, max_purchase_minor=10000)
    assert scaling.count_value == 32768
    assert scaling.value_budget == 32768
    assert scaling.scaled_value(5000) == 16384
    assert scaling.scaled_value(10**9) == 32768  # capped
    assert scaling.scaled_value(1) == 3
    assert scaling.scaled_value(0) == 0


def test_dedup_key_and_source_event_id_round_trip():
    assert headers.dedup_key("123") == "123"
    hashed = headers.dedup_key("A1001")
    assert hashed.isdigit() and int(hashed) < 2**64 and hashed == headers.dedup_key(" A1001 ")
    sid = headers.encode_source_event_id(2, 7, 1234567)
    assert headers.decode_source_event_id(sid) == (2, 7, 234567)
    assert headers.decode_source_event_id("12") is None
    assert headers.decode_source_event_id("not a number") is None


def test_key_scheme_problems_are_explained():
    assert KeyScheme().problems() == []
    problems = KeyScheme(("campaign", "event"), ("geo", "campaign")).problems()
    assert any("'event' cannot go in the source" in p for p in problems)
    assert any("'campaign' cannot go in the trigger" in p for p in problems)
    assert any("both sides" in p for p in KeyScheme(("geo",), ("geo",)).problems())


def test_output_domain_covers_every_bucket_the_headers_produce(demo):
    domain = keyscheme.output_domain()
    scheme = keyscheme.current_scheme()
    for campaign in Campaign.objects.all():
        source = source_header(
            campaign,
            creative_code=campaign.creatives.first().code,
            source_type="navigation",
            destination="http://shop.localhost",
            serial=1,
            scheme=scheme,
            geo="DE",
        )
        for event in ConversionEvent.objects.filter(aggregatable=True):
            trigger = trigger_header(
                event, scheme=scheme, scaling=ValueScaling(), value_minor=1000, category="boots"
            )
            piece = int(trigger["aggregatable_trigger_data"][0]["key_piece"], 16)
            for key_id in trigger["aggregatable_values"]:
                bucket = int(source["aggregation_keys"][key_id], 16) | piece
                assert bucket in domain, f"{key_id} of {event.event} for {campaign.slug} missing"
                assert campaign.slug in domain[bucket] and event.event in domain[bucket]
    assert domain[next(iter(domain))].count(" · ") >= 3
    # purchase value only exists for purchases
    assert not any("product-view" in label and "purchase value" in label for label in domain.values())
