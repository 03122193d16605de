"""Room mode in Debian's Chromium: two attendees, each in a browser of their own, on one server.

Each joins (the redirect chain stores their token on every party host), sees an ad, clicks it and
buys the tent; each guide ticks off only its own attendee's steps, and the instructor sees both.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.core.management import call_command

from tests.e2e.workshop import (
    TIMEOUT,
    ConsoleWatch,
    lab_urls,
    require_simulation,
    wait_for_registration,
    wait_for_step,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("ARA_VAR_DIR", REPO / "var")) / "screenshots" / "room"
KEY = "room-browser-test-key"


@pytest.fixture
def room_lab(lab_server, settings, eager_celery):
    settings.ARA_ROOM = True
    settings.ARA_ROOM_INSTRUCTOR_KEY = KEY
    call_command("load_demo_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return lab_urls(settings.ARA_PORT)


@pytest.fixture(autouse=True)
def queued() -> list:
    """Reports are delivered as in the lab (eager Celery), not recorded as the other room tests do."""
    return []


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


def test_two_attendees_each_see_only_their_own_progress(room_lab, chromium, settings):
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

    # A full room: the join page says so, and why.
    settings.ARA_ROOM_MAX_ATTENDEES = 2
    late = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = late.new_page()
    response = page.goto(room_lab["guide"] + "/room/join")
    assert response.status == 429 and response.headers["retry-after"] == "60"
    assert "the room is full" in page.locator("main").inner_text()
    shot(page, "join-full")
    late.close()


# --- The whole workshop, two attendees, one room-wide summary ------------------------------------


def _contributions(profile: str) -> dict[int, int]:
    """What ``profile``'s browser put in the aggregatable reports it delivered (debug cleartext)."""
    import base64
    import json

    from attribution_reporting.aggregatable_payload import decode_plaintext, without_padding
    from attribution_reporting.reports import AGGREGATABLE, SENT
    from browser.models import Report

    sums: dict[int, int] = {}
    for row in Report.objects.filter(profile=profile, kind=AGGREGATABLE, status=SENT):
        for payload in json.loads(row.sent_body)["aggregation_service_payloads"]:
            raw = base64.b64decode(payload["debug_cleartext_payload"])
            for c in without_padding(decode_plaintext(raw)):
                sums[c["bucket"]] = sums.get(c["bucket"], 0) + c["value"]
            break  # one payload per aggregation service, each with the same contributions
    return sums


def _deliver(guide, lab, who: str, profile: str) -> None:
    """Steps 4-6 from the attendee's guide: internals, the clock to the reports' time, send now."""
    guide.get_by_role("link", name="Open attribution internals").click()
    guide.wait_for_url(lab["browser"] + "/")
    guide.locator("#counts dt").first.wait_for()
    assert guide.locator("[data-room-profile]").get_attribute("data-room-profile") == profile
    shot(guide, f"{who}-internals")
    for _ in range(4):
        guide.locator("#advance-next").click()
        guide.wait_for_load_state()
        guide.wait_for_timeout(300)
    guide.get_by_role("button", name="Send all pending reports").click()
    guide.get_by_text(re.compile(r"pending reports sent\.")).wait_for()
    shot(guide, f"{who}-internals-sent")
    guide.goto(lab["guide"] + "/")
    wait_for_step(guide, 5)
    wait_for_step(guide, 6, timeout=60_000)


def test_two_attendees_walk_all_seven_steps_and_the_summary_covers_both(room_lab, chromium):
    """Both attendees to 7/7 from their own browsers; the instructor's summary sums both purchases."""
    lab = room_lab
    contexts = [chromium.new_context(viewport={"width": 1280, "height": 900}) for _ in range(2)]
    watch = ConsoleWatch()
    for ctx in contexts:
        watch.attach(ctx)
    (alice_guide, alice), (bob_guide, bob) = (_join(ctx, lab) for ctx in contexts)
    for ctx, guide in zip(contexts, (alice_guide, bob_guide), strict=True):
        _click_and_buy(ctx, lab)
        wait_for_step(guide, 3)
    _deliver(alice_guide, lab, "alice", alice)
    # Bob has not delivered: Alice's reports at the shared ad tech are not his.
    bob_guide.reload()
    assert not bob_guide.locator('[data-step="5"].done').count()
    assert _step_status(bob_guide, 6).startswith("0 event-level"), _step_status(bob_guide, 6)
    _deliver(bob_guide, lab, "bob", bob)
    shot(alice_guide, "alice-guide-6")

    mine = {who: _contributions(who) for who in (alice, bob)}
    assert all(mine.values()), mine

    # The instructor: the room-wide summary at the ad tech, over both attendees' reports.
    instructor = chromium.new_context(viewport={"width": 1280, "height": 900})
    watch.attach(instructor)
    room = instructor.new_page()
    room.set_default_timeout(TIMEOUT)
    room.goto(lab["guide"] + f"/room/instructor?key={KEY}")
    with instructor.expect_page() as opened:
        room.get_by_role("link", name=re.compile("summary at the ad tech")).click()
    page = opened.value
    page.set_default_timeout(TIMEOUT)
    page.get_by_role("button", name="Create summary report").click()
    page.wait_for_load_state()
    # One job per budget unit: reports scheduled in different hours are batched (and summed) apart.
    page.wait_for_function(
        "() => { const s = [...document.querySelectorAll('[data-job-status]')];"
        " return s.length > 0 && s.every((e) => e.dataset.jobStatus === 'FINISHED'); }",
        timeout=60_000,
    )
    summaries = [link.get_attribute("href") for link in page.locator("a[data-summary-link]").all()]
    assert summaries
    exact: dict[int, int] = {}
    for href in summaries:
        page.goto(urljoin(page.url, href))
        page.locator("[data-exact-rows] tr[data-bucket]").first.wait_for()
        shot(page, "instructor-summary")
        for row in page.locator("[data-exact-rows] tr[data-bucket]").all():
            bucket = int(row.get_attribute("data-bucket"), 16)
            exact[bucket] = exact.get(bucket, 0) + int(row.locator("td.num").nth(1).inner_text())
    expected: dict[int, int] = {}
    for sums in mine.values():
        for bucket, value in sums.items():
            expected[bucket] = expected.get(bucket, 0) + value
    assert exact == expected, (exact, mine)
    assert sum(exact.values()) == sum(sum(s.values()) for s in mine.values())

    for who, guide in (("alice", alice_guide), ("bob", bob_guide)):
        wait_for_step(guide, 7)
        guide.reload()
        assert guide.locator("[data-steps-done]").inner_text() == "7", _step_status(guide, 7)
        shot(guide, f"{who}-guide-done")

    # Alice starts over: her steps go, Bob's stay.
    alice_guide.once("dialog", lambda dialog: dialog.accept())
    alice_guide.get_by_role("button", name="Reset my browser").click()
    alice_guide.locator(".reset-result").wait_for()
    assert alice_guide.locator("[data-steps-done]").inner_text() == "0"
    shot(alice_guide, "alice-guide-reset")
    bob_guide.reload()
    assert bob_guide.locator("[data-steps-done]").inner_text() == "7"

    problems = [str(p) for p in watch.take()]
    for ctx in (*contexts, instructor):
        ctx.close()
    assert problems == [], problems
