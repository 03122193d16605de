"""What a series of runs prints: the JSON of every run, then one line per run and the ratios."""

from __future__ import annotations

import json


def summarize(origin: str, think: float, stagger: float, results: list[dict]) -> dict:
    out: dict = {
        "url": origin,
        "pacing": {"think_s": think, "think_spread": "0.5x-1.5x at random", "stagger_s": stagger},
        "runs": results,
    }
    small, large = results[0], results[-1]
    if small["registration"]["p95_ms"] and small["page"]["p95_ms"]:
        out["p95_ratio"] = {
            kind: round(large[kind]["p95_ms"] / small[kind]["p95_ms"], 2) for kind in ("page", "registration")
        }
    return out


def _pct(p: dict) -> str:
    return f"{p['p50_ms']}/{p['p95_ms']}/{p['p99_ms']} ms"


def _cpu(r: dict) -> str:
    parts = []
    if "server_cpu_s_per_attendee" in r:
        parts.append(f"server CPU {r['server_cpu_s_per_attendee']} s per attendee")
    pg = r.get("postgres_cpu")
    if pg:
        parts.append(
            f"PostgreSQL CPU {pg['cpu_s_per_attendee']} s per attendee ({pg['processes']} processes, "
            f"{pg['exited']} exited during the run: known up to their last sample)"
        )
    return "".join(f" | {p}" for p in parts)


def show(out: dict, *, reset: bool) -> None:
    """Prints the JSON, then a line per run: what a person reads first."""
    print(json.dumps(out, indent=1))
    results = out["runs"]
    pacing = out["pacing"]
    if not reset:
        print("note: no --instructor-key: the room was not reset between runs, so later runs find more data")
    if not results[0]["room_mode"]:
        print(
            "note: the server has no room mode (POST /room/api/join answered 404): "
            "every attendee used the one default profile"
        )
    print(
        f"pacing: think {pacing['think_s']} s between steps ({pacing['think_spread']}), attendees start "
        + (f"at random within {pacing['stagger_s']} s" if pacing["stagger_s"] else "all at once")
        + "; every open page polls as its scripts do (the guide all along)"
    )
    for r in results:
        each = r["per_attendee"]
        print(
            f"N={r['attendees']:>3}: {r['seconds']:6.1f} s (a walk {each['walk_s_p50']} s, longest "
            f"{each['walk_s_max']} s), {r['requests']} requests, {each['requests']} per attendee of which "
            f"{each['polls']} polls ({each['polls_per_minute']}/min)"
            + (
                f", the instructor's page {r['instructor_polls']} poll(s)"
                if r["instructor_polls"] is not None
                else ", no instructor's page (no key)"
            )
            + f" | page p50/p95/p99 {_pct(r['page'])} | registration {_pct(r['registration'])} | "
            f"5xx {r['server_errors']} | {r['profiles']} profile(s), reports each "
            f"{r['reports_per_profile']['min']}-{r['reports_per_profile']['max']}, made {r['reports_made']}, "
            f"lost {r['reports_lost']}, unsent {r['reports_unsent_at_browser']}" + _cpu(r)
        )
        print(
            "       polls p95: "
            + ", ".join(f"{k[5:]} {v['p95_ms']} ms (n={v['n']})" for k, v in r["polls"].items())
        )
        print("       slowest p95: " + ", ".join(f"{k} {v} ms" for k, v in r["slowest_p95"].items()))
        if r["unexpected"] or r["walk_failures"]:
            print(f"       unexpected answers {r['unexpected']}, failed walks {len(r['walk_failures'])}")
    if "p95_ratio" in out:
        ratio, small, large = out["p95_ratio"], results[0], results[-1]
        print(
            f"p95 N={large['attendees']} / N={small['attendees']}: pages {ratio['page']}x, "
            f"registrations {ratio['registration']}x (goal: <= 3)"
        )
