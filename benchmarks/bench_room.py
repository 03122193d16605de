"""A workshop room under load: N attendees walk the seven steps at once against ``make room``.

Each attendee is an HTTP client with cookies of its own that makes the requests a browser and
the page's shim make during the workshop: the pages (guide, news home with its two ad frames,
the shop's product, cart, checkout and order pages, attribution internals, the ad tech's
dashboard and summaries), the guide's polling, the registrations the shim and the service
worker hand to the simulated browser (``POST /api/registrations``, ``POST /network``, the
click through ``/navigate``), "send all pending reports", and "Create summary report". Then
the benchmark waits for every event-level and aggregatable report the simulated browser made
to be processed at the ad tech.

In room mode each attendee first joins (``POST /room/api/join`` on the guide host answers 201
with ``{"profile", "token", "cookies": {host: token}}``, hosts without the port) and keeps the
token as the ``attributionlab-profile`` cookie of every party host. The requests the shim and its
service worker make to the browser host carry ``profile=<token>`` as they do: the token read from
``data-profile`` on the page's shim tag, the worker's from its script URL; the ad frames get it
in their ``src`` as the publisher's slot writes it. A server without room mode (404) is walked
with its one default profile, and the output says so.

Printed per N: latency percentiles (p50, p95, p99) of page and registration requests, 5xx
answers, the server's CPU seconds per attendee (a room this starts), reports lost (sent by the
browser but not processed at the ad tech; must be 0), reports the browser still holds unsent after
a last "send all", and the ratio of p95 at the largest N to p95 at N=1.

    .venv/bin/python -m benchmarks.bench_room [--attendees 1 50] [--url http://localhost:8616]
        [--think 1.0] [--port 8617] [--web-workers 5] [--database-url postgres://...]
        [--instructor-key KEY]

Each run starts from an empty room (the instructor's reset) when the key is known: always for a
room this starts, with ``--url`` when ``--instructor-key`` (or ``ARA_ROOM_INSTRUCTOR_KEY``) is given.

Without ``--url`` it starts ``manage.py runroom`` on this machine (PostgreSQL from
``--database-url``/``DATABASE_URL``, else the local one with a database of its own; Redis from
``CELERY_BROKER_URL``, else the local one, on a queue of its own) and stops it at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/attribution_lab_bench"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SHIM_TAG = re.compile(r'<script src="[^"]*/shim\.js"[^>]*>')
DATA_PROFILE = re.compile(r'\sdata-profile="([^"]*)"')
WORKER_URL = re.compile(r'register\("(/attributionlab-sw\.js\?[^"]*)"')
PROFILE_COOKIE = "attributionlab-profile"
SENT_KINDS = {"event-level": "event-level", "aggregatable": "aggregatable"}  # browser kind -> ad tech type


@dataclass
class Lab:
    """Where the room is: the address to connect to and the host names of the parties."""

    connect: str  # scheme://address:port the client connects to
    scheme: str
    domain: str
    port: int

    def host(self, sub: str) -> str:
        name = f"{sub}.{self.domain}" if sub else self.domain
        default = 443 if self.scheme == "https" else 80
        return name if self.port == default else f"{name}:{self.port}"

    def origin(self, sub: str) -> str:
        return f"{self.scheme}://{self.host(sub)}"

    @classmethod
    def from_url(cls, url: str) -> Lab:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = "127.0.0.1" if parts.hostname in ("localhost", "127.0.0.1") else parts.hostname
        domain = "localhost" if parts.hostname == "127.0.0.1" else parts.hostname
        return cls(f"{parts.scheme}://{address}:{port}", parts.scheme, domain, port)


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(
        default_factory=lambda: {"page": [], "registration": [], "action": []}
    )
    by_request: dict[str, list[float]] = field(default_factory=dict)
    server_errors: int = 0
    unexpected: list[str] = field(default_factory=list)


class Attendee:
    """One person's browser: cookies per host name (as a browser keys them: no port), the profile
    token its pages hand to the shim and to the service worker, every request timed."""

    def __init__(self, lab: Lab, http: httpx.AsyncClient, tally: Tally, think: float) -> None:
        self.lab, self.http, self.tally, self.think = lab, http, tally, think
        self.cookies: dict[str, dict[str, str]] = {}
        self.token = ""  # what ``data-profile`` on the last page's shim tag said
        self.worker_token = ""  # the ``profile`` in the service worker's script URL
        self.joined = ""  # the token ``POST /room/api/join`` gave

    def jar(self, sub: str) -> dict[str, str]:
        return self.cookies.setdefault(self.lab.host(sub).split(":")[0], {})

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
        **kw,
    ) -> httpx.Response:
        """One request; ``profile`` is the token the shim or the worker adds as ``?profile=``."""
        host = self.lab.host(sub)
        if profile:
            path += ("&" if "?" in path else "?") + urlencode({"profile": profile})
        jar = self.jar(sub)
        sent = {"Host": host, "User-Agent": UA, **(headers or {})}
        if jar:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        started = time.perf_counter()
        response = await self.http.request(method, self.lab.connect + path, headers=sent, **kw)
        elapsed = time.perf_counter() - started
        self.tally.latencies[kind].append(elapsed)
        name = f"{method} {host.split('.')[0] if sub else 'guide'} {path.split('?')[0]}"
        self.tally.by_request.setdefault(name, []).append(elapsed)
        for cookie in response.cookies.jar:
            jar[cookie.name] = cookie.value
        if response.status_code >= 500:
            self.tally.server_errors += 1
        if response.status_code not in expect:
            self.tally.unexpected.append(f"{method} {sub or 'guide'}{path[:80]} -> {response.status_code}")
        return response

    async def pause(self) -> None:
        if self.think:
            await asyncio.sleep(self.think * random.uniform(0.5, 1.5))

    async def page(self, sub: str, path: str, *, dest: str = "document", **headers: str) -> httpx.Response:
        """A navigation to a party page; a first visit gets the service worker's bootstrap first."""
        nav = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": dest, **headers}
        response = await self.request("page", "GET", sub, path, headers=nav)
        worker = WORKER_URL.search(response.text)
        if worker and b"/shim.js" not in response.content:
            url = worker.group(1)
            await self.request("page", "GET", sub, url)
            self.worker_token = parse_qs(urlsplit(url).query).get("profile", [""])[0]
            self.jar(sub)["attributionlab-sw"] = "1"
            response = await self.request("page", "GET", sub, path, headers=nav)
        shim = SHIM_TAG.search(response.text)
        if shim:
            given = DATA_PROFILE.search(shim.group(0))
            self.token = given.group(1) if given else ""
            if self.token != self.joined:
                self.tally.unexpected.append(
                    f"{sub} {path[:60]}: the shim's data-profile is not the joined token"
                )
            await self.request("page", "GET", "browser", "/shim.js")
        return response

    async def poll_guide(self) -> None:
        await self.request("page", "GET", "", "/steps.json")

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
        headers = {"Content-Type": "text/plain", "Origin": frame_origin}
        await self.request(
            "registration",
            "POST",
            "browser",
            "/api/registrations",
            content=json.dumps(payload),
            headers=headers,
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
        headers = {"Content-Type": "text/plain", "Origin": origin}
        await self.request(
            "registration",
            "POST",
            "browser",
            f"/network?{query}",
            headers=headers,
            expect=(200, 204),
            profile=self.worker_token,
        )


def _csrf(response: httpx.Response) -> str:
    found = CSRF_FIELD.search(response.text)
    return found.group(1) if found else ""


async def walk(attendee: Attendee, room: bool) -> None:
    """The seven steps, as one attendee clicks through them."""
    a, lab = attendee, attendee.lab
    news, shop, ad, browser = (lab.origin(s) for s in ("news", "shop", "adtech", "browser"))
    if room:
        await a.join()
    await a.page("", "/")
    await a.poll_guide()
    await a.pause()
    # (1) See an ad: the news home and its two ad frames, each registering a view source.
    await a.page("news", "/")
    for slot, creative, campaign in (
        ("front-leaderboard", "tent-leaderboard", "trail-tents"),
        ("front-sidebar", "boots-square", "winter-boots"),
    ):
        frame = f"/ads/serve?slot={slot}&creative={creative}"
        # The publisher's slot passes the attendee's token on to the frame, as the shim's does.
        framed = frame + (f"&{urlencode({'profile': a.token})}" if a.token else "")
        await a.page("adtech", framed, dest="iframe")
        source = f"{ad}/register/source?campaign={campaign}&creative={creative}&type=view"
        await a.register(source, news, ad, ad + frame)
    await a.poll_guide()
    await a.pause()
    # (2) Click the tent ad: the navigation passes through the simulated browser, then the product page.
    click = {
        "mechanism": "anchor",
        "token": str(uuid.uuid4()),
        "href": f"{shop}/products/tent-2p",
        "context_origin": news,
        "frame_origin": ad,
        "src": f"{ad}/register/source?campaign=trail-tents&creative=tent-leaderboard&type=click",
    }
    activated = {
        "Sec-Fetch-Mode": "navigate",
        "Sec-Fetch-Dest": "document",
        "Sec-Fetch-Site": "cross-site",
        "Sec-Fetch-User": "?1",
        "Referer": f"{ad}/ads/serve?slot=front-leaderboard&creative=tent-leaderboard",
    }
    await a.request(
        "registration",
        "GET",
        "browser",
        f"/navigate?{urlencode(click)}",
        expect=(302,),
        headers=activated,
        profile=a.token,
    )
    product = await a.page("shop", "/products/tent-2p")
    trigger = f"{ad}/register/trigger?event=product-view&category=tents&product=tent-2p"
    await a.network(trigger, "img", "image", "no-cors", "shop")
    await a.poll_guide()
    await a.pause()
    # (3) Add to cart (a fetch trigger), check out, the thank-you page's purchase trigger.
    form = {"csrfmiddlewaretoken": _csrf(product), "sku": "tent-2p", "quantity": "1"}
    await a.request(
        "action",
        "POST",
        "shop",
        "/cart/add",
        data=form,
        expect=(200, 302),
        headers={"Origin": shop, "Referer": f"{shop}/products/tent-2p"},
    )
    trigger = f"{ad}/register/trigger?event=add-to-cart&value=24900&category=tents&product=tent-2p"
    await a.network(trigger, "fetch", "", "cors", "shop")
    await a.page("shop", "/cart/")
    checkout = await a.page("shop", "/checkout/")
    order = {"csrfmiddlewaretoken": _csrf(checkout), "name": "Ada Walker", "email": "ada@example.com"}
    placed = await a.request(
        "action",
        "POST",
        "shop",
        "/checkout/",
        data=order,
        expect=(302,),
        headers={"Origin": shop, "Referer": f"{shop}/checkout/"},
    )
    order_path = urlsplit(placed.headers.get("Location", "/orders/TH-00000000/")).path
    await a.page("shop", order_path)
    order_id = order_path.rstrip("/").rsplit("/", 1)[-1]
    trigger = f"{ad}/register/trigger?event=purchase&value=24900&currency=USD&order={order_id}&category=tents&product=tent-2p"
    await a.network(trigger, "script", "script", "no-cors", "shop")
    await a.poll_guide()
    await a.pause()
    # (4) Attribution internals; (5) send the pending reports now.
    await a.page("browser", "/")
    await a.request("page", "GET", "browser", "/api/internals")
    token = a.jar("browser").get("csrftoken", "")
    headers = {
        "Content-Type": "application/json",
        "X-CSRFToken": token,
        "Origin": browser,
        "Referer": browser + "/",
    }
    await a.request("action", "POST", "browser", "/api/actions/send-all", content="{}", headers=headers)
    await a.request("page", "GET", "browser", "/api/internals")
    await a.poll_guide()
    await a.pause()
    # (6) The ad tech's dashboard; (7) a summary report.
    await a.page("adtech", "/")
    await a.request("page", "GET", "adtech", "/api/dashboard")
    await a.pause()
    summaries = await a.page("adtech", "/summaries/")
    form = {"csrfmiddlewaretoken": _csrf(summaries), "epsilon": "10"}
    await a.request(
        "action",
        "POST",
        "adtech",
        "/summaries/create",
        data=form,
        expect=(302, 303),
        headers={"Origin": ad, "Referer": f"{ad}/summaries/"},
    )
    await a.page("adtech", "/summaries/")
    await a.poll_guide()


async def _browser_reports(http: httpx.AsyncClient, lab: Lab, token: str) -> list[dict]:
    query = urlencode({"limit": 500, **({"profile": token} if token else {})})
    response = await http.get(f"{lab.connect}/api/reports?{query}", headers={"Host": lab.host("browser")})
    response.raise_for_status()
    return [r for r in response.json() if r["kind"] in SENT_KINDS]


async def _adtech_reports(http: httpx.AsyncClient, lab: Lab) -> dict[str, str]:
    """report_id -> status at the ad tech, for the kinds compared (the API lists the newest 500 of a type)."""
    out: dict[str, str] = {}
    for kind in SENT_KINDS.values():
        response = await http.get(
            f"{lab.connect}/api/reports/?type={kind}", headers={"Host": lab.host("adtech")}
        )
        for row in response.json():
            if row["duplicate_of"] is None:
                out[f"{kind}:{row['report_id']}"] = row["status"]
    return out


async def _send_all(lab: Lab, token: str) -> None:
    """Presses "Send all pending reports" for one profile, outside the measurements."""
    async with httpx.AsyncClient(timeout=120) as http:
        someone = Attendee(lab, http, Tally(), 0)
        if token:
            someone.jar("browser")[PROFILE_COOKIE] = token
        await someone.request("page", "GET", "browser", "/")
        csrf = someone.jar("browser").get("csrftoken", "")
        origin = lab.origin("browser")
        headers = {
            "Content-Type": "application/json",
            "X-CSRFToken": csrf,
            "Origin": origin,
            "Referer": origin + "/",
        }
        await someone.request(
            "action", "POST", "browser", "/api/actions/send-all", content="{}", headers=headers
        )


async def reset_room(lab: Lab, key: str) -> None:
    """The instructor's "Reset the room": every run starts from empty parties, so runs compare."""
    async with httpx.AsyncClient(timeout=120) as http:
        response = await http.post(
            f"{lab.connect}/room/instructor/reset",
            headers={"Host": lab.host(""), "Authorization": f"Bearer {key}", "Accept": "application/json"},
        )
        response.raise_for_status()


async def run_room(lab: Lab, attendees: int, think: float, settle: float, key: str = "") -> dict:
    tally = Tally()
    limits = httpx.Limits(max_connections=8, max_keepalive_connections=8)
    if key:
        await reset_room(lab, key)
    async with httpx.AsyncClient(timeout=60, limits=limits) as probe:
        join = await probe.post(f"{lab.connect}/room/api/join", headers={"Host": lab.host("")})
        room = join.status_code == 201
        if not room and join.status_code != 404:
            raise RuntimeError(
                f"POST /room/api/join answered {join.status_code}, not 201 (or 404 off): {join.text[:300]} "
                "(a room given with --url needs ARA_ROOM_JOINS_PER_MINUTE and ARA_ROOM_MAX_ATTENDEES above "
                "the attendees of every run: they all join from this one address)"
            )
        # A room's attendees are new profiles; the one default profile may hold earlier reports.
        before = set() if room else {r["report_id"] for r in await _browser_reports(probe, lab, "")}
        clients = [
            httpx.AsyncClient(timeout=60, limits=limits, follow_redirects=False) for _ in range(attendees)
        ]
        people = [Attendee(lab, c, tally, think) for c in clients]
        started = time.perf_counter()
        try:
            results = await asyncio.gather(*(walk(p, room) for p in people), return_exceptions=True)
        finally:
            for c in clients:
                await c.aclose()
        walked = time.perf_counter() - started
        failures = [f"{type(r).__name__}: {r}" for r in results if isinstance(r, BaseException)]
        # What a walk left pending (a walk that failed before "send all") is sent now, untimed.
        tokens = [p.joined for p in people if p.joined] if room else [""]
        for token in tokens:
            await _send_all(lab, token)
        # Every event-level and aggregatable report the browser sent must be processed at the ad tech.
        deadline = time.monotonic() + settle
        while True:
            made: dict[str, str] = {}
            per_profile: list[int] = []  # each attendee's reports, in their own profile
            for token in tokens:
                mine = [r for r in await _browser_reports(probe, lab, token) if r["report_id"] not in before]
                per_profile.append(len(mine))
                for r in mine:
                    made[f"{SENT_KINDS[r['kind']]}:{r['report_id']}"] = r["status"]
            held = await _adtech_reports(probe, lab)
            unsent = [k for k, state in made.items() if state != "sent"]
            lost = [k for k, state in made.items() if state == "sent" and held.get(k) in (None, "pending")]
            if not (lost or unsent) or time.monotonic() > deadline:
                break
            await asyncio.sleep(1)
    return {
        "attendees": attendees,
        "room_mode": room,
        "seconds": round(walked, 1),
        "requests": sum(len(v) for v in tally.latencies.values()),
        "page": _percentiles(tally.latencies["page"]),
        "registration": _percentiles(tally.latencies["registration"]),
        "action": _percentiles(tally.latencies["action"]),
        "slowest_p95": dict(
            sorted(
                ((name, _percentiles(v)["p95_ms"]) for name, v in tally.by_request.items()),
                key=lambda item: -item[1],
            )[:6]
        ),
        "server_errors": tally.server_errors,
        "unexpected": len(tally.unexpected),
        "unexpected_examples": sorted(set(tally.unexpected))[:5],
        "walk_failures": failures[:5],
        "profiles": len(set(tokens)),
        "reports_per_profile": {"min": min(per_profile, default=0), "max": max(per_profile, default=0)},
        "reports_made": len(made),
        "reports_unsent_at_browser": len(unsent),
        "reports_lost": len(lost),
    }


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0, "p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0}
    ordered = sorted(values)

    def pct(p: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1)

    return {"n": len(ordered), "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99)}


def server_cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) of the process ``pid`` and its live descendants, from ``/proc``
    (None where there is none): the room's gunicorn workers, Celery and beat."""
    proc = Path("/proc")
    if not (proc / str(pid)).is_dir():
        return None
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        fields = text[text.rfind(")") + 2 :].split()
        stats[int(entry.name)] = fields
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    ticks = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        if current in stats:
            total += (int(stats[current][11]) + int(stats[current][12])) / ticks
    return total


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_room(args: argparse.Namespace, var: Path) -> tuple[subprocess.Popen, Lab]:
    """``manage.py runroom`` on a port of its own, with a database and a Celery queue of its own."""
    port = args.port or _free_port()
    env = {
        **os.environ,
        "ARA_PORT": str(port),
        "ARA_VAR_DIR": str(var),
        "ARA_BIND": "127.0.0.1",
        "DATABASE_URL": args.database_url or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE,
        "ARA_CELERY_QUEUE": f"bench-room-{uuid.uuid4().hex[:8]}",
        "ARA_ROOM_INSTRUCTOR_KEY": args.instructor_key,
        # Every attendee joins from this one address, run after run, into the same database.
        "ARA_ROOM_JOINS_PER_MINUTE": "100000",
        "ARA_ROOM_MAX_ATTENDEES": "1000000",
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "manage.py", "runroom"]
    if args.web_workers:
        command.append(f"--web-workers={args.web_workers}")
    log = open(var / "room.log", "w")  # noqa: SIM115 (closed with the process)
    proc = subprocess.Popen(
        command, env=env, cwd=ROOT, start_new_session=True, stdout=log, stderr=subprocess.STDOUT
    )
    lab = Lab.from_url(f"http://localhost:{port}")
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"make room exited with {proc.returncode}:\n{(var / 'room.log').read_text()[-2000:]}"
            )
        try:
            if httpx.get(lab.connect + "/", headers={"Host": lab.host("")}, timeout=2).status_code == 200:
                return proc, lab
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop_room(proc)
    raise TimeoutError("the room did not answer within 180 s")


