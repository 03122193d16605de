"""One request, as in Chrome: what an ad tech's own server receives from a page of one's own.

A tiny foreign server on a loopback port serves an engineer's page (loading the shim from the
simulated browser) and another plays the engineer's ad-tech server, recording every request.
The same page runs in Debian's Chromium (simulated browser, through the service worker and the
shim) and in Chrome 149 (native ARA): the ad tech must receive the same requests from both.
"""

from __future__ import annotations

import pytest

from adtech.browsers import SIMULATED, identify
from browser import models

from .foreign import Foreign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>My own page</title>
<script src="{browser}/shim.js"></script></head>
<body>
<img id="img" attributionsrc src="{ad}/reg?m=img&amp;as=img&amp;id=11">
<script attributionsrc src="{ad}/reg?m=script&amp;as=script&amp;id=12"></script>
<img id="list" src="{ad}/reg?m=listsrc&amp;as=img&amp;id=13" attributionsrc="{ad}/reg?m=listed&amp;id=14">
<img id="pixel" src="{ad}/trig?m=pixel&amp;as=img">
<img id="chain" attributionsrc src="{ad}/reg?m=hop1&amp;id=18&amp;to={ad}/reg%3Fm%3Dhop2%26as%3Dimg%26id%3D19">
<button id="fetch">fetch</button><button id="xhr">xhr</button><button id="json">json</button>
<script>
document.getElementById("fetch").onclick = function () {{
  fetch("{ad}/reg?m=fetch&id=16", {{method: "POST", body: "hello", headers: {{"Content-Type": "text/plain"}},
    attributionReporting: {{eventSourceEligible: true, triggerEligible: false}}}})
    .then(function (r) {{ return r.json().then(function (j) {{
      window.fetchResult = [r.status, j.method, r.headers.get("X-Answer")]; }}); }});
}};
document.getElementById("json").onclick = function () {{
  fetch("{ad}/reg?m=json&id=20", {{method: "PUT", body: '{{"a": 1}}',
    headers: {{"Content-Type": "application/json", "X-Mine": "1"}},
    attributionReporting: {{eventSourceEligible: true, triggerEligible: false}}}})
    .then(function (r) {{ window.jsonResult = r.status; }});
}};
document.getElementById("xhr").onclick = function () {{
  var x = new XMLHttpRequest();
  x.open("POST", "{ad}/reg?m=xhr&id=17");
  x.setAttributionReporting({{eventSourceEligible: false, triggerEligible: true}});
  x.onload = function () {{ window.xhrResult = [x.status, JSON.parse(x.responseText).method]; }};
  x.send("body");
}};
</script>
</body></html>
"""


@pytest.fixture
def own_servers(lab_server, settings):
    port = settings.ARA_PORT
    browser = f"http://browser.localhost:{port}"
    ad = Foreign(destination=f"http://shop.localhost:{port}")
    site = Foreign(browser_origin=browser)
    site.page = PAGE.format(browser=browser, ad=ad.origin)
    yield site, ad
    site.close()
    ad.close()


def _received(ad: Foreign) -> dict[str, list[dict]]:
    """The registration requests the ad tech got, by the page's ``m=`` label."""
    out: dict[str, list[dict]] = {}
    for r in ad.seen("/reg") + ad.seen("/trig"):
        out.setdefault(r["query"]["m"], []).append(r)
    return out


def _shape(received: dict[str, list[dict]]) -> dict[str, list[tuple]]:
    def keys(value: str | None) -> tuple | None:
        """The dictionary's keys as a server reads them: Chrome greases (``not-`` keys, values, params)."""
        if value is None:
            return None
        found = {k.strip().split("=")[0].split(";")[0] for k in value.split(",") if k.strip()}
        return tuple(sorted(k for k in found if not k.startswith("not-")))

    return {
        m: [
            (
                r["method"],
                keys(r["headers"].get("attribution-reporting-eligible")),
                keys(r["headers"].get("attribution-reporting-support")),
                r["body"],
            )
            for r in rs
        ]
        for m, rs in received.items()
    }


# What else a server sees of a request, compared between Chrome 149 and the simulated browser.
COMPARED = (
    "referer",
    "origin",
    "sec-fetch-dest",
    "sec-fetch-mode",
    "sec-fetch-site",
    "accept",
    "content-type",
    "cookie",
)


def _other_headers(received: dict[str, list[dict]]) -> dict[str, list[dict]]:
    return {m: [{k: r["headers"].get(k) for k in COMPARED} for r in rs] for m, rs in received.items()}


def _run(page, site: Foreign) -> None:
    page.goto(f"{site.origin}/page.html")
    page.click("#fetch")
    page.click("#xhr")
    page.click("#json")
    page.wait_for_function("window.fetchResult && window.xhrResult && window.jsonResult", timeout=15000)


def _simulated(chromium, site: Foreign, ad: Foreign) -> tuple[dict, dict]:
    context = chromium.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{site.origin}/page.html")  # the first visit installs the service worker
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    # Before the worker controlled it, the page fell back to separate registration requests
    # (img, script, the listed URL, the chain); let them finish before counting.
    page.wait_for_function("window.attributionLab.outcomes.length >= 4", timeout=15000)
    # (The listed URL's background request goes out at once, so its outcome may come first.)
    notes = page.evaluate("window.attributionLab.outcomes.map(o => o.note || '')")
    assert any("service worker" in note for note in notes), notes
    assert page.evaluate("navigator.serviceWorker.controller") is None
    ad.clear()
    models.Source.objects.all().delete()
    _run(page, site)
    assert page.evaluate("!!navigator.serviceWorker.controller")
    page.wait_for_function("window.attributionLab.outcomes.length >= 9", timeout=15000)
    state = page.evaluate(
        """() => ({img: document.getElementById("img").naturalWidth, ran: window.scriptRan,
                   chain: document.getElementById("chain").naturalWidth,
                   fetch: window.fetchResult, xhr: window.xhrResult,
                   mechanisms: window.attributionLab.outcomes.map(o => o.mechanism).sort()})"""
    )
    context.close()
    assert errors == []
    return _received(ad), state


