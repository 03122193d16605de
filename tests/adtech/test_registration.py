"""Registration endpoints: Eligible handling, the redirect chain, response types, the log."""

from __future__ import annotations

import json

import pytest

from adtech.eligibility import parse_eligible
from adtech.models import Registration

from .conftest import PARTNER

pytestmark = pytest.mark.django_db

SOURCE = "Attribution-Reporting-Register-Source"
TRIGGER = "Attribution-Reporting-Register-Trigger"
CLICK = "/register/source?campaign=trail-tents&creative=tent-leaderboard&type=click"
VIEW = "/register/source?campaign=winter-boots&creative=boots-square&type=view"
PURCHASE = "/register/trigger?event=purchase&value=24900&currency=USD&order=A1001&product=tent-2p"


@pytest.mark.parametrize(
    "raw,keys",
    [
        ("navigation-source", {"navigation-source"}),
        ("event-source, trigger", {"event-source", "trigger"}),
        ("not-event-source, trigger=event-source;navigation-source=3", {"trigger"}),
        ('trigger;x=1, grease-key=?0, event-source="v"', {"trigger", "event-source"}),
        ("", set()),
    ],
)
def test_eligible_keys_ignore_grease(raw, keys):
    assert parse_eligible(raw).keys == keys


@pytest.mark.parametrize("raw", ["$$garbage(", "trigger,,", '"quoted"'])
def test_garbage_eligible_allows_nothing(raw):
    parsed = parse_eligible(raw)
    assert parsed.error and not parsed.keys
    assert "not a structured-field dictionary" in parsed.describe()


# (url, Eligible header or None, header expected in the answer or None)
CASES = [
    (CLICK, "navigation-source", SOURCE),
    (CLICK, "event-source", None),  # a click needs navigation-source
    (CLICK, "event-source, trigger", None),
    (CLICK, None, None),
    (CLICK, "not-navigation-source", None),  # greased key, not the real one
    (VIEW, "event-source, trigger", SOURCE),
    (VIEW, "event-source", SOURCE),
    (VIEW, "navigation-source", None),
    (VIEW, "trigger", None),
    (VIEW, "", None),
    (PURCHASE, "trigger", TRIGGER),
    (PURCHASE, "event-source, trigger", TRIGGER),
    (PURCHASE, "not-event-source, trigger=?0;navigation-source", TRIGGER),
    (PURCHASE, "event-source", None),
    (PURCHASE, None, None),  # no compatibility waiver
    (PURCHASE, "navigation-source, trigger", None),  # mutually exclusive: not a real browser
    (PURCHASE, "$$garbage(", None),
]


@pytest.mark.parametrize("url,eligible,expected", CASES)
def test_each_eligibility_gets_the_right_header(adtech, demo, url, eligible, expected):
    extra = {} if eligible is None else {"HTTP_ATTRIBUTION_REPORTING_ELIGIBLE": eligible}
    response = adtech.get(url, **extra)
    assert response.status_code in (200, 204)
    assert response["Cache-Control"] == "no-store"
    sent = {h for h in (SOURCE, TRIGGER) if response.has_header(h)}
    assert sent == ({expected} if expected else set())
    reg = Registration.objects.get()
    assert reg.status == ("answered" if expected else "declined")
    assert reg.eligible_present == (eligible is not None)
    if expected:
        assert json.loads(response[expected]) == json.loads(reg.header_value)
        assert reg.answered_header == expected
    else:
        assert reg.header_value == "" and reg.reason


def test_source_header_names_campaign_and_creative(adtech, demo):
    response = adtech.get(
        CLICK, HTTP_ATTRIBUTION_REPORTING_ELIGIBLE="navigation-source", HTTP_ACCEPT_LANGUAGE="en-GB"
    )
    header = json.loads(response[SOURCE])
    reg = Registration.objects.get()
    assert header["source_event_id"] == f"1001{reg.pk:06d}"
    assert header["destination"] == "http://shop.localhost"
    assert reg.campaign.slug == "trail-tents"
    assert reg.reporting_origin == "http://adtech.localhost:8000"


def test_redirect_chain_to_the_partner_origin(adtech, demo):
    first = adtech.get(CLICK + "&chain=partner", HTTP_ATTRIBUTION_REPORTING_ELIGIBLE="navigation-source")
    assert first.status_code == 302
    assert first.has_header(SOURCE)
    location = first["Location"]
    assert location.startswith("http://measure.localhost:8000/register/source?")
    assert "chain" not in location
    second = adtech.get(
        location.split("8000", 1)[1],
        HTTP_HOST=PARTNER,
        HTTP_ATTRIBUTION_REPORTING_ELIGIBLE="navigation-source",
    )
    assert second.status_code == 204
    assert second.has_header(SOURCE)
    origins = list(Registration.objects.order_by("pk").values_list("reporting_origin", flat=True))
    assert origins == ["http://adtech.localhost:8000", "http://measure.localhost:8000"]
    assert json.loads(first[SOURCE])["source_event_id"] != json.loads(second[SOURCE])["source_event_id"]


def test_partner_origin_does_not_redirect_again(adtech, demo):
    response = adtech.get(
        CLICK + "&chain=partner", HTTP_HOST=PARTNER, HTTP_ATTRIBUTION_REPORTING_ELIGIBLE="navigation-source"
    )
    assert response.status_code == 204 and response.has_header(SOURCE)


