"""The workshop walked by a real Chrome 149: see the ads, click the tent ad, buy the tent, get the reports.

``walk()`` drives a Chrome that still ships the Attribution Reporting API (launched with
``chrome.launch_args``) through the same pages an attendee uses, and says what it does as it goes.
Chrome registers the sources and triggers and, in debug mode, sends its reports by itself within
seconds; the walk watches them arrive at the ad tech (through the ad tech's own JSON API, from a
dashboard tab) and finally asks the ad tech for a summary report of Chrome's aggregatable reports.

No Django here: ``python manage.py real_chrome`` and the native tests both call it with the
demo's origins, taken from the party table (``config.parties``).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from config.parties import Site
from native.chrome import NativeOrigins

ATTRIBUTION_KINDS = ("event-level", "aggregatable")


class WalkFailed(RuntimeError):
    """A step of the walk did not happen; the message says which and what was seen."""


@dataclass(frozen=True)
class Lab:
    """The demo's origins, e.g. ``http://news.localhost:8000``."""

    guide: str
    news: str
    shop: str
    adtech: str
    measure: str
    aggregation: str

    @classmethod
    def on(cls, *, scheme: str = "http", domain: str = "localhost", port: int = 8000) -> Lab:
        site = Site(scheme=scheme, domain=domain, port=port)
        return cls(
            guide=site.party_origin("guide"),
            news=site.party_origin("publisher"),
            shop=site.party_origin("advertiser"),
            adtech=site.party_origin("adtech"),
            measure=site.partner_origin(),
            aggregation=site.coordinator_origin(),
        )

    def native_origins(self) -> NativeOrigins:
        """What Chrome must be told: the reporting origins to enroll and the coordinator to allow."""
        return NativeOrigins(
            reporting_origins=(self.adtech, self.measure), aggregation_origin=self.aggregation
        )


@dataclass
class WalkResult:
    order_id: str = ""
    reports: Counter = field(default_factory=Counter)  # Chrome's reports at the ad tech, by kind
    registrations: Counter = field(default_factory=Counter)  # answered for Chrome, by kind
    click_to_first_event_report_s: float | None = None
    summary: dict[str, Any] | None = None  # the summary report's manifest facts and rows


