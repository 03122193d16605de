"""Dashboard JSON, the JSON API, settings pages (validated before saving) and the validator."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from adtech.models import Campaign, ConversionEvent, ReceivedReport

from .test_reports import EVENT_BODY, VERBOSE_BODY, post

pytestmark = pytest.mark.django_db


def _received(client):
    from adtech import services

    for path, body in (("report-event-attribution", EVENT_BODY), ("debug/verbose", VERBOSE_BODY)):
        services.process_report(post(client, path, body).json()["stored"])


def test_dashboard_json_shows_reports_conversions_and_registrations(adtech, demo):
    adtech.get(
        "/register/source?campaign=trail-tents&type=click",
        HTTP_ATTRIBUTION_REPORTING_ELIGIBLE="navigation-source",
    )
    adtech.get("/register/trigger?event=purchase")  # no Eligible header: declined
    _received(adtech)
    data = adtech.get("/api/dashboard").json()
    summary = data["summary"]
    assert summary["reports_by_kind"]["event-level"] == 1
    assert summary["reports_by_kind"]["verbose-debug"] == 1
    assert summary["conversions"] == [
        {"campaign": "trail-tents", "campaign_note": None, "event": "purchase", "event_level_reports": 1}
    ]
    assert summary["registrations"] == {"source:answered": 1, "trigger:declined": 1}
    kinds = [r["kind"] for r in data["reports"]]
    assert kinds == ["verbose-debug", "event-level"]
    verbose = data["reports"][0]["decoded"]["items"][0]
    assert verbose["type"] == "trigger-no-matching-source" and verbose["fix"]
    declined = data["registrations"][0]
    assert declined["status"] == "declined" and declined["eligible_header"] is None
    assert (
        "compatibility" not in declined["reason"]
        and "no Attribution-Reporting-Eligible" in declined["reason"]
    )


def test_dashboard_page_polls_the_json(adtech, demo):
    html = adtech.get("/").content.decode()
    assert "Adtech" in html and "/static/adtech/dashboard.js" in html
    assert adtech.get("/static/adtech/dashboard.js").status_code == 200
    assert "/api/dashboard" in b"".join(adtech.get("/static/adtech/dashboard.js").streaming_content).decode()


def test_clear_data_button(adtech, demo):
    _received(adtech)
    response = adtech.post("/dashboard/clear")
    assert response.status_code == 302
    assert not ReceivedReport.objects.exists()


def test_api_reports_filter_by_type(adtech, demo):
    _received(adtech)
    everything = adtech.get("/api/reports/").json()
    assert {r["type"] for r in everything} == {"event-level", "verbose-debug"}
    only = adtech.get("/api/reports/?type=verbose-debug").json()
    assert [r["type"] for r in only] == ["verbose-debug"]
    assert adtech.get("/api/reports/?type=event").json()[0]["campaign"] == "trail-tents"
    bad = adtech.get("/api/reports/?type=nonsense")
    assert bad.status_code == 400 and "unknown report type" in bad.json()["type"]


def test_api_campaigns(adtech, demo):
    data = adtech.get("/api/campaigns/").json()
    assert [c["slug"] for c in data] == ["trail-tents", "winter-boots"]
    assert data[0]["creatives"] == ["tent-leaderboard"]


def _campaign_form(campaign: Campaign, **changes) -> dict:
    data = {
        "name": campaign.name,
        "product_category": campaign.product_category,
        "landing_sku": campaign.landing_sku,
        "active": "on",
        "priority": campaign.priority,
        "expiry_days": campaign.expiry_days,
        "click_report_windows_days": campaign.click_report_windows_days,
        "click_max_event_level_reports": campaign.click_max_event_level_reports,
        "view_report_window_days": campaign.view_report_window_days,
        "aggregatable_report_window_days": campaign.aggregatable_report_window_days,
        "debug_reporting": "on",
        "debug_key": "",
    }
    data.update(changes)
    return data


def test_campaign_page_shows_validated_headers(adtech, demo):
    html = adtech.get("/campaigns/trail-tents/").content.decode()
    assert html.count('badge ok">valid') == 2
    assert "&quot;source_event_id&quot;" in html
    assert "bits about the person" in html


def test_campaign_settings_saved_only_when_headers_are_valid(adtech, demo):
    campaign = Campaign.objects.get(slug="trail-tents")
    bad = _campaign_form(campaign, expiry_days=5, save="1")  # windows 7 and 30 days exceed the expiry
    response = adtech.post("/campaigns/trail-tents/", bad)
    assert response.status_code == 200
    assert "Not saved" in response.content.decode()
    assert "event_report_windows" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.expiry_days == 30

    preview = adtech.post("/campaigns/trail-tents/", _campaign_form(campaign, priority=9, preview="1"))
    assert preview.status_code == 200 and "&quot;priority&quot;: &quot;9&quot;" in preview.content.decode()
    campaign.refresh_from_db()
    assert campaign.priority == 0  # a preview saves nothing

    good = adtech.post("/campaigns/trail-tents/", _campaign_form(campaign, priority=9, save="1"))
    assert good.status_code == 302
    campaign.refresh_from_db()
    assert campaign.priority == 9
    response = adtech.get(
        "/register/source?campaign=trail-tents&type=click",
        HTTP_ATTRIBUTION_REPORTING_ELIGIBLE="navigation-source",
    )
    assert json.loads(response["Attribution-Reporting-Register-Source"])["priority"] == "9"


def test_campaign_form_rejects_bad_windows_text(adtech, demo):
    campaign = Campaign.objects.get(slug="trail-tents")
    response = adtech.post(
        "/campaigns/trail-tents/", _campaign_form(campaign, click_report_windows_days="2,x")
    )
    assert "not a whole number of days" in response.content.decode()


def _conversions_form(**agg) -> dict:
    data = {
        "ev-TOTAL_FORMS": "4",
        "ev-INITIAL_FORMS": "4",
        "ev-MIN_NUM_FORMS": "0",
        "ev-MAX_NUM_FORMS": "1000",
    }
    for i, event in enumerate(ConversionEvent.objects.all()):
        data.update(
            {
                f"ev-{i}-id": event.pk,
                f"ev-{i}-enabled": "on",
                f"ev-{i}-trigger_data_click": event.trigger_data_click,
                f"ev-{i}-trigger_data_view": event.trigger_data_view,
                f"ev-{i}-priority": event.priority,
                f"ev-{i}-aggregatable": "on",
            }
        )
    values = {
        "agg-source_dimensions": ["campaign", "geo"],
        "agg-trigger_dimensions": ["product_category", "event"],
        "agg-count_budget_share": "0.25",
        "agg-expected_conversions": "2",
        "agg-max_purchase_minor": "50000",
        "agg-trigger_debug_reporting": "on",
        "agg-trigger_debug_key": "",
        "save": "1",
    }
    values.update(agg)
    data.update(values)
    return data


def test_conversion_settings_page_and_key_scheme(adtech, demo):
    html = adtech.get("/conversions/").content.decode()
    assert html.count('badge ok">valid') == 4
    assert "65536" in html
    clash = adtech.post(
        "/conversions/",
        _conversions_form(
            **{"agg-source_dimensions": ["campaign", "geo"], "agg-trigger_dimensions": ["geo"]}
        ),
    )
    assert "is on both sides" in clash.content.decode()
    ok = adtech.post(
        "/conversions/", _conversions_form(**{"agg-source_dimensions": ["campaign", "creative"]})
    )
    assert ok.status_code == 302
    from adtech.keyscheme import current_scheme, output_domain

    assert current_scheme().source_dimensions == ("campaign", "creative")
    assert any("tent-leaderboard" in label for label in output_domain().values())


def test_validator_page_shows_errors_with_paths_and_round_trips_by_url(adtech):
    value = json.dumps({"destination": "http://shop.localhost", "aggregation_keys": {"a": "zz"}})
    url = "/tools/validate?" + urlencode({"header": "source", "source_type": "event", "value": value})
    html = adtech.get(url).content.decode()
    assert "aggregation_keys › a" in html
    assert "invalid" in html
    share = html.split('id="share-link">')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    again = adtech.get(share.split("8000", 1)[1]).content.decode()
    assert "aggregation_keys › a" in again
    assert "value=" in share and "source_type=event" in share


def test_validator_page_privacy_figures_for_a_valid_source(adtech):
    value = json.dumps({"destination": "http://shop.localhost"})
    html = adtech.get("/tools/validate?" + urlencode({"header": "source", "value": value})).content.decode()
    assert "Normalized value" in html and "2925" in html and "11.46" in html
    assert "Chrome allows 11.5 bits" in html


def test_validate_api_get_and_post(adtech):
    body = {"header": "trigger", "value": json.dumps({"aggregatable_values": {"count": 70000}})}
    posted = adtech.post("/api/validate", body, content_type="application/json").json()
    assert posted["valid"] is False
    assert posted["errors"][0]["path"] == ["aggregatable_values", "count"]
    assert posted["errors"][0]["where"] == "aggregatable_values › count"
    got = adtech.get(
        "/api/validate?" + urlencode({"header": "source", "value": '{"destination":"https://a.test"}'})
    )
    data = got.json()
    assert data["valid"] and data["value"]["expiry"] == 2592000 and data["privacy"]["trigger_states"] == 2925
    assert set(data) >= {"valid", "errors", "warnings", "value", "privacy"}


@pytest.mark.parametrize(
    "params,message",
    [
        ({"header": "cookie", "value": "x"}, "header must be one of"),
        ({"header": "source", "source_type": "banner", "value": "{}"}, "source_type"),
        ({"header": "source"}, "value"),
    ],
)
def test_validate_api_bad_requests(adtech, params, message):
    response = adtech.get("/api/validate?" + urlencode(params))
    assert response.status_code == 400 and message in response.json()["error"]


def test_validator_handles_non_json_and_huge_values(adtech):
    data = adtech.get("/api/validate?" + urlencode({"header": "source", "value": "{oops"})).json()
    assert not data["valid"] and data["errors"][0]["where"] == "(header)"
    huge = adtech.post(
        "/api/validate", {"header": "source", "value": "x" * 70000}, content_type="application/json"
    )
    assert huge.status_code == 400


@pytest.mark.parametrize("header", ["eligible", "info", "support", "os-source", "os-trigger"])
def test_validator_accepts_every_header_kind(adtech, header):
    data = adtech.get(
        "/api/validate?" + urlencode({"header": header, "value": "navigation-source, trigger"})
    ).json()
    assert data["header"] == header and data["privacy"] is None
    assert isinstance(data["errors"], list) and isinstance(data["warnings"], list)


def test_validator_flags_mutually_exclusive_eligibility(adtech):
    data = adtech.get(
        "/api/validate?" + urlencode({"header": "eligible", "value": "navigation-source, trigger"})
    ).json()
    assert not data["valid"] and data["errors"][0]["msg"]


def test_privacy_explanation_warns_when_reports_are_mostly_noise(adtech):
    value = json.dumps(
        {"destination": "https://a.test", "trigger_data": list(range(8)), "max_event_level_reports": 20}
    )
    data = adtech.get(
        "/api/validate?" + urlencode({"header": "source", "source_type": "event", "value": value})
    ).json()
    assert data["valid"] and data["privacy"]["randomized_trigger_rate"] > 0.5
    assert "mostly noise" in data["privacy"]["explanation"]