def test_trigger_chain_to_partner(adtech, demo):
    response = adtech.get(PURCHASE + "&chain=partner", HTTP_ATTRIBUTION_REPORTING_ELIGIBLE="trigger")
    assert response.status_code == 302 and response.has_header(TRIGGER)
    assert response["Location"].startswith("http://measure.localhost:8000/register/trigger?")


@pytest.mark.parametrize(
    "extra,content_type,status",
    [
        ({"HTTP_SEC_FETCH_DEST": "image"}, "image/gif", 200),
        ({"HTTP_ACCEPT": "image/avif,image/webp,*/*"}, "image/gif", 200),
        ({"HTTP_SEC_FETCH_DEST": "script"}, "text/javascript", 200),
        ({"HTTP_SEC_FETCH_DEST": "empty", "HTTP_SEC_FETCH_MODE": "cors"}, None, 204),
        # An attributionsrc background request: Chrome's Opaque Response Blocking would withhold a 204.
        ({"HTTP_SEC_FETCH_DEST": "empty", "HTTP_SEC_FETCH_MODE": "no-cors"}, "image/gif", 200),
        ({}, None, 204),
    ],
)
def test_trigger_response_fits_the_request(adtech, demo, extra, content_type, status):
    response = adtech.get(PURCHASE, HTTP_ATTRIBUTION_REPORTING_ELIGIBLE="trigger", **extra)
    assert response.status_code == status
    assert response.has_header(TRIGGER)
    if content_type:
        assert response["Content-Type"] == content_type
    if content_type == "image/gif":
        assert response.content.startswith(b"GIF89a")


@pytest.mark.parametrize(
    "url,message",
    [
        ("/register/source?campaign=nope&type=click", "no active campaign"),
        ("/register/source?campaign=trail-tents&type=hover", "type must be click or view"),
        ("/register/trigger?event=teleport", "unknown or disabled event"),
        ("/register/trigger?event=purchase&value=12.50", "whole number of minor units"),
    ],
)
def test_bad_registration_requests_are_clear_400s(adtech, demo, url, message):
    response = adtech.get(url, HTTP_ATTRIBUTION_REPORTING_ELIGIBLE="navigation-source, trigger")
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert response["Cache-Control"] == "no-store"
    assert Registration.objects.get().status == "error"


def test_registration_endpoints_only_answer_get(adtech, demo):
    assert adtech.post(CLICK).status_code == 405


def test_trigger_category_from_product_drives_the_filter(adtech, demo):
    response = adtech.get(
        "/register/trigger?event=purchase&value=18900&order=B7&product=boots-alpine",
        HTTP_ATTRIBUTION_REPORTING_ELIGIBLE="trigger",
    )
    header = json.loads(response[TRIGGER])
    assert header["filters"] == {"product_category": ["boots"]}


def test_ad_is_frameable_by_the_publisher_and_registers_view_and_click(adtech, demo):
    response = adtech.get("/ads/serve?slot=top&creative=tent-leaderboard&chain=partner")
    assert response.status_code == 200
    assert not response.has_header("X-Frame-Options")
    assert "frame-ancestors" in response["Content-Security-Policy"]
    assert "http://news.localhost:8000" in response["Content-Security-Policy"]
    html = response.content.decode()
    assert 'attributionsrc="http://adtech.localhost:8000/register/source?campaign=trail-tents' in html
    assert "type=view" in html and "type=click" in html and "chain=partner" in html
    assert 'href="http://shop.localhost:8000/products/tent-2p" target="_top"' in html
    assert 'src="http://browser.localhost:8000/shim.js"' in html


def test_ad_without_creative_picks_an_active_one(adtech, demo):
    html = adtech.get("/ads/serve?slot=side").content.decode()
    assert "tent-leaderboard" in html or "boots-square" in html


def test_registrations_set_the_ad_techs_third_party_id_cookie_once(adtech, demo):
    first = adtech.get(CLICK, HTTP_ATTRIBUTION_REPORTING_ELIGIBLE="navigation-source")
    cookie = first.cookies["adtech_uid"]
    assert cookie["samesite"] == "None" and cookie["secure"] and cookie["httponly"]
    assert len(cookie.value) == 16
    again = adtech.get(
        CLICK, HTTP_ATTRIBUTION_REPORTING_ELIGIBLE="navigation-source"
    )  # the client sends it back
    assert "adtech_uid" not in again.cookies


@pytest.mark.parametrize(
    "user_agent,sender",
    [
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/149.0.7827.0 "
            "Safari/537.36",
            "chrome",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/149.0.0.0 Safari/537.36",
            "chrome",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
            "other",
        ),
        ("curl/8.5.0", "other"),
        ("", "unknown"),
    ],
)
def test_each_registration_records_which_browser_sent_it(adtech, demo, user_agent, sender):
    adtech.get(PURCHASE, HTTP_ATTRIBUTION_REPORTING_ELIGIBLE="trigger", HTTP_USER_AGENT=user_agent)
    reg = Registration.objects.get()
    assert reg.user_agent == user_agent
    shown = adtech.get("/api/dashboard").json()["registrations"][0]["browser"]
    assert shown["key"] == sender and shown["explanation"]


def test_the_simulated_browsers_user_agent_is_told_apart_from_chrome():
    from adtech import browsers
    from browser.http_client import USER_AGENT

    assert browsers.identify(USER_AGENT).key == browsers.SIMULATED
    # Without its token it would pass for the Chrome 131 its string imitates.
    assert browsers.identify(USER_AGENT.replace(browsers.SIMULATED_TOKEN, "Other")).key == browsers.CHROME
