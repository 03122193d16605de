"""Walk every page of every host: the URL patterns of each party plus the links on the pages.

Every GET page a party's urlconf has is visited (its parameters taken from links found on the
pages), and each one must load without a console error, an uncaught exception, a failed request
or a 4xx/5xx, unless the page itself explains that error (an element with
``data-explains-error="<part of the message>"``). A 404 that renders the site's own page (the lab's
navigation bar, not Django's debug page) counts as an answer, not an error.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.urls import URLPattern, URLResolver, get_resolver

from config.hosts import PARTIES

from .workshop import ConsoleWatch, Problem

# Routes that are not pages, and why the crawl does not open them.
NOT_PAGES = {
    r"^static/": "static files: the pages load them, and a failed one fails the page",
    r"^worker/ping$": "POST only: the guide's check-now button",
    r"^reset$": "POST only: the reset button",
    r"^dashboard/clear$": "POST only: the dashboard's clear button",
    r"^register/": "registration endpoints: a GET registers, the pages' own requests reach them",
    r"^ads/serve$": "ad frames: opened by the news pages, which the crawl visits",
    r"^\.well-known/attribution-reporting/": "report receivers: the browser POSTs reports there",
    r"^summaries/create$": "POST only: the create-summary button",
    r"/rerun$": "POST only: the compare-with-a-larger-epsilon button",
    r"^api/validate$": "the validator API: it answers a header value given to it (400 without one)",
    r"^cart/(add|remove)$": "POST only: the cart's buttons",
    r"^actions/": "POST only: the internals' buttons",
    r"^api/actions/": "POST only: the internals' buttons, as JSON",
    r"^shim\.js$": "the shim: loaded by every publisher and advertiser page",
    r"^test/": "test-only pages and endpoints for the simulated browser's own tests",
    r"^keys/rotate$": "POST only: the rotate-keys button",
    r"^v1alpha/": "the aggregation API for the ad tech's server, not a page",
    r"^navigate$": "a click's navigation passes through it on its way (400 without a navigation to check)",
    r"^network(/|$)": "the network service: the service worker and the shim POST the page's requests there",
    r"^attributionlab-sw\.js$": "the service worker's script: the shim registers it",
    r"^api/navigations/": "a navigation's registrations, by the token the shim gave it: the shim polls it",
    r"^room/api/join$": "POST only: room mode's join for scripts",
    r"^room/instructor/reset$": "POST only: the instructor's reset button",
    r"^room/instructor/progress\.json$": "JSON the instructor page polls (404 with room mode off)",
}


@dataclass
class Route:
    party: str
    route: str

    @property
    def excluded(self) -> str | None:
        plain = self.route.lstrip("^").replace("\\", "")
        return next((why for pattern, why in NOT_PAGES.items() if re.search(pattern, plain)), None)

    @property
    def fixed_path(self) -> str | None:
        """The path of a route without parameters (None when it has some)."""
        if "<" in self.route or "(" in self.route:
            return None
        return "/" + self.route.lstrip("^").rstrip("$").replace("\\", "")


def routes() -> list[Route]:
    """Every route of every party's urlconf, includes flattened."""
    out: list[Route] = []

    def walk(party: str, patterns, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(party, p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                out.append(Route(party, prefix + str(p.pattern)))

    for party in PARTIES:
        walk(party.key, get_resolver(party.urlconf).url_patterns, "")
    return out


def route_of(party_key: str, path: str) -> str | None:
    party = next(p for p in PARTIES if p.key == party_key)
    from django.urls import Resolver404

    try:
        match = get_resolver(party.urlconf).resolve(path)
    except Resolver404:
        return None
    return match.route


@dataclass
class CrawlResult:
    visited: dict[str, int] = field(default_factory=dict)  # url -> status
    problems: list[Problem] = field(default_factory=list)
    uncovered: list[Route] = field(default_factory=list)


def _party_of(url: str, origins: dict[str, str]) -> str | None:
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    return next((key for key, o in origins.items() if o == origin), None)


def _explained(page, problem: Problem) -> bool:
    try:
        notes = page.eval_on_selector_all(
            "[data-explains-error]", "(els) => els.map((e) => e.dataset.explainsError)"
        )
    except Exception:
        return False
    return any(note and note in problem.what for note in notes)


def _get(url: str):
    """A plain GET (``*.localhost`` sent to loopback, as the browser resolves it) to see what a URL is."""
    import httpx

    from config.loopback import loopback_target as _loopback

    target, host = _loopback(url)
    return httpx.get(target, headers={"Host": host}, timeout=30)


def crawl(context, origins: dict[str, str], seeds: list[str], limit: int = 200) -> CrawlResult:
    """Visits the seeds and every same-lab link from them; ``origins`` maps party key to origin."""
    result = CrawlResult()
    watch = ConsoleWatch()
    watch.attach(context)
    page = context.new_page()
    page.set_default_timeout(20_000)
    seeds = list(seeds) + [
        origins[r.party] + r.fixed_path
        for r in routes()
        if r.party in origins and not r.excluded and r.fixed_path is not None
    ]
    seeds = list(dict.fromkeys(seeds))
    queue = deque(seeds)
    seen = set(seeds)
    covered: set[tuple[str, str]] = set()
    while queue and len(result.visited) < limit:
        url = queue.popleft()
        party = _party_of(url, origins)
        path = urlsplit(url).path
        route = route_of(party, path) if party else None
        if route is not None:
            covered.add((party, route))
            if Route(party, route).excluded:
                continue
        head = _get(url)
        if "text/html" not in head.headers.get("content-type", ""):
            result.visited[url] = head.status_code
            if head.status_code >= 400:
                result.problems.append(Problem(url, f"HTTP {head.status_code} for a non-page resource"))
            continue
        watch.take()
        response = page.goto(url, wait_until="load")
        page.wait_for_timeout(600)  # late requests: polls, frames, the shim's registrations
        status = response.status if response else 0
        result.visited[url] = status
        problems = watch.take()
        if status == 404 and page.locator(".lab-nav").count() and "technical_404" not in page.content():
            problems = [p for p in problems if not (p.what.startswith("HTTP 404") and url in p.what)]
            problems = [p for p in problems if "404 (Not Found)" not in p.what]
        result.problems += [p for p in problems if not _explained(page, p)]
        for href in page.eval_on_selector_all("a[href]", "(els) => els.map((a) => a.href)"):
            href = href.split("#", 1)[0]
            if href and href not in seen and _party_of(href, origins):
                seen.add(href)
                queue.append(href)
    page.close()
    result.uncovered = [
        r for r in routes() if not r.excluded and (r.party, r.route) not in covered and r.party in origins
    ]
    return result
