"""The workshop end to end in Debian's Chromium, as attendees click through it.

(a) Two attendees in the same clock hour, with the teacher's reset between them: each sees an ad, clicks it,
buys the tent, opens attribution internals, advances the clock, finds the reports at the ad tech and gets a
summary report with exact sums beside the noised ones, the guide ticking all seven steps off by itself.
(b) Every page of every host, with that data, loads with a clean console. (c) Boots after a tent ad: the
filters do not match, and the pages say so.

With ``ARA_UPDATE_SCREENSHOTS=1`` the main pages are saved to ``docs/screenshots/`` for the README
(otherwise to ``var/screenshots/``, so a test run leaves the tracked images alone).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from .crawl import crawl
from .workshop import (
    TIMEOUT,
    ConsoleWatch,
    lab_urls,
    require_simulation,
    reset_for_next_attendee,
    wait_for_registration,
    walk_workshop,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = (
    REPO / "docs" / "screenshots"
    if os.environ.get("ARA_UPDATE_SCREENSHOTS") == "1"
    else Path(os.environ.get("ARA_VAR_DIR", REPO / "var")) / "screenshots"
)


@pytest.fixture
def lab(lab_server, settings, eager_celery):
    """Every party on the live server, with the demo data, and Celery tasks run in-process."""
    call_command("load_demo_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return lab_urls(settings.ARA_PORT)


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


def test_two_attendees_in_the_same_hour_both_reach_a_summary_report(lab, chromium):
    """The whole workshop, the teacher's reset, and the whole workshop again (same clock hour)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    first = walk_workshop(context, lab, shot)
    assert first["steps_done"] == 7, first
    reset_for_next_attendee(context, lab["guide"])
    second = walk_workshop(context, lab)
    assert second["steps_done"] == 7, second
    assert second["order_id"] != first["order_id"]
    # The old order's page after the reset: the shop's own "not found" page, not Django's.
    page = context.new_page()
    response = page.goto(f"{lab['shop']}/orders/{first['order_id']}/")
    assert response.status == 404 and page.locator("[data-not-found]").count() == 1
    context.close()


def test_every_page_of_every_host_has_a_clean_console(lab, chromium):
    """After a workshop run (real data on every party), every page loads without an unexplained error."""
    from aggregation.models import AggregationJob
    from browser.models import Report
    from config.hosts import PARTIES

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    outcome = walk_workshop(context, lab)
    origins = {p.key: p.origin for p in PARTIES}
    seeds = [o + "/" for o in origins.values()] + [
        f"{lab['shop']}/orders/{outcome['order_id']}/",
        f"{lab['shop']}/orders/TH-GONE0000/",
        f"{lab['shop']}/checkout/",
        f"{lab['shop']}/products/tent-2p/",
        f"{lab['browser']}/api/reports/{Report.objects.first().report_id}",
        f"{origins['aggregation']}/jobs/{AggregationJob.objects.first().job_request_id}/progress.json",
    ]
    result = crawl(context, origins, seeds)
    context.close()
    assert len(result.visited) > 40
    assert not result.problems, "\n".join(str(p) for p in result.problems)
    assert not result.uncovered, f"routes no page links to and the crawl did not reach: {result.uncovered}"


def test_script_registrations_leave_a_clean_console(lab, chromium):
    """The XHR page's button and the newsletter sign-up: cross-site XHRs, answered without a CORS error."""
    context = chromium.new_context()
    watch = ConsoleWatch()
    watch.attach(context)
    page = context.new_page()
    page.goto(lab["news"] + "/ways/xhr/")
    require_simulation(page)
    page.get_by_role("button", name="The ad was seen: register with XMLHttpRequest").click()
    hop = wait_for_registration(page, "type=view")["hops"][0]
    assert hop["kind"] == "source"
    page.goto(lab["shop"] + "/newsletter/")
    page.fill("input[name=email]", "attendee@example.com")
    page.get_by_role("button", name="Sign up").click()
    assert wait_for_registration(page, "event=newsletter-signup")["hops"][0]["kind"] == "trigger"
    page.wait_for_timeout(1000)
    problems = watch.take()
    context.close()
    assert not problems, "\n".join(str(p) for p in problems)


def test_boots_after_a_tent_ad_make_no_report_and_the_pages_say_why(lab, tab):
    page = tab
    # An article whose only ad is the tent ad: the only sources are for tents.
    page.goto(lab["news"] + "/articles/trail-season-opens/")
    require_simulation(page)
    wait_for_registration(page, "type=view")
    page.frame_locator("iframe[data-ad-slot=article]").locator("a[attributionsrc]").click()
    page.wait_for_url(re.compile(r".*/products/tent-2p$"))
    wait_for_registration(page, "event=product-view")

    # Viewing boots and adding them to the cart are not credited to the tent ad either: every product
    # event filters on the category.
    page.goto(lab["shop"] + "/products/boots-alpine")
    for event in ("product-view", "add-to-cart"):
        if event == "add-to-cart":
            page.get_by_role("button", name="Add to cart").click()
        hop = wait_for_registration(page, f"event={event}")["hops"][0]
        words = (hop["status"] + " " + hop["explanation"]).lower()
        assert "filter" in words, (event, words)
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
