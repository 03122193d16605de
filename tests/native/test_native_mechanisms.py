"""Every way of registering, in Chrome 149 with no shim: each source page of the news site and each
trigger page of the shop, checked by what the ad tech's server received.

For each registration: the request reached the right reporting origin, with Chrome's own
``Attribution-Reporting-Eligible`` header (its keys; Chrome greases the rest), and was answered.
For each source Chrome then sends a verbose ``source-success`` debug report naming it; for each
trigger that matches a source, an event-level and an aggregatable report (and their debug copies).
"""

from __future__ import annotations

import json
import re

import pytest

from adtech.models import ReceivedReport, Registration

from .conftest import native_page, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLICK = {"navigation-source"}
ELEMENT = {"event-source", "trigger"}
SCRIPTED = {"event-source"}

# slug: (how to use the page, [(reporting origin's host, Eligible keys), ...] in the order made)
SOURCE_PAGES = {
    "anchor-click": ("click", [("adtech", CLICK)]),
    "window-open": ("#open-offer", [("adtech", CLICK)]),
    "image-view": ("load", [("adtech", ELEMENT)]),
    "image-two-urls": ("load", [("adtech", ELEMENT), ("measure", ELEMENT)]),
    "script": ("load", [("adtech", ELEMENT)]),
    "fetch": ("#fetch-register", [("adtech", SCRIPTED)]),
    "xhr": ("#xhr-register", [("adtech", SCRIPTED)]),
    "redirect-chain": ("click", [("adtech", CLICK), ("measure", CLICK)]),
}


def _sources() -> list[Registration]:
    # Not told apart by context: the news site's Referrer-Policy (same-origin) sends no Referer
    # to the ad tech, and only fetch and XHR carry an Origin. The /ways/ pages show no other ads.
    return list(Registration.objects.filter(browser="chrome", kind="source").order_by("pk"))


@pytest.mark.parametrize("slug", list(SOURCE_PAGES))
def test_each_source_page_registers_in_chrome_149(native_lab, chrome, slug):
    action, expected = SOURCE_PAGES[slug]
    page = native_page(chrome, f"{native_lab.news}/ways/{slug}/")
    if action == "click":
        page.locator(f"[data-demo={slug}] a[attributionsrc]").click()
    elif action.startswith("#"):
        page.locator(action).click()

    regs = wait_for(
        lambda: (r := _sources()) and len(r) >= len(expected) and all(x.status for x in r) and r,
        f"{len(expected)} source registration(s) from {slug}",
    )
    seen = sorted((r.reporting_origin, frozenset(r.eligibility)) for r in regs)
    want = sorted((getattr(native_lab, host), frozenset(keys)) for host, keys in expected)
    assert seen == want, [(r.url, r.eligible_header, r.reason) for r in regs]
    for reg in regs:
        assert reg.status == "answered" and reg.eligible_present, reg.reason
        assert reg.answered_header == "Attribution-Reporting-Register-Source"

    # Chrome stored each source and says so in a verbose debug report to that source's origin.
    for reg in regs:
        source_event_id = json.loads(reg.header_value)["source_event_id"]

        def success(reg=reg, source_event_id=source_event_id):
            for report in ReceivedReport.objects.filter(
                browser="chrome", kind="verbose-debug", reporting_origin=reg.reporting_origin
            ):
                for item in json.loads(report.body):
                    if item["body"].get("source_event_id") == source_event_id:
                        return item
            return None

        item = wait_for(
            success,
            f"Chrome's verbose report on source {source_event_id} at {reg.reporting_origin}",
            detail=lambda: list(ReceivedReport.objects.values_list("reporting_origin", "kind", "body")),
        )
        assert item["type"] == "source-success", item


def _click_the_tent_ad(context, lab):
    page = native_page(context, lab.news + "/")
    page.frame_locator("iframe[data-ad-slot=front-leaderboard]").locator("a[attributionsrc]").click()
    page.wait_for_url(re.compile(r".*/products/tent-2p$"))
    return page


def _buy(page) -> None:
    page.get_by_role("button", name="Add to cart").click()
    page.locator("#added").wait_for(state="visible")
    page.locator("#added a").click()
    page.get_by_role("link", name="Check out →").click()
    page.get_by_role("button", name=re.compile("Place order")).click()
    page.wait_for_url(re.compile(r".*/orders/TH-[0-9A-F]+/$"))


def _sign_up(page, shop: str) -> None:
    page.goto(shop + "/newsletter/")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_role("button", name="Sign up").click()
    page.locator("#newsletter-result").filter(has_text=re.compile(r"\w")).wait_for()


# event: (how to reach it after clicking the tent ad, Eligible keys, trigger data for a click)
TRIGGER_PAGES = {
    "product-view": (None, ELEMENT, "1"),  # <img attributionsrc> conversion pixel
    "add-to-cart": ("buy", {"trigger"}, "2"),  # fetch(..., {attributionReporting})
    "purchase": ("buy", ELEMENT, "3"),  # <script attributionsrc>
    "newsletter-signup": ("newsletter", {"trigger"}, "4"),  # XMLHttpRequest.setAttributionReporting
}


@pytest.mark.parametrize("event", list(TRIGGER_PAGES))
def test_each_shop_trigger_page_registers_and_chrome_reports_it(native_lab, chrome, event):
    how, keys, trigger_data = TRIGGER_PAGES[event]
    page = _click_the_tent_ad(chrome, native_lab)
    if how == "buy":
        _buy(page)
    elif how == "newsletter":
        _sign_up(page, native_lab.shop)

    reg = wait_for(
        lambda: Registration.objects.filter(browser="chrome", kind="trigger", event=event).first(),
        f"the {event} trigger registration",
    )
    assert reg.status == "answered", reg.reason
    assert set(reg.eligibility) == keys, reg.eligible_header

    def reports():
        got = {
            r.kind: r
            for r in ReceivedReport.objects.filter(browser="chrome", event=event, status="processed")
        }
        wanted = ("event-level", "event-level-debug", "aggregatable", "aggregatable-debug-copy")
        return got if all(k in got for k in wanted) else None

    got = wait_for(reports, f"Chrome's reports of the {event} conversion")
    assert got["event-level"].decoded["trigger_data"] == trigger_data
    assert got["event-level"].decoded["source_type"] == "navigation"
    assert got["event-level"].campaign.slug == "trail-tents"
    assert got["aggregatable"].debug_contributions, "no debug cleartext in Chrome's aggregatable report"


def test_a_conversion_without_an_ad_makes_no_report_and_chrome_says_why(native_lab, chrome):
    """A fresh context has no sources (contexts do not share Chrome's attribution storage)."""
    native_page(chrome, native_lab.shop + "/products/tent-2p")
    reg = wait_for(
        lambda: Registration.objects.filter(browser="chrome", kind="trigger").first(),
        "the product-view trigger",
    )
    assert reg.status == "answered" and set(reg.eligibility) == ELEMENT

    def verbose():
        for report in ReceivedReport.objects.filter(browser="chrome", kind="verbose-debug"):
            return json.loads(report.body)[0]
        return None

    item = wait_for(verbose, "Chrome's verbose report on the unattributed trigger")
    assert item["type"] == "trigger-no-matching-source", item
    assert not ReceivedReport.objects.filter(kind__in=["event-level", "aggregatable"]).exists()