def test_own_page_makes_each_eligible_request_once_with_chromes_headers(chromium, own_servers):
    site, ad = own_servers
    received, state = _simulated(chromium, site, ad)
    assert {m: len(rs) for m, rs in received.items()} == dict.fromkeys(
        ("img", "script", "listsrc", "listed", "pixel", "fetch", "xhr", "hop1", "hop2"), 1
    ) | {"json": 2}
    shape = _shape(received)
    both = ("event-source", "trigger")
    web = ("web",)
    assert shape["img"] == [("GET", both, web, "")]
    assert shape["script"] == [("GET", both, web, "")]
    assert shape["listsrc"] == shape["listed"] == [("GET", both, web, "")]
    assert shape["hop1"] == shape["hop2"] == [("GET", both, web, "")]  # every redirect hop is eligible
    assert shape["pixel"] == [("GET", None, None, "")]  # a plain request: no attribution headers
    assert shape["fetch"] == [("POST", ("event-source",), web, "hello")]
    assert shape["xhr"] == [("POST", ("trigger",), web, "body")]
    # A non-simple CORS request: Chrome's preflight first (no attribution headers), then the request.
    assert shape["json"] == [("OPTIONS", None, None, ""), ("PUT", ("event-source",), web, '{"a": 1}')]
    preflight = received["json"][0]["headers"]
    assert preflight["access-control-request-method"] == "PUT"
    assert preflight["access-control-request-headers"] == "content-type,x-mine"
    # The page got the real responses.
    assert state["img"] == 1 and state["ran"] == 1 and state["chain"] == 1  # the image at the chain's end
    assert state["fetch"] == [200, "POST", "from-the-ad-tech"]
    assert state["xhr"] == [200, "POST"]
    # What a browser sends besides: the page's user agent and a referrer.
    fetch = received["fetch"][0]["headers"]
    assert "Chrome/" in fetch["user-agent"] and fetch["referer"] == site.origin + "/"
    # ... with the simulated browser's product token after it, as an embedder appends its own.
    assert fetch["user-agent"].endswith(" AttributionLabSimulatedBrowser/1.0")
    assert identify(fetch["user-agent"]).key == SIMULATED
    assert identify(received["img"][0]["headers"]["user-agent"]).key == SIMULATED
    assert fetch["origin"] == site.origin
    # The simulated browser stored the sources, with the engineer's server as reporting origin.
    stored = models.Source.objects.filter(reporting_origin=ad.origin)
    assert sorted(stored.values_list("source_type", flat=True)) == ["event"] * 8  # 2 from the chain's hops
    pixel = models.RegistrationHop.objects.get(registration__mechanism="plain")
    assert pixel.kind == "trigger" and pixel.reporting_origin == ad.origin


def test_chrome149_sends_the_ad_tech_the_same_requests(chromium, chrome149, own_servers):
    site, ad = own_servers
    simulated, _ = _simulated(chromium, site, ad)
    ad.clear()
    context = chrome149.new_context()
    page = context.new_page()
    _run(page, site)
    page.wait_for_timeout(1500)  # the background request of the listed URL
    assert page.evaluate("window.attributionLab.native") is True
    context.close()
    native = _received(ad)
    assert _shape(native) == _shape(simulated)
    assert _other_headers(native) == _other_headers(simulated)


NAVIGATE = {"HTTP_SEC_FETCH_MODE": "navigate", "HTTP_SEC_FETCH_DEST": "document"}
UA_156 = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("extra", "bootstrapped"),
    [
        ({"HTTP_USER_AGENT": UA_156}, True),
        ({"HTTP_USER_AGENT": UA_156.replace("156", "149")}, False),  # native ARA: the shim steps aside
        ({"HTTP_USER_AGENT": UA_156, "HTTP_COOKIE": "attributionlab-sw=1"}, False),
        ({"HTTP_USER_AGENT": UA_156, "HTTP_SEC_FETCH_MODE": "cors"}, False),
    ],
)
def test_a_first_navigation_to_a_party_page_installs_the_worker_first(client, extra, bootstrapped):
    response = client.get("/", HTTP_HOST="news.localhost:8000", **(NAVIGATE | extra))
    assert response.status_code == 200
    assert ("Starting the simulated browser" in response.content.decode()) is bootstrapped


def test_the_workshops_first_shop_visit_makes_the_pixel_request_once(
    lab_server, settings, chromium, eager_celery
):
    from django.core.management import call_command

    from adtech.models import Registration

    call_command("load_demo_data", verbosity=0)
    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"http://shop.localhost:{settings.ARA_PORT}/products/tent-2p")
    page.wait_for_function(
        "window.attributionLab && window.attributionLab.outcomes.length >= 1", timeout=15000
    )
    assert page.evaluate("!!navigator.serviceWorker.controller")  # the bootstrap installed it first
    outcome = page.evaluate("window.attributionLab.outcomes[0]")
    assert outcome["mechanism"] == "img" and "note" not in outcome
    assert "attributionlab-sw" not in page.url  # the cookie was kept: later pages load directly
    assert "attributionlab-sw" in {c["name"] for c in context.cookies()}
    context.close()
    # The ad tech got the pixel request once, eligible: nothing declined.
    seen = list(Registration.objects.values_list("kind", "status", "eligible_header"))
    assert seen == [("trigger", "answered", "event-source, trigger")]
