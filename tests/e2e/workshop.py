"""The workshop as an attendee clicks through it, and a console watch, shared by the browser tests.

``walk_workshop`` runs the seven steps in one browser context and returns what it measured;
``ConsoleWatch`` collects every console error, uncaught exception, failed request and 4xx/5xx a
page met, so a test can fail on the ones the page does not explain. Both work against the live
test server and against a running demo (``python -m tests.e2e.run_demo``).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TIMEOUT = 20_000


@dataclass
class Problem:
    page: str
    what: str

    def __str__(self) -> str:
        return f"{self.page}: {self.what}"


@dataclass
class ConsoleWatch:
    """Everything that would show red in DevTools, per page, for one browser context."""

    problems: list[Problem] = field(default_factory=list)

    def attach(self, context) -> None:
        context.on("page", self._watch)
        for page in context.pages:
            self._watch(page)

    def _watch(self, page) -> None:
        def where() -> str:
            return page.url

        page.on(
            "console",
            lambda msg: (
                self.problems.append(Problem(where(), f"console {msg.type}: {msg.text}"))
                if msg.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda exc: self.problems.append(Problem(where(), f"uncaught: {exc}")))
        page.on(
            "requestfailed",
            lambda req: (
                self.problems.append(
                    Problem(where(), f"request failed: {req.method} {req.url} ({req.failure})")
                )
                if not _aborted_by_navigation(req)
                else None
            ),
        )
        page.on(
            "response",
            lambda res: (
                self.problems.append(Problem(where(), f"HTTP {res.status}: {res.request.method} {res.url}"))
                if res.status >= 400
                else None
            ),
        )

    def take(self) -> list[Problem]:
        out, self.problems = self.problems, []
        return out


def _aborted_by_navigation(request) -> bool:
    """A request cut short because the page navigated away (a form post, a click) is not a failure."""
    return (request.failure or "") == "net::ERR_ABORTED" and request.resource_type in (
        "document",
        "ping",
        "fetch",
    )


def lab_urls(port: int) -> dict[str, str]:
    """The hosts a walk visits, by the names the walks use, on the live server's port."""
    hosts = {"guide": "", "news": "news.", "shop": "shop.", "adtech": "adtech.", "browser": "browser."}
    return {key: f"http://{sub}localhost:{port}" for key, sub in hosts.items()}


def require_simulation(page) -> None:
    """The shim must hand registrations to the simulated browser: Debian's Chromium has no ARA of its own."""
    page.wait_for_function("() => window.attributionLab && window.attributionLab.loaded")
    assert page.evaluate("() => window.attributionLab.native") is False, (
        "the shim took this Chromium for a browser with native ARA, so nothing would register"
    )


def wait_for_registration(page, url_part: str, timeout: float = 60_000) -> dict:
    """Waits until the shim reported a registration whose URL contains ``url_part``; returns it.

    A trigger may wait up to 10 s for the click's navigation registration first (as Chrome does), so
    on a loaded machine this takes longer than a page's default timeout."""
    page.wait_for_function(
        "(part) => (window.attributionLabPanel?.events || []).some((e) => (e.url || '').includes(part))",
        arg=url_part,
        timeout=timeout,
    )
    events = page.evaluate("() => window.attributionLabPanel.events")
    return next(e for e in events if url_part in (e.get("url") or ""))


def wait_for_step(guide, number: int, timeout: float = 30_000) -> None:
    """The guide ticks a step off by itself (it polls); no reload."""
    guide.locator(f'[data-step="{number}"].done').wait_for(timeout=timeout)


def _adtech_counts(page, adtech: str) -> dict[str, int]:
    """The ad tech's report counts, asked from here (not from a page, which CORS would rightly stop)."""
    import httpx

    from config.loopback import loopback_target as _loopback

    url, host = _loopback(adtech + "/api/dashboard")
    return httpx.get(url, headers={"Host": host}, timeout=30).json()["summary"]["reports_by_kind"]


def _wait_for_report(page, adtech: str, kind: str, seconds: float) -> bool:
    """Whether the ad tech has (or gets within ``seconds``) a report of ``kind``."""
    deadline = time.monotonic() + seconds
    while True:
        if _adtech_counts(page, adtech).get(kind):
            return True
        if time.monotonic() > deadline:
            return False
        page.wait_for_timeout(250)


