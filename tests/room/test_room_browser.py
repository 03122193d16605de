"""Room mode in Debian's Chromium: two attendees, each in a browser of their own, on one server.

Each joins (the redirect chain stores their token on every party host), sees an ad, clicks it and
buys the tent; each guide ticks off only its own attendee's steps, and the instructor sees both.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.e2e.workshop import TIMEOUT, ConsoleWatch, require_simulation, wait_for_registration, wait_for_step

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("ARA_VAR_DIR", REPO / "var")) / "screenshots" / "room"
KEY = "room-browser-test-key"


@pytest.fixture
def room_lab(lab_server, settings, eager_celery):
    settings.ARA_ROOM = True
    settings.ARA_ROOM_INSTRUCTOR_KEY = KEY
    call_command("load_demo_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    port = settings.ARA_PORT
    return {
        key: f"http://{sub}localhost:{port}"
        for key, sub in (("guide", ""), ("news", "news."), ("shop", "shop."))
    }


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _join(context, lab, name: str = "") -> tuple:
    guide = context.new_page()
    guide.set_default_timeout(TIMEOUT)
    guide.goto(lab["guide"] + "/")
    if name:
        shot(guide, name)
    guide.get_by_role("link", name="Join the room").click()
    guide.wait_for_url(lab["guide"] + "/")
    profile = guide.locator("[data-room-profile]").get_attribute("data-room-profile")
    return guide, profile


def _click_and_buy(context, lab) -> None:
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(lab["news"] + "/")
    require_simulation(page)
    wait_for_registration(page, "type=view")
    page.frame_locator("iframe[data-ad-slot=front-leaderboard]").locator("a[attributionsrc]").click()
    page.wait_for_url(re.compile(r".*/products/tent-2p$"))
    wait_for_registration(page, "event=product-view")
    page.get_by_role("button", name="Add to cart").click()
    wait_for_registration(page, "event=add-to-cart")
    page.locator("#added a").click()
    page.get_by_role("link", name="Check out →").click()
    page.get_by_role("button", name=re.compile("Place order")).click()
    page.wait_for_url(re.compile(r".*/orders/TH-[0-9A-F]+/$"))
    purchase = wait_for_registration(page, "event=purchase")
    assert "scheduled" in (purchase["hops"][0]["explanation"] or "").lower(), purchase
    page.close()


def _step_status(guide, number: int) -> str:
    return guide.locator(f'[data-step="{number}"] [data-step-status]').inner_text()


def test_two_attendees_each_see_only_their_own_progress(room_lab, chromium):
    alice_ctx = chromium.new_context(viewport={"width": 1280, "height": 900})
    bob_ctx = chromium.new_context(viewport={"width": 1280, "height": 900})
    watch = ConsoleWatch()
    watch.attach(alice_ctx)
    watch.attach(bob_ctx)
    alice_guide, alice = _join(alice_ctx, room_lab, "join")
    shot(alice_guide, "guide-joined")
    bob_guide, bob = _join(bob_ctx, room_lab)
    assert alice and bob and alice != bob

    _click_and_buy(alice_ctx, room_lab)
    wait_for_step(alice_guide, 3)
    # Bob has done nothing: his guide shows nothing of Alice's clicks and purchase.
    bob_guide.reload()
    assert bob_guide.locator("[data-steps-done]").inner_text() == "0"
    assert _step_status(bob_guide, 2).startswith("0 click sources")

    _click_and_buy(bob_ctx, room_lab)
    wait_for_step(bob_guide, 3)
    for guide in (alice_guide, bob_guide):
        guide.reload()
        assert "1 click source" in _step_status(guide, 2), _step_status(guide, 2)
        assert guide.locator('[data-step="3"].done').count() == 1
    shot(alice_guide, "guide-attendee")

    instructor = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = instructor.new_page()
    page.goto(room_lab["guide"] + f"/room/instructor?key={KEY}")
    for profile in (alice, bob):
        page.locator(f'[data-attendee="{profile}"]').wait_for()
    assert page.locator(".room-qr svg").count() == 1
    shot(page, "instructor")
    instructor.close()
    problems = [str(p) for p in watch.take()]
    alice_ctx.close()
    bob_ctx.close()
    assert problems == [], problems
