"""One run: N attendees walk at once (an instructor watching), then every report is checked."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from urllib.parse import urlencode

import httpx

from . import polls
from .attendee import PROFILE_COOKIE, Attendee
from .lab import KINDS, Lab, Tally, percentiles
from .walk import walk

SENT_KINDS = {"event-level": "event-level", "aggregatable": "aggregatable"}  # browser kind -> ad tech type
INSTRUCTOR_POLL = "poll GET guide /room/instructor/progress.json"
LIMITS = httpx.Limits(max_connections=8, max_keepalive_connections=8)


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


async def _send_all(lab: Lab, token: str, transport: httpx.AsyncBaseTransport | None) -> None:
    """Presses "Send all pending reports" for one profile, outside the measurements."""
    async with httpx.AsyncClient(timeout=120, transport=transport) as http:
        someone = Attendee(lab, http, Tally(), 0)
        if token:
            someone.jar("browser")[PROFILE_COOKIE] = token
        await someone.request("page", "GET", "browser", "/")
        origin = lab.origin("browser")
        headers = {
            "Content-Type": "application/json",
            "X-CSRFToken": someone.jar("browser").get("csrftoken", ""),
            "Origin": origin,
            "Referer": origin + "/",
        }
        await someone.request(
            "action", "POST", "browser", "/api/actions/send-all", content="{}", headers=headers
        )


async def reset_room(lab: Lab, key: str, transport: httpx.AsyncBaseTransport | None = None) -> None:
    """The instructor's "Reset the room": every run starts from empty parties, so runs compare."""
    async with httpx.AsyncClient(timeout=120, transport=transport) as http:
        response = await http.post(
            f"{lab.connect}/room/instructor/reset",
            headers={"Host": lab.host(""), "Authorization": f"Bearer {key}", "Accept": "application/json"},
        )
        response.raise_for_status()


async def _walk_from(a: Attendee, room: bool, stagger: float) -> None:
    """One attendee's walk, started at a random moment within ``stagger`` seconds."""
    if stagger:
        await asyncio.sleep(random.uniform(0, stagger))
    started = time.perf_counter()
    try:
        await walk(a, room)
    finally:
        a.seconds = time.perf_counter() - started


async def run_room(
    lab: Lab,
    attendees: int,
    think: float,
    settle: float,
    key: str = "",
    *,
    stagger: float = 0.0,
    times: polls.PollTimes | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    tally: Tally | None = None,
) -> dict:
    """N walks at once (started within ``stagger`` seconds), then the reports' checks; ``times``
    paces the pages' polls (their scripts' pace unless told), ``transport`` replaces the network."""
    tally = tally if tally is not None else Tally()
    if key:
        await reset_room(lab, key, transport)
    async with httpx.AsyncClient(timeout=60, limits=LIMITS, transport=transport) as probe:
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
            httpx.AsyncClient(timeout=60, limits=LIMITS, follow_redirects=False, transport=transport)
            for _ in range(attendees + 1)
        ]
        people = [Attendee(lab, c, tally, think, times) for c in clients[:-1]]
        # The instructor's page polls the room's progress all along.
        watcher = Attendee(lab, clients[-1], tally, 0, times)
        if room and key:
            watcher.tab.page = polls.Page(watcher, "", "/room/instructor")
            watcher.spawn(polls.instructor(watcher.tab.page, key))
        started = time.perf_counter()
        try:
            results = await asyncio.gather(
                *(_walk_from(p, room, stagger) for p in people), return_exceptions=True
            )
        finally:
            await watcher.leave()
            for c in clients:
                await c.aclose()
        walked = time.perf_counter() - started
        failures = [f"{type(r).__name__}: {r}" for r in results if isinstance(r, BaseException)]
        # What a walk left pending (a walk that failed before "send all") is sent now, untimed.
        tokens = [p.joined for p in people if p.joined] if room else [""]
        for token in tokens:
            await _send_all(lab, token, transport)
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
        "stagger_s": stagger,
        "seconds": round(walked, 1),
        **_timings(tally, people),
        "instructor_polls": len(tally.by_request.get(INSTRUCTOR_POLL, [])) if room and key else None,
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


def _timings(tally: Tally, people: list[Attendee]) -> dict:
    """Percentiles by kind (polls are page requests), per request name, and what one walk sent."""
    walked = sum(p.seconds for p in people)
    seconds = sorted(p.seconds for p in people) or [0.0]
    polled = {name: percentiles(v) for name, v in sorted(tally.polls().items())}
    return {
        "requests": sum(len(v) for v in tally.latencies.values()),
        **{kind: percentiles(tally.latencies[kind]) for kind in KINDS},
        "slowest_p95": dict(
            sorted(
                ((name, percentiles(v)["p95_ms"]) for name, v in tally.by_request.items()),
                key=lambda item: -item[1],
            )[:8]
        ),
        "polls": {
            name: {"n": p["n"], "p50_ms": p["p50_ms"], "p95_ms": p["p95_ms"]} for name, p in polled.items()
        },
        "per_attendee": {
            "walk_s_p50": round(statistics.median(seconds), 1),
            "walk_s_max": round(seconds[-1], 1),
            "requests": round(sum(p.requests for p in people) / max(1, len(people)), 1),
            "polls": round(sum(p.polls for p in people) / max(1, len(people)), 1),
            "polls_per_minute": round(60 * sum(p.polls for p in people) / walked, 1) if walked else 0.0,
        },
    }
