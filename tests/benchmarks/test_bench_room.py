"""The room benchmark's attendee model against a small fake room (no server, no timing asserted):
which requests a walk sends, which polls its open pages run and when they stop, the instructor's
page, and the CPU accounting read from a made-up ``/proc``."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from benchmarks import bench_room
from benchmarks.room.attendee import Attendee
from benchmarks.room.lab import Lab, Tally
from benchmarks.room.polls import PollTimes
from benchmarks.room.run import run_room
from benchmarks.room.server import PostgresCpu, database_name, server_cpu_seconds
from benchmarks.room.walk import walk

LAB = Lab.from_url("http://localhost:8999")
FAST = PollTimes().scaled(0.01)  # the scripts' polls at a hundredth of their pace
STEPS_UNTIL_DONE = 4  # the fake guide shows all seven steps done from its 4th answer on
SHIM = '<script src="http://browser.localhost:8999/shim.js" data-profile="{token}"></script>'
CSRF = '<input type="hidden" name="csrfmiddlewaretoken" value="t0ken">'


def html(*parts: str) -> str:
    return "<html><body>" + "".join(parts) + "</body></html>"


def script(name: str) -> str:
    return f'<script src="/static/{name}.js" defer></script>'


class FakeRoom:
    """The answers a room gives on the walk's requests; every request is kept, in arrival order."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.steps_asked: dict[str, int] = {}
        self.summaries_after_create = 0
        self.joined = 0

    def token_of(self, request: httpx.Request) -> str:
        cookies = request.headers.get("cookie", "")
        given = parse_qs(request.url.query.decode()).get("profile", [""])[0]
        return given or next(
            (c.split("=", 1)[1] for c in cookies.split("; ") if c.startswith("attributionlab-profile=")), ""
        )

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        host = request.headers["host"].split(".")[0].split(":")[0]
        host = "guide" if host == "localhost" else host
        key = (request.method, host, request.url.path)
        token = self.token_of(request)
        shim = SHIM.format(token=token)
        if key == ("POST", "guide", "/room/api/join"):
            self.joined += 1
            token = f"tok{self.joined}"
            hosts = ("localhost", "news.localhost", "shop.localhost", "adtech.localhost", "browser.localhost")
            return httpx.Response(
                201, json={"profile": token, "token": token, "cookies": dict.fromkeys(hosts, token)}
            )
        if key == ("GET", "guide", "/"):
            steps = "".join(f'<li data-step="{n}" data-step-key="k{n}"></li>' for n in range(1, 8))
            page = html(
                f'<section id="workshop" data-steps-url="/steps.json">{steps}</section>',
                '<section id="worker-status" data-status-url="/worker/status" data-ping-url="/worker/ping">',
                script("guide/worker-status"),
                script("guide/steps"),
            )
            return httpx.Response(200, text=page)
        if key == ("GET", "guide", "/steps.json"):
            asked = self.steps_asked[token] = self.steps_asked.get(token, 0) + 1
            return httpx.Response(200, json={"done": 7 if asked >= STEPS_UNTIL_DONE else 2, "steps": []})
        if key == ("GET", "browser", "/navigate"):
            await asyncio.sleep(0.05)  # the navigation takes longer than the frame's first ask
            return httpx.Response(302, headers={"Location": "http://shop.localhost:8999/products/tent-2p"})
        if request.url.path.startswith("/api/navigations/"):
            return httpx.Response(200, json={"pending": True, "registrations": []})
        if key == ("POST", "browser", "/api/registrations"):
            return httpx.Response(201, json={})
        if key == ("POST", "browser", "/network"):
            return httpx.Response(204)
        if key in {("POST", "shop", "/cart/add"), ("POST", "adtech", "/summaries/create")}:
            if key[1] == "adtech":
                self.summaries_after_create = 1
            return httpx.Response(302, headers={"Location": "/"})
        if key == ("POST", "shop", "/checkout/"):
            return httpx.Response(302, headers={"Location": f"/orders/TH-{token}/"})
        if key == ("GET", "guide", "/go/internals"):
            return httpx.Response(302, headers={"Location": "http://browser.localhost:8999/"})
        if key == ("GET", "browser", "/"):
            page = html('<span id="next-report">none waiting</span>', shim, script("browser/internals"))
            return httpx.Response(200, text=page, headers={"Set-Cookie": "csrftoken=c1; Path=/"})
        if key == ("GET", "browser", "/api/internals"):
            return httpx.Response(200, json={"state": {"next_report_time": None}})
        if key == ("GET", "adtech", "/"):
            return httpx.Response(200, text=html(script("adtech/dashboard")))
        if key == ("GET", "adtech", "/api/dashboard"):
            return httpx.Response(200, json={"summary": {"reports_by_status": {}}})
        if key == ("GET", "adtech", "/summaries/"):
            # Busy from "Create summary report" on, for the page and its first poll.
            busy = 0 < self.summaries_after_create <= 2
            self.summaries_after_create += bool(self.summaries_after_create)
            return httpx.Response(
                200,
                text=html(
                    CSRF, f"<table data-live{' data-live-busy' if busy else ''}>", script("common/live")
                ),
            )
        if key == ("GET", "browser", "/api/reports") or key == ("GET", "adtech", "/api/reports/"):
            return httpx.Response(200, json=[])
        if key == ("GET", "guide", "/room/instructor/progress.json"):
            ok = request.headers.get("authorization") == "Bearer key"
            return httpx.Response(200 if ok else 403, json={"attendees": []})
        if request.method == "GET":  # news, the ad frames, the shop's pages, /shim.js, /worker/status
            return httpx.Response(200, text=html(CSRF, shim))
        return httpx.Response(200, json={})

    def paths(self, token: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.startswith(path) and self.token_of(r) == token]


