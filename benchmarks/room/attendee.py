"""One attendee's browser: cookies per host, two tabs (the guide and the party pages) whose open
pages poll, the shim's and the service worker's requests, every request timed."""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
import uuid
from collections.abc import Coroutine
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from . import polls
from .lab import UA, Lab, Tally

SHIM_TAG = re.compile(r'<script src="[^"]*/shim\.js"[^>]*>')
DATA_PROFILE = re.compile(r'\sdata-profile="([^"]*)"')
WORKER_URL = re.compile(r'register\("(/attributionlab-sw\.js\?[^"]*)"')
PROFILE_COOKIE = "attributionlab-profile"


class Tab:
    """A browser tab: the page open in it, whose polls stop when the tab navigates on or closes."""

    def __init__(self) -> None:
        self.page: polls.Page | None = None

    def close(self) -> None:
        if self.page is not None:
            self.page.closed.set()


class Attendee:
    """One person's browser: cookies per host name (as a browser keys them: no port), the profile
    token its pages hand to the shim and to the service worker, and the polls of its open pages.

    The guide has a tab of its own for the whole walk; the party pages open in the other tab.
    """

    def __init__(
        self,
        lab: Lab,
        http: httpx.AsyncClient,
        tally: Tally,
        think: float,
        times: polls.PollTimes | None = None,
    ) -> None:
        self.lab, self.http, self.tally, self.think = lab, http, tally, think
        self.times = times or polls.PollTimes()
        self.cookies: dict[str, dict[str, str]] = {}
        self.token = ""  # what ``data-profile`` on the last page's shim tag said
        self.worker_token = ""  # the ``profile`` in the service worker's script URL
        self.joined = ""  # the token ``POST /room/api/join`` gave
        self.guide, self.tab = Tab(), Tab()
        self.background: set[asyncio.Task] = set()
        self.left = False  # both tabs closed: a page opened now (a poll's reload) polls no more
        self.requests = 0  # made by this attendee, polls included
        self.polls = 0
        self.seconds = 0.0  # from the first request of the walk to the last

    def jar(self, sub: str) -> dict[str, str]:
        return self.cookies.setdefault(self.lab.host(sub).split(":")[0], {})

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        """Runs beside the walk (a page's poll); :meth:`leave` waits for it."""
        task = asyncio.create_task(work)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def leave(self) -> None:
        """Closes both tabs: polls stop, and those in flight are waited for."""
        self.left = True
        self.guide.close()
        self.tab.close()
        while self.background:
            await asyncio.gather(*list(self.background), return_exceptions=True)

    async def join(self) -> None:
        """``POST /room/api/join``: a profile of one's own; its token becomes every party host's cookie."""
        joined = await self.request("action", "POST", "", "/room/api/join", expect=(201,))
        if joined.status_code != 201:
            raise RuntimeError(f"POST /room/api/join answered {joined.status_code}: {joined.text[:200]}")
        data = joined.json()
        for host, token in data["cookies"].items():
            self.cookies.setdefault(host.split(":")[0], {})[PROFILE_COOKIE] = token
        self.joined = self.token = self.worker_token = data["token"]

    async def request(
        self,
        kind: str,
        method: str,
        sub: str,
        path: str,
        *,
        expect: tuple[int, ...] = (200,),
        headers: dict[str, str] | None = None,
        profile: str = "",
        label: str = "",
        poll: bool = False,
        cookies: bool = True,
        **kw: Any,
    ) -> httpx.Response:
        """One request; ``profile`` is the token the shim or the worker adds as ``?profile=``;
        ``label`` names a path with an id in it, so its timings are counted together."""
        host = self.lab.host(sub)
        if profile:
            path += ("&" if "?" in path else "?") + urlencode({"profile": profile})
        jar = self.jar(sub)
        sent = {"Host": host, "User-Agent": UA, **(headers or {})}
        if jar and cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        self.requests += 1
        self.polls += poll
        started = time.perf_counter()
        response = await self.http.request(method, self.lab.connect + path, headers=sent, **kw)
        name = f"{method} {host.split('.')[0] if sub else 'guide'} {label or path.split('?')[0]}"
        self.tally.add(kind, ("poll " if poll else "") + name, time.perf_counter() - started)
        if cookies:
            for cookie in response.cookies.jar:
                jar[cookie.name] = cookie.value
        if response.status_code >= 500:
            self.tally.server_errors += 1
        if response.status_code not in expect:
            self.tally.unexpected.append(f"{method} {sub or 'guide'}{path[:80]} -> {response.status_code}")
        return response

    async def submit(
        self, sub: str, path: str, form: dict[str, str], *, page: str, expect: tuple[int, ...]
    ) -> httpx.Response:
        """A form posted from the party page at ``page`` (its Origin and Referer, as a browser sends)."""
        origin = self.lab.origin(sub)
        headers = {"Origin": origin, "Referer": origin + page}
        return await self.request("action", "POST", sub, path, data=form, expect=expect, headers=headers)

    async def poll(self, sub: str, path: str, **kw: Any) -> httpx.Response | None:
        """A page script's fetch: a page request; a failed one is noted, and the script goes on."""
        try:
            return await self.request("page", "GET", sub, path, poll=True, **kw)
        except httpx.HTTPError as exc:
            self.tally.unexpected.append(f"poll {sub or 'guide'}{path[:60]}: {type(exc).__name__}")
            return None

    async def pause(self) -> None:
        if self.think:
            await asyncio.sleep(self.think * random.uniform(0.5, 1.5))

    async def _document(
        self, sub: str, path: str, dest: str, headers: dict[str, str], label: str = ""
    ) -> httpx.Response:
        """A navigation's answer; a first visit gets the service worker's bootstrap first."""
        nav = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": dest, **headers}
        response = await self.request("page", "GET", sub, path, headers=nav, label=label)
        worker = WORKER_URL.search(response.text)
        if worker and b"/shim.js" not in response.content:
            url = worker.group(1)
            await self.request("page", "GET", sub, url)
            self.worker_token = parse_qs(urlsplit(url).query).get("profile", [""])[0]
            self.jar(sub)["attributionlab-sw"] = "1"
            response = await self.request("page", "GET", sub, path, headers=nav, label=label)
        return response

    async def _shim(self, sub: str, path: str, response: httpx.Response) -> None:
        """The page's shim: its ``data-profile`` is the token of the requests it makes."""
        shim = SHIM_TAG.search(response.text)
        if shim:
            given = DATA_PROFILE.search(shim.group(0))
            self.token = given.group(1) if given else ""
            if self.token != self.joined:
                self.tally.unexpected.append(
                    f"{sub} {path[:60]}: the shim's data-profile is not the joined token"
                )
            await self.request("page", "GET", "browser", "/shim.js")

    async def open(
        self, sub: str, path: str, *, tab: Tab | None = None, label: str = "", **headers: str
    ) -> tuple[httpx.Response, polls.Page]:
        """A navigation of a tab (the party tab unless told): once the answer is in, the page that
        was open is left and this one's polls start."""
        tab = tab or self.tab
        response = await self._document(sub, path, "document", headers, label)
        tab.close()
        tab.page = polls.Page(self, sub, path)
        for poll in [] if self.left else polls.for_page(tab.page, response.text):
            self.spawn(poll)
        await self._shim(sub, path, response)
        return response, tab.page

    async def frame(self, sub: str, path: str, **headers: str) -> httpx.Response:
        """An iframe of the open page."""
        response = await self._document(sub, path, "iframe", headers)
        await self._shim(sub, path, response)
        return response

    async def register(self, url: str, page_origin: str, frame_origin: str, referrer: str) -> None:
        """What the shim posts for an ``attributionsrc`` it hands over (the ad frames' view sources)."""
        payload = {
            "mechanism": "img",
            "url": url,
            "context_origin": page_origin,
            "frame_origin": frame_origin,
            "referrer": referrer,
            "user_agent": UA,
            "event_source_eligible": True,
            "trigger_eligible": True,
        }
        await self.request(
            "registration",
            "POST",
            "browser",
            "/api/registrations",
            content=json.dumps(payload),
            headers={"Content-Type": "text/plain", "Origin": frame_origin},
            expect=(201,),
            profile=self.token,
        )

    async def network(self, url: str, mechanism: str, destination: str, mode: str, page: str) -> None:
        """What the service worker (or the shim, for fetch) posts: the page's own request, made once."""
        origin = self.lab.origin(page)
        envelope = {
            "url": url,
            "method": "GET",
            "headers": [],
            "mechanism": mechanism,
            "destination": destination,
            "mode": mode,
            "credentials": "include" if mode == "no-cors" else "same-origin",
            "context_origin": origin,
            "frame_origin": origin,
            "referrer": "",
            "user_agent": UA,
            "event_source_eligible": mechanism != "fetch",
            "trigger_eligible": True,
        }
        query = urlencode({"rid": uuid.uuid4().hex[:16], "r": json.dumps(envelope)})
        await self.request(
            "registration",
            "POST",
            "browser",
            f"/network?{query}",
            headers={"Content-Type": "text/plain", "Origin": origin},
            expect=(200, 204),
            profile=self.worker_token,
        )