def walk_workshop(context, lab: dict[str, str], shot=None) -> dict[str, Any]:
    """The seven steps from a clean state; returns seconds to milestones and the steps the guide ticked."""
    shot = shot or (lambda page, name: None)
    started = time.monotonic()
    timings: dict[str, float] = {}

    def mark(name: str) -> None:
        timings.setdefault(name, round(time.monotonic() - started, 1))

    guide = context.new_page()
    guide.set_default_timeout(TIMEOUT)
    guide.goto(lab["guide"] + "/")
    assert guide.locator("[data-steps-done]").inner_text() == "0"
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)

    # (1) See an ad: the news site's ad frames register view sources.
    page.goto(lab["news"] + "/")
    require_simulation(page)
    view = wait_for_registration(page, "type=view")
    assert view["hops"][0]["request_headers"]["Attribution-Reporting-Eligible"] == "event-source, trigger"
    page.locator("[data-ara-panel] [data-ara-event]").first.wait_for()
    shot(page, "news-front")
    wait_for_step(guide, 1)

    page.goto(lab["news"] + "/ways/image-view/")
    wait_for_registration(page, "type=view")
    page.locator("[data-ara-panel] [data-ara-event]").first.wait_for()
    shot(page, "news-mechanism-image")

    # (2) Click the tent ad: a navigation source, then the shop's product page.
    page.goto(lab["news"] + "/")
    page.frame_locator("iframe[data-ad-slot=front-leaderboard]").locator("a[attributionsrc]").click()
    page.wait_for_url(re.compile(r".*/products/tent-2p$"))
    view_trigger = wait_for_registration(page, "event=product-view")
    assert view_trigger["hops"][0]["kind"] == "trigger"
    page.locator("[data-ara-panel] [data-ara-event]").first.wait_for()
    shot(page, "shop-product")
    wait_for_step(guide, 2)

    # (3) Buy the tent: add to cart (fetch), check out, the thank-you page registers the purchase.
    page.get_by_role("button", name="Add to cart").click()
    wait_for_registration(page, "event=add-to-cart")
    page.locator("#added a").click()
    page.get_by_role("link", name="Check out →").click()
    page.get_by_role("button", name=re.compile("Place order")).click()
    page.wait_for_url(re.compile(r".*/orders/TH-[0-9A-F]+/$"))
    order_id = page.locator("[data-order-id]").inner_text()
    purchase = wait_for_registration(page, "event=purchase")
    assert f"order={order_id}" in purchase["url"] and "value=24900" in purchase["url"]
    assert "scheduled" in (purchase["hops"][0]["explanation"] or "").lower()
    shot(page, "shop-thank-you")
    # A refresh registers the same purchase again; the source already holds the order's deduplication key.
    page.reload()
    again = wait_for_registration(page, "event=purchase")
    assert "dedup" in (again["hops"][0]["status"] + again["hops"][0]["explanation"]).lower()
    wait_for_step(guide, 3)
    mark("step_3_purchase_registered")
    _wait_for_report(page, lab["adtech"], "event-level-debug", 15)
    mark("first_event_level_debug_copy_at_adtech")

    # (4) Attribution internals, opened from the guide.
    page.goto(lab["guide"] + "/")
    page.get_by_role("link", name="Open attribution internals").click()
    page.wait_for_url(lab["browser"] + "/")
    page.locator("#counts dt").first.wait_for()
    shot(page, "browser-internals")
    wait_for_step(guide, 4)

    # (5) Advance the clock to the next report until the attribution reports are sent.
    for _ in range(4):
        page.locator("#advance-next").click()
        page.wait_for_load_state()
        page.wait_for_timeout(300)
    page.get_by_role("button", name="Send all pending reports").click()
    page.wait_for_load_state()
    wait_for_step(guide, 5)
    _wait_for_report(page, lab["adtech"], "event-level", 60)
    mark("first_event_level_report_at_adtech")

    # (6) The ad tech received an event-level and an aggregatable report.
    page.goto(lab["adtech"] + "/")
    _wait_for_report(page, lab["adtech"], "aggregatable", 60)
    page.locator("#reports .report").first.wait_for()
    dashboard = page.locator("main").inner_text().lower()
    assert "purchase" in dashboard and "trail-tents" in dashboard
    shot(page, "adtech-dashboard")
    wait_for_step(guide, 6)

    # (7) A summary report from the aggregation service; the page follows the job without a reload.
    page.goto(lab["adtech"] + "/summaries/")
    page.get_by_role("button", name="Create summary report").click()
    page.wait_for_load_state()
    page.locator("[data-job-status=FINISHED]").first.wait_for(timeout=60_000)
    mark("summary_report")
    page.locator("a[data-summary-link]").first.click()
    page.locator("[data-job-status=FINISHED]").first.wait_for(timeout=60_000)
    page.locator("[data-exact-rows] tr[data-bucket]").first.wait_for()
    summary = page.locator("main").inner_text()
    assert "No bucket has a known exact sum" not in summary
    shot(page, "adtech-summaries")
    wait_for_step(guide, 7)
    done = int(guide.locator("[data-steps-done]").inner_text())
    guide.reload()
    mark("all_seven_steps")
    shot(guide, "guide")
    guide.close()
    page.close()
    return {"steps_done": done, "seconds": timings, "order_id": order_id}


def reset_for_next_attendee(context, guide_url: str) -> None:
    """Presses the guide's reset button, as the teacher does, and checks every party said cleared."""
    page = context.new_page()
    page.goto(guide_url + "/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Reset for the next attendee").click()
    page.locator(".reset-result").wait_for()
    text = page.locator(".reset-result").inner_text()
    assert "Reset done." in text and "could not" not in text, text
    assert page.locator("[data-steps-done]").inner_text() == "0"
    page.close()


def screenshot_saver(folder: Path):
    def shot(page, name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    return shot