async def one_walk(think: float) -> tuple[FakeRoom, Tally, Attendee]:
    room, tally = FakeRoom(), Tally()
    async with httpx.AsyncClient(transport=httpx.MockTransport(room)) as http:
        attendee = Attendee(LAB, http, tally, think, FAST)
        await walk(attendee, room=True)
    return room, tally, attendee


def run_within(coro, seconds: float = 60):
    """Runs ``coro`` to the end in a thread of its own, failing after ``seconds`` (a poll that
    never stops fails, not hangs): a browser test's Playwright may hold this thread's event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, asyncio.wait_for(coro, seconds)).result()


@pytest.fixture(scope="module")
def walked() -> tuple[FakeRoom, Tally, Attendee]:
    return run_within(one_walk(0.3))


def after(log: list[str], name: str) -> list[str]:
    return log[log.index(name) + 1 :]


def test_the_walk_makes_its_clicks_and_its_pages_poll(walked) -> None:
    room, tally, attendee = walked
    assert tally.unexpected == [] and tally.server_errors == 0
    polls = tally.polls()
    assert len(polls["poll GET guide /steps.json"]) == STEPS_UNTIL_DONE  # until every step is done
    assert polls["poll GET guide /worker/status"]
    assert polls["poll GET browser /api/internals"]
    assert polls["poll GET adtech /api/dashboard"]
    assert len(polls["poll GET adtech /summaries/"]) == 2  # while busy, then it stops
    # Polls are page requests, and the attendee's counters agree with the tally.
    gets = [k for k in tally.by_request if k.startswith(("GET ", "poll ")) and k != "GET browser /navigate"]
    assert len(tally.latencies["page"]) == sum(len(tally.by_request[k]) for k in gets)
    assert attendee.polls == sum(len(v) for v in polls.values())
    assert attendee.requests == len(tally.log) == len(room.requests)
    # The clicks are still there: two views, three triggers, the click, the order.
    assert len(tally.by_request["POST browser /api/registrations"]) == 2
    assert len(tally.by_request["POST browser /network"]) == 3
    assert tally.by_request["GET shop /orders/<order>/"]
    assert attendee.background == set()  # every poll ended with the walk


def test_a_page_polls_only_while_it_is_open(walked) -> None:
    _, tally, _ = walked
    log = tally.log
    assert "poll GET browser /api/internals" not in log[: log.index("GET browser /")]
    # Left for the dashboard: at most one poll that was already on its way.
    assert after(log, "GET adtech /").count("poll GET browser /api/internals") <= 1
    # The dashboard asks at once: before the attendee's next click.
    on_dashboard = after(log, "GET adtech /")
    next_click = next(i for i, name in enumerate(on_dashboard) if not name.startswith("poll "))
    assert "poll GET adtech /api/dashboard" in on_dashboard[:next_click]
    assert after(log, "GET adtech /summaries/").count("poll GET adtech /api/dashboard") <= 1


def test_the_ad_frame_asks_about_its_navigation_until_the_top_page_is_replaced(walked) -> None:
    room, tally, attendee = walked
    asked = room.paths(attendee.joined, "/api/navigations/")
    # The fake always says "pending": only the product page's arrival stops the 40 tries.
    assert 1 <= len(asked) < FAST.follow_tries
    assert all("cookie" not in r.headers and r.headers["origin"] == LAB.origin("adtech") for r in asked)
    assert "poll GET browser /api/navigations/<token>" not in after(tally.log, "GET shop /cart/")


def test_a_room_run_has_an_instructor_and_counts_each_attendee() -> None:
    room = FakeRoom()
    transport = httpx.MockTransport(room)
    run = run_room(LAB, 2, 0.3, 1, "key", stagger=0.2, times=FAST, transport=transport)
    result = run_within(run)
    assert result["room_mode"] and result["profiles"] == 2 and result["stagger_s"] == 0.2
    assert result["server_errors"] == 0 and result["unexpected"] == 0 and result["walk_failures"] == []
    assert result["reports_lost"] == 0 and result["reports_made"] == 0
    assert result["instructor_polls"] >= 1
    instructor = [r for r in room.requests if r.url.path == "/room/instructor/progress.json"]
    assert len(instructor) == result["instructor_polls"]
    assert {r.headers["authorization"] for r in instructor} == {"Bearer key"}
    each = result["per_attendee"]
    assert each["polls"] > 0 and each["requests"] > each["polls"]
    assert "poll GET guide /steps.json" in result["polls"]
    # Each attendee's polls carry their own profile.
    for token in ("tok2", "tok3"):  # tok1 is the probe's join
        assert len(room.paths(token, "/steps.json")) == STEPS_UNTIL_DONE


def test_the_entry_point_keeps_its_flags() -> None:
    args = bench_room._arguments(
        ["--attendees", "1", "3", "--think", "0.3", "--stagger", "5", "--port", "8731"]
    )
    assert (args.attendees, args.think, args.stagger, args.port) == ([1, 3], 0.3, 5.0, 8731)
    assert args.instructor_key and args.database_url  # a room it starts gets a key and a database
    assert bench_room._arguments(["--url", "http://localhost:8616"]).instructor_key == os.environ.get(
        "ARA_ROOM_INSTRUCTOR_KEY", ""
    )


def fake_process(proc: Path, pid: int, ppid: int, times: tuple[int, ...], start: int, cmdline: str) -> None:
    """``/proc/<pid>``: ``stat`` with utime, stime, cutime, cstime (ticks) and the start time."""
    fields = ["S", str(ppid)] + ["0"] * 9 + [str(t) for t in times] + ["0"] * 4 + [str(start)]
    (proc / str(pid)).mkdir(parents=True, exist_ok=True)
    (proc / str(pid) / "stat").write_text(f"{pid} (x y) " + " ".join(fields))
    (proc / str(pid) / "cmdline").write_bytes(cmdline.replace(" ", "\0").encode())


def test_postgres_cpu_counts_each_backend_of_the_database_once(tmp_path) -> None:
    tick = os.sysconf("SC_CLK_TCK")
    ours = "postgres: 15/main: postgres attribution_lab_x 127.0.0.1(5000) idle"
    fake_process(tmp_path, 10, 1, (100, 0, 0, 0), 7, ours)
    fake_process(tmp_path, 11, 1, (100, 0, 0, 0), 7, ours)
    fake_process(
        tmp_path, 12, 1, (500, 0, 0, 0), 7, "postgres: 15/main: postgres other_db 127.0.0.1(5001) idle"
    )
    fake_process(tmp_path, 13, 1, (500, 0, 0, 0), 7, "python attribution_lab_x")
    cpu = PostgresCpu("attribution_lab_x", proc=tmp_path)
    cpu.begin()
    fake_process(tmp_path, 10, 1, (150, 50, 0, 0), 7, ours)  # +100 ticks
    fake_process(tmp_path, 11, 1, (130, 0, 0, 0), 7, ours)  # +30 ticks, then it exits
    cpu.sample()
    for name in ("stat", "cmdline"):
        (tmp_path / "11" / name).unlink()
    (tmp_path / "11").rmdir()
    fake_process(tmp_path, 14, 1, (20, 0, 0, 0), 9, "postgres: autovacuum worker attribution_lab_x")
    fake_process(
        tmp_path, 12, 1, (900, 0, 0, 0), 7, "postgres: 15/main: postgres other_db 127.0.0.1(5001) idle"
    )
    measured = cpu.end()
    assert measured == {"cpu_s": round((100 + 30 + 20) / tick, 2), "processes": 3, "exited": 1}
    assert database_name("postgres://postgres@127.0.0.1:5432/attribution_lab_x") == "attribution_lab_x"
    assert database_name("postgres://postgres@db.example:5432/attribution_lab_x") == ""


def test_server_cpu_adds_the_tree_and_what_it_reaped(tmp_path) -> None:
    tick = os.sysconf("SC_CLK_TCK")
    fake_process(tmp_path, 20, 1, (10, 10, 40, 0), 1, "runroom")  # 40: children that have exited
    fake_process(tmp_path, 21, 20, (5, 5, 0, 0), 1, "gunicorn")
    fake_process(tmp_path, 22, 21, (30, 0, 0, 0), 1, "gunicorn worker")
    fake_process(tmp_path, 23, 1, (999, 0, 0, 0), 1, "someone else")
    assert server_cpu_seconds(20, proc=tmp_path) == pytest.approx(100 / tick)
    assert server_cpu_seconds(99, proc=tmp_path) is None


def test_poll_times_scale_every_interval_but_the_tries() -> None:
    slow = PollTimes().scaled(2)
    assert (slow.guide_steps, slow.internals, slow.follow_tries) == (6.0, 4.0, 40)