def stop_room(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # as Ctrl-C: the supervisor stops every child
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, nargs="+", default=[1, 50], help="room sizes, in order")
    parser.add_argument(
        "--url", default="", help="a running room (e.g. http://localhost:8616); else one is started"
    )
    parser.add_argument(
        "--think", type=float, default=1.0, help="seconds between steps (0.5x to 1.5x at random)"
    )
    parser.add_argument(
        "--settle", type=float, default=60, help="seconds to wait for the reports to be processed"
    )
    parser.add_argument(
        "--instructor-key",
        default=os.environ.get("ARA_ROOM_INSTRUCTOR_KEY", ""),
        help="the room's instructor key: the room is reset before each run (a room this starts gets one)",
    )
    parser.add_argument("--no-warm-up", dest="warm_up", action="store_false", help="measure a cold server")
    parser.add_argument("--port", type=int, default=0, help="port of the room this starts")
    parser.add_argument("--web-workers", type=int, default=0, help="gunicorn workers of the room this starts")
    parser.add_argument(
        "--database-url", default="", help=f"PostgreSQL for the room this starts ({DEFAULT_DATABASE})"
    )
    args = parser.parse_args(argv)
    if not args.url and not args.instructor_key:
        args.instructor_key = uuid.uuid4().hex
    proc = None
    with tempfile.TemporaryDirectory(prefix="bench-room-") as tmp:
        try:
            if args.url:
                lab = Lab.from_url(args.url)
            else:
                try:
                    proc, lab = start_room(args, Path(tmp))
                except RuntimeError as exc:
                    print(f"the room could not start (it needs PostgreSQL and Redis):\n{exc}")
                    return {}
            if args.warm_up:
                print("warm-up: one attendee walks once (not counted)", flush=True)
                asyncio.run(run_room(lab, 1, 0, args.settle))
            results = []
            for n in args.attendees:
                print(f"{n} attendee(s) walk the workshop ...", flush=True)
                cpu_before = server_cpu_seconds(proc.pid) if proc is not None else None
                results.append(asyncio.run(run_room(lab, n, args.think, args.settle, args.instructor_key)))
                cpu_after = server_cpu_seconds(proc.pid) if proc is not None else None
                if cpu_before is not None and cpu_after is not None:
                    # What one walk costs the server (web and Celery; PostgreSQL not counted): the
                    # cores needed to keep N walks as fast as one follow from it.
                    results[-1]["server_cpu_s_per_attendee"] = round((cpu_after - cpu_before) / n, 2)
        finally:
            if proc is not None:
                stop_room(proc)
    out: dict = {"url": lab.origin(""), "think_seconds": args.think, "runs": results}
    small, large = results[0], results[-1]
    if small["registration"]["p95_ms"] and small["page"]["p95_ms"]:
        out["p95_ratio"] = {
            kind: round(large[kind]["p95_ms"] / small[kind]["p95_ms"], 2) for kind in ("page", "registration")
        }
    print(json.dumps(out, indent=1))
    if not args.instructor_key:
        print("note: no --instructor-key: the room was not reset between runs, so later runs find more data")
    if not results[0]["room_mode"]:
        print(
            "note: the server has no room mode (POST /room/api/join answered 404): every attendee used the one default profile"
        )
    for r in results:
        print(
            f"N={r['attendees']:>3}: {r['seconds']:6.1f} s, {r['requests']} requests | "
            f"page p50/p95/p99 {r['page']['p50_ms']}/{r['page']['p95_ms']}/{r['page']['p99_ms']} ms | "
            f"registration {r['registration']['p50_ms']}/{r['registration']['p95_ms']}/{r['registration']['p99_ms']} ms | "
            f"5xx {r['server_errors']} | {r['profiles']} profile(s), reports each "
            f"{r['reports_per_profile']['min']}-{r['reports_per_profile']['max']}, made {r['reports_made']}, "
            f"lost {r['reports_lost']}, unsent {r['reports_unsent_at_browser']}"
            + (
                f" | server CPU {r['server_cpu_s_per_attendee']} s per attendee"
                if "server_cpu_s_per_attendee" in r
                else ""
            )
        )
    if "p95_ratio" in out:
        ratio = out["p95_ratio"]
        print(
            f"p95 N={large['attendees']} / N={small['attendees']}: pages {ratio['page']}x, "
            f"registrations {ratio['registration']}x (goal: <= 3)"
        )
    return out


if __name__ == "__main__":
    main()
