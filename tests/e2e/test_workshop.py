"""The workshop end to end in Debian's Chromium, as an attendee clicks through it.

(a) From a clean state: see an ad on the news site, click it, buy the tent at the shop, open attribution
internals, advance the clock, and find an event-level and an aggregatable report at the ad tech, with the guide
ticking each step off. (b) Buy boots after clicking the tent ad: the filters do not match, and the pages say so.

With ``ARA_UPDATE_SCREENSHOTS=1`` the main pages are saved to ``docs/screenshots/`` for the README
(otherwise to ``var/screenshots/``, so a test run leaves the tracked images alone).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = (
    REPO / "docs" / "screenshots"
    if os.environ.get("ARA_UPDATE_SCREENSHOTS") == "1"
    else Path(os.environ.get("ARA_VAR_DIR", REPO / "var")) / "screenshots"
)
TIMEOUT = 20_000


@pytest.fixture
def lab(lab_server, settings, eager_celery):
    """Every party on the live server, with the demo data, and Celery tasks run in-process."""
    call_command("load_demo_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    port = settings.ARA_PORT
    return {
        key: f"http://{sub}localhost:{port}"
        for key, sub in (
            ("guide", ""),
            ("news", "news."),
            ("shop", "shop."),
            ("adtech", "adtech."),
            ("browser", "browser."),
        )
    }


@pytest.fixture
def tab(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    yield page
    context.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def require_simulation(page) -> None:
    """The shim must hand registrations to the simulated browser: Debian's Chromium has no ARA of its own."""
    page.wait_for_function("() => window.attributionLab && window.attributionLab.loaded")
    assert page.evaluate("() => window.attributionLab.native") is False, (
        "the shim took this Chromium for a browser with native ARA, so nothing would register"
    )


def wait_for_registration(page, url_part: str) -> dict:
    """Waits until the shim reported a registration whose URL contains ``url_part``; returns it."""
    page.wait_for_function(
        "(part) => (window.attributionLabPanel?.events || []).some((e) => (e.url || '').includes(part))",
        arg=url_part,
    )
    events = page.evaluate("() => window.attributionLabPanel.events")
    return next(e for e in events if url_part in (e.get("url") or ""))


