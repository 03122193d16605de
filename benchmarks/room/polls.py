"""What an open page polls, as its scripts do: the scripts a page loads decide its polls.

A page's polls run from the moment its answer arrives until its tab navigates on (the next page's
answer arrived) or closes: a poll waiting for its next turn stops at once, one in flight finishes
(a browser would drop the answer, but the server has done the work). Every page counts as visible:
the guide stays open beside the party pages for the whole walk (two windows side by side; in a
background tab ``steps.js`` would wait for the tab to be shown, ``worker-status.js`` would not).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

if TYPE_CHECKING:
    from .attendee import Attendee

SCRIPT = re.compile(r'<script[^>]*\ssrc="[^"]*/static/([\w/.-]+?)\.js"')
NEXT_REPORT = re.compile(r'<span id="next-report">([^<]*)</span>')
JOB_BOX = re.compile(r'<section[^>]*id="job-progress"[^>]*>')


@dataclass(frozen=True)
class PollTimes:
    """Seconds, as the scripts set them."""

    guide_steps: float = 3.0  # guide/steps.js: at once, then 3 s after each answer, until all steps are done
    worker_status: float = 5.0  # guide/worker-status.js: setInterval 5 s
    internals: float = 2.0  # browser/internals.js: setInterval 2 s ...
    internals_quiet: float = 60.0  # ... until nothing was pending for a minute
    dashboard: float = 3.0  # adtech/dashboard.js POLL_MS: at once, then 3 s after each answer ...
    dashboard_idle: float = 120.0  # ... until nothing new and nothing pending for 2 minutes
    live: float = 2.0  # common/live.js (summary and job lists): 2 s after each answer while busy
    job: float = 1.0  # aggregation/job.js: 1 s after each answer until the job is finished
    follow_first: float = 0.3  # browser/shim.js follow(): 300 ms after a click through /navigate ...
    follow_next: float = 0.5  # ... then 500 ms while the registrations are pending,
    follow_error: float = 1.0  # 1 s after a failed fetch,
    follow_tries: int = 40  # 40 tries at most
    instructor: float = 3.0  # room/instructor.js: setInterval 3 s

    def scaled(self, factor: float) -> PollTimes:
        """The same polls, faster or slower (tests run them at a fraction of the real pace)."""
        return replace(
            self, **{f.name: getattr(self, f.name) * factor for f in fields(self) if f.name != "follow_tries"}
        )


class Page:
    """One open page: its polls share ``closed``, set when the tab leaves the page."""

    def __init__(self, attendee: Attendee, sub: str, path: str) -> None:
        self.attendee, self.sub, self.path = attendee, sub, path
        self.closed = asyncio.Event()

    async def wait(self, seconds: float) -> bool:
        """Sleeps ``seconds``; True if the page was left meanwhile."""
        try:
            await asyncio.wait_for(self.closed.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def every(
        self, seconds: float, fetch: Callable[[], Awaitable[Any]], due: Callable[[], bool] = lambda: True
    ) -> None:
        """``setInterval``: a fetch every ``seconds`` whatever the answers take (they may overlap)."""
        start, ticks = time.monotonic(), 0
        while True:
            ticks += 1
            if await self.wait(max(0.0, start + ticks * seconds - time.monotonic())):
                return
            if due():
                self.attendee.spawn(fetch())


def _json(response: httpx.Response | None, *, any_status: bool = False) -> dict | None:
    """The answer's JSON object, as the script reads it (most read only a 200's)."""
    if response is None or (response.status_code != 200 and not any_status):
        return None
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _attr(html: str, name: str) -> str:
    found = re.search(rf'\s{name}="([^"]*)"', html)
    return found.group(1) if found else ""


def for_page(page: Page, html: str) -> list[Coroutine[Any, Any, None]]:
    """The polls of a page with this HTML, one per script that polls."""
    scripts = set(SCRIPT.findall(html))
    polls: list[Coroutine[Any, Any, None]] = []
    if "guide/steps" in scripts and _attr(html, "data-steps-url"):
        polls.append(guide_steps(page, _attr(html, "data-steps-url"), html.count('data-step="')))
    if "guide/worker-status" in scripts and _attr(html, "data-status-url"):
        polls.append(worker_status(page, _attr(html, "data-status-url")))
    if "browser/internals" in scripts:
        next_report = NEXT_REPORT.search(html)
        polls.append(internals(page, bool(next_report) and next_report.group(1).strip() != "none waiting"))
    if "adtech/dashboard" in scripts:
        polls.append(dashboard(page))
    if "common/live" in scripts and "data-live-busy" in html:
        polls.append(live(page))
    box = JOB_BOX.search(html)
    if "aggregation/job" in scripts and box and _attr(box.group(0), "data-status") != "FINISHED":
        polls.append(job(page, _attr(box.group(0), "data-url")))
    return polls


async def guide_steps(page: Page, url: str, total: int) -> None:
    """``guide/steps.js``: the attendee's steps, until the page shows every one done."""
    a = page.attendee
    while True:
        data = _json(await a.poll(page.sub, url))
        if data is not None and total and data.get("done") == total:
            return
        if await page.wait(a.times.guide_steps):
            return