class Walk:
    """One walk through the workshop in one browser context; ``log`` receives a line per thing done."""

    def __init__(
        self,
        context: Any,
        lab: Lab,
        *,
        log: Callable[[str], None] = print,
        timeout_s: float = 30.0,
        pause_s: float = 0.0,
    ) -> None:
        self.context = context
        self.lab = lab
        self.log = log
        self.timeout_s = timeout_s
        self.pause_s = pause_s  # a beat between steps, so people watching a headful Chrome can follow
        self.started = time.monotonic()
        # Only what arrives from now on is this walk's (the ad tech may hold earlier runs' reports).
        self.since = datetime.now(UTC) - timedelta(seconds=1)
        self.page = context.new_page()
        self.page.set_default_timeout(timeout_s * 1000)
        self.result = WalkResult()
        self._seen_reports: set[int] = set()

    # --- what the ad tech saw ------------------------------------------------------------

    def _dashboard(self) -> dict[str, Any]:
        """The ad tech's dashboard JSON, fetched by a tab on the ad tech's own origin."""
        if not hasattr(self, "_adtech_tab"):
            self._adtech_tab = self.context.new_page()
            self._adtech_tab.goto(self.lab.adtech + "/")
        answer = self._adtech_tab.evaluate(
            "async () => { const r = await fetch('/api/dashboard?limit=200', {cache: 'no-store'});"
            " return r.ok ? {data: await r.json()} : {error: 'HTTP ' + r.status}; }"
        )
        if "error" in answer:
            raise WalkFailed(
                f"the ad tech's {self.lab.adtech}/api/dashboard answered {answer['error']}: is the demo migrated "
                "(`python manage.py migrate`) and up to date?"
            )
        return answer["data"]

    def chrome_reports(self) -> list[dict[str, Any]]:
        """Reports the ad tech received from a real Chrome, oldest first."""
        return self._mine(self._dashboard()["reports"])

    def _mine(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Rows from a real Chrome received since this walk started, oldest first."""
        rows = [r for r in rows if r["browser"]["key"] == "chrome" and _when(r["received_at"]) >= self.since]
        return sorted(rows, key=lambda r: r["id"])

    def _say(self, text: str) -> None:
        self.log(f"[{time.monotonic() - self.started:6.1f}s] {text}")

    def _pause(self) -> None:
        if self.pause_s:
            self.page.wait_for_timeout(self.pause_s * 1000)

    def _announce_new_reports(self) -> list[dict[str, Any]]:
        reports = self.chrome_reports()
        for r in reports:
            if r["id"] in self._seen_reports or r["status"] == "pending":
                continue  # pending: a worker has not decoded it yet; said once it has
            self._seen_reports.add(r["id"])
            what = r.get("event") or (r.get("decoded") or {}).get("event") or ""
            self._say(
                f"  ad tech received from {r['browser']['label']}: {r['kind_label']}"
                + (f" ({what})" if what else "")
                + f", {r['status']}"
            )
        return reports

    # --- the steps -----------------------------------------------------------------------

    def see_the_ads(self) -> None:
        page = self.page
        page.goto(self.lab.news + "/")
        page.wait_for_function("() => window.attributionLab && window.attributionLab.loaded")
        if page.evaluate("() => window.attributionLab.native") is not True:
            raise WalkFailed(
                "the news site's shim did not detect native ARA in this browser, so it would simulate it: "
                "is this a Chrome of version 151 or older, started with the native-mode flags?"
            )
        self._say(f"{self.lab.news}/ — the shim detected native ARA and stepped aside")
        for slot in page.locator("iframe[data-ad-slot]").all():
            name = slot.get_attribute("data-ad-slot")
            slot.content_frame.locator("a[attributionsrc]").wait_for()
            self._say(
                f"  ad frame '{name}' loaded: its <img attributionsrc> asks the ad tech to register a view"
            )
        self._pause()

    def click_the_tent_ad(self) -> None:
        ad = self.page.frame_locator("iframe[data-ad-slot=front-leaderboard]").locator("a[attributionsrc]")
        self._say("clicking the tent ad: <a attributionsrc> registers a click (navigation source)")
        ad.click()
        self.page.wait_for_url(re.compile(r".*/products/tent-2p$"))
        self._say(f"{self.page.url} — the product page's conversion pixel registers a product-view trigger")
        self._pause()

    def buy_the_tent(self) -> None:
        page = self.page
        page.get_by_role("button", name="Add to cart").click()
        page.locator("#added").wait_for(state="visible")
        self._say("added to the cart: fetch(..., {attributionReporting}) registers an add-to-cart trigger")
        self._pause()
        page.locator("#added a").click()
        page.get_by_role("link", name="Check out →").click()
        self._say(f"{page.url} — checking out")
        page.get_by_role("button", name=re.compile("Place order")).click()
        page.wait_for_url(re.compile(r".*/orders/TH-[0-9A-F]+/$"))
        self.result.order_id = page.locator("[data-order-id]").inner_text().strip()
        self._say(
            f"{page.url} — order {self.result.order_id}: <script attributionsrc> registers the purchase trigger"
        )
        self._pause()

    def wait_for_reports(self) -> list[dict[str, Any]]:
        """Until Chrome's event-level report of the purchase and an aggregatable report per
        event-level one have arrived (bounded by ``timeout_s``)."""
        self._say("waiting for Chrome's reports (debug mode sends them at once)")
        deadline = time.monotonic() + self.timeout_s
        while True:
            reports = self._announce_new_reports()
            kinds = Counter(r["kind"] for r in reports)
            purchase = any(r["kind"] == "event-level" and r.get("event") == "purchase" for r in reports)
            if purchase and kinds["aggregatable"] >= kinds["event-level"] and _all_processed(reports):
                break
            if time.monotonic() > deadline:
                raise WalkFailed(
                    f"after {self.timeout_s:g}s the ad tech has these reports from Chrome: {dict(kinds) or 'none'}; "
                    "expected an event-level report of the purchase and the aggregatable reports"
                )
            self.page.wait_for_timeout(250)
        self._tally(reports)
        return reports

    def _tally(self, reports: list[dict[str, Any]]) -> None:
        registrations = self._mine(self._dashboard()["registrations"])
        self.result.reports = Counter(r["kind"] for r in reports)
        self.result.registrations = Counter(r["kind"] for r in registrations if r["status"] == "answered")
        clicks = [r for r in registrations if r["kind"] == "source" and "type=click" in (r["url"] or "")]
        first_event = next((r for r in reports if r["kind"] == "event-level"), None)
        if clicks and first_event:
            elapsed = _when(first_event["received_at"]) - _when(clicks[0]["received_at"])
            self.result.click_to_first_event_report_s = elapsed.total_seconds()

    def summary_report(self, *, debug_run: bool = False) -> dict[str, Any] | None:
        """Asks the ad tech for a summary report, as step 7 does, and reads it when the job is done.

        None (said why) when the ad tech made no new job: e.g. this hour's reports were already
        aggregated once, which the privacy budget allows only once.
        """
        page = self.page
        page.goto(self.lab.adtech + "/summaries/")
        jobs = "table a[href^='/summaries/']"
        before = {a.inner_text().strip() for a in page.locator(jobs).all()}
        if debug_run:
            page.locator("input[name=debug_run]").check()
        page.get_by_role("button", name="Create summary report").click()
        page.wait_for_load_state()
        new = [t for t in (a.inner_text().strip() for a in page.locator(jobs).all()) if t not in before]
        if not new:
            said = " ".join(m.inner_text().strip() for m in page.locator(".messages li").all())
            self._say(
                f"the ad tech made no new summary report: {said or 'no message'} "
                "(a batch can be aggregated once: reset in the guide to start again, or ask for a debug run)"
            )
            return None
        job = new[0]
        self._say(
            f"ad tech batched the aggregatable reports: aggregation job {job}"
            + (" (debug run)" if debug_run else "")
        )
        detail = f"{self.lab.adtech}/summaries/{job}/"
        deadline = time.monotonic() + self.timeout_s
        while True:
            page.goto(detail)
            text = page.locator("main").inner_text()
            if "FINISHED" in text:
                break
            if time.monotonic() > deadline:
                raise WalkFailed(
                    f"aggregation job {job} did not finish within {self.timeout_s:g}s: {text[:300]}"
                )
            page.wait_for_timeout(500)
        rows = page.evaluate(
            """() => [...document.querySelectorAll('main table')].slice(1, 2).flatMap((t) =>
                 [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.cells].map((c) => c.innerText.trim())))"""
        )
        summary = {"job_request_id": job, "url": detail, "rows": [r for r in rows if len(r) >= 4]}
        self._say(f"summary report {detail}")
        for label, noised, exact, noise, *_ in summary["rows"]:
            self._say(f"  {label.splitlines()[0]}: summary {noised}, exact {exact} (noise {noise})")
        self.result.summary = summary
        return summary

    def run(
        self, *, summary: bool = True, debug_run: bool = False, wait_for_reports: bool = True
    ) -> WalkResult:
        self.see_the_ads()
        self.click_the_tent_ad()
        self.buy_the_tent()
        if wait_for_reports:
            self.wait_for_reports()
            self._say(
                "Chrome's reports at the ad tech: "
                + ", ".join(f"{n} {k}" for k, n in sorted(self.result.reports.items()))
            )
            if self.result.click_to_first_event_report_s is not None:
                self._say(
                    f"first event-level report {self.result.click_to_first_event_report_s:.2f}s after the click"
                )
            if summary:
                self.summary_report(debug_run=debug_run)
        return self.result


def _all_processed(reports: list[dict[str, Any]]) -> bool:
    return all(r["status"] != "pending" for r in reports)


def _when(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))