def test_workshop_from_ad_to_reports(lab, tab):
    page = tab
    # The guide stays open in its own tab and ticks steps off by itself.
    guide = page.context.new_page()
    guide.goto(lab["guide"] + "/")
    assert guide.locator("[data-steps-done]").inner_text() == "0"
    assert "done" not in guide.locator('[data-step="1"]').get_attribute("class")

    # (1) See an ad: the news site's ad frames register view sources.
    page.goto(lab["news"] + "/")
    require_simulation(page)
    view = wait_for_registration(page, "type=view")
    assert view["hops"][0]["request_headers"]["Attribution-Reporting-Eligible"] == "event-source, trigger"
    assert view["hops"][0]["kind"] == "source"
    page.locator("[data-ara-panel] [data-ara-event]").first.wait_for()
    shot(page, "news-front")
    guide.locator('[data-step="1"].done').wait_for(timeout=10_000)  # no reload: the page polls
    assert guide.locator("[data-steps-done]").inner_text() == "1"
    guide.close()

    # A mechanism page shows its own registration live, in its panel.
    page.goto(lab["news"] + "/ways/image-view/")
    wait_for_registration(page, "type=view")
    panel = page.locator("[data-ara-panel]")
    panel.locator("[data-ara-event]").first.wait_for()
    assert "Attribution-Reporting-Register-Source".lower() in panel.inner_text().lower()
    shot(page, "news-mechanism-image")

    # (2) Click the tent ad: a navigation source, then the shop's product page.
    page.goto(lab["news"] + "/")
    page.frame_locator("iframe[data-ad-slot=front-leaderboard]").locator("a[attributionsrc]").click()
    page.wait_for_url(re.compile(r".*/products/tent-2p$"))
    view_trigger = wait_for_registration(page, "event=product-view")
    assert view_trigger["hops"][0]["kind"] == "trigger"
    page.locator("[data-ara-panel] [data-ara-event]").first.wait_for()
    shot(page, "shop-product")

    # (3) Buy the tent: add to cart (fetch), check out, the thank-you page registers the purchase.
    page.get_by_role("button", name="Add to cart").click()
    added = wait_for_registration(page, "event=add-to-cart")
    assert added["hops"][0]["request_headers"]["Attribution-Reporting-Eligible"] == "trigger"
    page.locator("#added a").click()
    page.get_by_role("link", name="Check out →").click()
    page.get_by_role("button", name=re.compile("Place order")).click()
    page.wait_for_url(re.compile(r".*/orders/TH-[0-9A-F]+/$"))
    order_id = page.locator("[data-order-id]").inner_text()
    purchase = wait_for_registration(page, "event=purchase")
    assert f"order={order_id}" in purchase["url"]
    assert "value=24900" in purchase["url"]
    hop = purchase["hops"][0]
    assert hop["kind"] == "trigger"
    assert "scheduled" in (hop["explanation"] or "").lower()
    panel_text = page.locator("[data-ara-panel]").first.inner_text()
    assert "purchase" in panel_text and "Attribution-Reporting-Register-Trigger".lower() in panel_text.lower()
    shot(page, "shop-thank-you")

    # A refresh registers the same purchase again; the order id's deduplication key stops a second report.
    page.reload()
    again = wait_for_registration(page, "event=purchase")
    assert f"order={order_id}" in again["url"]
    assert "dedup" in (again["hops"][0]["status"] + again["hops"][0]["explanation"]).lower()

    page.goto(lab["guide"] + "/")
    for number in (1, 2, 3):
        assert "done" in page.locator(f'[data-step="{number}"]').get_attribute("class")

    # (4) Attribution internals, opened from the guide.
    page.get_by_role("link", name="Open attribution internals").click()
    page.wait_for_url(lab["browser"] + "/")
    page.wait_for_timeout(1000)
    internals = page.locator("body").inner_text().lower()
    assert "reports pending" in internals and "event-level reports" in internals
    shot(page, "browser-internals")

    # (5) Advance the clock to the next report until the reports are sent.
    for _ in range(4):
        page.locator("#advance-next").click()
        page.wait_for_load_state()
        page.wait_for_timeout(500)
    # Whatever is still pending (a null report, a later window) goes out with "send all".
    page.get_by_role("button", name="Send all pending reports").click()
    page.wait_for_load_state()
    page.wait_for_timeout(500)
    page.goto(lab["guide"] + "/")
    for number in (4, 5):
        assert "done" in page.locator(f'[data-step="{number}"]').get_attribute("class")

    # (6) The ad tech received an event-level and an aggregatable report.
    page.goto(lab["adtech"] + "/")
    page.wait_for_timeout(1500)
    dashboard = page.locator("main").inner_text().lower()
    assert "event-level" in dashboard and "aggregatable" in dashboard
    assert "purchase" in dashboard and "trail-tents" in dashboard
    shot(page, "adtech-dashboard")
    page.goto(lab["guide"] + "/")
    assert "done" in page.locator('[data-step="6"]').get_attribute("class")

    # (7) A summary report from the aggregation service.
    page.goto(lab["adtech"] + "/summaries/")
    page.get_by_role("button", name="Create summary report").click()
    page.wait_for_load_state()
    shot(page, "adtech-summaries")
    page.goto(lab["guide"] + "/")
    assert "done" in page.locator('[data-step="7"]').get_attribute("class")
    assert page.locator("[data-steps-done]").inner_text() == "7"
    shot(page, "guide")


def test_boots_after_a_tent_ad_make_no_report_and_the_pages_say_why(lab, tab):
    page = tab
    # An article whose only ad is the tent ad: the only sources are for tents.
    page.goto(lab["news"] + "/articles/trail-season-opens/")
    require_simulation(page)
    wait_for_registration(page, "type=view")
    page.frame_locator("iframe[data-ad-slot=article]").locator("a[attributionsrc]").click()
    page.wait_for_url(re.compile(r".*/products/tent-2p$"))
    wait_for_registration(page, "event=product-view")

    page.goto(lab["shop"] + "/products/boots-alpine")
    page.get_by_role("button", name="Add to cart").click()
    wait_for_registration(page, "event=add-to-cart")
    page.goto(lab["shop"] + "/checkout/")
    page.get_by_role("button", name=re.compile("Place order")).click()
    purchase = wait_for_registration(page, "event=purchase")
    assert "category=boots" in purchase["url"]
    hop = purchase["hops"][0]
    words = (hop["status"] + " " + hop["explanation"]).lower()
    assert "filter" in words, words
    panel = page.locator("[data-ara-panel]").first
    panel.locator("[data-ara-event]").first.wait_for()
    assert "filter" in panel.inner_text().lower()
    shot(page, "shop-no-match")