async def worker_status(page: Page, url: str) -> None:
    """``guide/worker-status.js``: whether a Celery worker is up."""
    await page.every(page.attendee.times.worker_status, lambda: page.attendee.poll(page.sub, url))


async def internals(page: Page, pending: bool) -> None:
    """``browser/internals.js``: the tables again, while something is pending or for a minute."""
    a = page.attendee
    state = {"pending": pending, "quiet_since": time.monotonic()}

    async def refresh() -> None:
        data = _json(await a.poll(page.sub, "/api/internals"))
        if data is not None:
            state["pending"] = bool((data.get("state") or {}).get("next_report_time"))

    def due() -> bool:
        if state["pending"]:
            state["quiet_since"] = time.monotonic()
        return time.monotonic() - state["quiet_since"] <= a.times.internals_quiet

    await page.every(a.times.internals, refresh, due)


async def dashboard(page: Page) -> None:
    """``adtech/dashboard.js``: the ad tech's reports, until nothing changed for two minutes."""
    a = page.attendee
    last, last_change = "", time.monotonic()
    while True:
        response = await a.poll(page.sub, "/api/dashboard")
        data = _json(response)
        if data is not None:
            by_status = (data.get("summary") or {}).get("reports_by_status") or {}
            pending = any(s.get("pending") for s in by_status.values() if isinstance(s, dict))
            if response.text != last or pending:
                last_change = time.monotonic()
            last = response.text
        if time.monotonic() - last_change > a.times.dashboard_idle or await page.wait(a.times.dashboard):
            return


async def live(page: Page) -> None:
    """``common/live.js``: the page itself again while it says a job is in progress."""
    a = page.attendee
    while not await page.wait(a.times.live):
        response = await a.poll(page.sub, page.path, headers={"Accept": "text/html"})
        if response is not None and response.status_code == 200 and "data-live-busy" not in response.text:
            return


async def job(page: Page, url: str) -> None:
    """``aggregation/job.js``: the job's progress; the page reloads once it is finished."""
    a = page.attendee
    while not await page.wait(a.times.job):
        data = _json(await a.poll(page.sub, url, headers={"Accept": "application/json"}))
        if data is not None and data.get("job_status") == "FINISHED":
            await a.open(page.sub, page.path)
            return


async def follow(page: Page, token: str, frame_origin: str) -> None:
    """``browser/shim.js`` ``follow()``: a frame whose link navigated its top page through
    ``/navigate`` asks how the navigation's registrations went until it has an answer, the tries
    run out, or the top page's navigation commits and the frame is gone."""
    a = page.attendee
    delay = a.times.follow_first
    for _ in range(a.times.follow_tries):
        if await page.wait(delay):
            return
        answer = _json(
            await a.poll(
                "browser",
                f"/api/navigations/{quote(token, safe='')}",
                label="/api/navigations/<token>",
                headers={"Origin": frame_origin},
                cookies=False,
                profile=a.token,
            ),
            any_status=True,
        )
        if answer is not None and not answer.get("pending") and answer.get("registrations"):
            return
        delay = a.times.follow_next if answer is not None else a.times.follow_error


async def instructor(page: Page, key: str) -> None:
    """``room/instructor.js``: every attendee's progress, with the key as a bearer token."""
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
    a = page.attendee
    await page.every(
        a.times.instructor, lambda: a.poll("", "/room/instructor/progress.json", headers=headers)
    )
