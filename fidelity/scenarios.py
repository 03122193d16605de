"""The differential scenarios: small pages and registration answers, run in Chrome 149 and simulated.

Each scenario has pages on the news site (sources) and the shop (triggers), so every registration
is cross-site to the ad tech (an ``ad`` page, on the ad tech's host, is an ad iframe), and a table
of *answers*: what the ad tech's scenario endpoint at ``/test/fidelity/r/<scenario>/<step>`` (on
``adtech.localhost`` or ``measure.localhost``) answers. Registration headers are the same whatever
the request looks like, so any difference in what the server sees afterwards comes from the
browser. In page HTML, ``$R`` and ``$M`` are the scenario's endpoint bases on the ad tech and the
measurement partner, ``$NEWS``/``$AD``/``$SHOP``/``$SHOP2`` the scenario's pages, ``$GIF`` and
``$JS`` a plain pixel and an empty script on the page's own origin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEST = "http://shop.localhost"  # a destination is a site: no port


@dataclass(frozen=True)
class Answer:
    """What one scenario endpoint answers: registration headers, a redirect, or nothing."""

    source: dict[str, Any] | str | None = None  # a dict is sent as JSON; a str as it is (e.g. broken JSON)
    trigger: dict[str, Any] | str | None = None
    info: str | None = None  # Attribution-Reporting-Info
    redirect: str | None = None  # "adtech:<step>", "measure:<step>" or "page:<name>"
    body: str = ""  # one of fidelity.views.BODIES (e.g. "html") instead of what the destination wants


@dataclass(frozen=True)
class Step:
    """One thing the person does: open a page, click (maybe landing on a page), click to a popup."""

    action: str  # "open" | "click" | "popup" | "await"
    target: str  # a page name ("open", "await") or a CSS selector ("click", "popup")
    lands: str = ""  # for "click": the page the click navigates to
    frame: str = ""  # for "click": the selector of the iframe the target is in


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    pages: dict[str, str]  # page name ("news", "ad", "shop", "shop2") -> body HTML
    answers: dict[str, Answer]
    steps: tuple[Step, ...]
    covers: tuple[str, ...] = field(default=())

    def page_party(self, page: str) -> str:
        """News pages are the publisher's, ``ad`` pages the ad tech's (for iframes), the rest the shop's."""
        if page.startswith("news"):
            return "publisher"
        return "adtech" if page.startswith("ad") else "advertiser"


def source(event_id: str, **fields: Any) -> dict[str, Any]:
    """A source header with debug keys and debug reporting (``None`` removes a field)."""
    header = {
        "destination": DEST,
        "source_event_id": event_id,
        "debug_key": f"10{event_id}",
        "debug_reporting": True,
        "aggregation_keys": {"campaign": "0x159"},
    }
    header.update(fields)
    return {k: v for k, v in header.items() if v is not None}


def trigger(data: str = "3", **fields: Any) -> dict[str, Any]:
    """A trigger header with one event-level entry, one aggregatable contribution and debug keys."""
    entry = {"trigger_data": data}
    for name in ("priority", "deduplication_key"):
        if name in fields:
            entry[name] = fields.pop(name)
    header = {
        "event_trigger_data": [entry],
        "aggregatable_trigger_data": [{"key_piece": "0x400", "source_keys": ["campaign"]}],
        "aggregatable_values": {"campaign": 100},
        "debug_key": "222",
        "debug_reporting": True,
    }
    header.update(fields)
    return {k: v for k, v in header.items() if v is not None}


OPEN_NEWS = Step("open", "news")
OPEN_SHOP = Step("open", "shop")
PIXEL_TRIGGER = '<img alt="conversion" attributionsrc src="$R/conv">'
VIEW_PIXEL = '<img alt="ad" attributionsrc src="$R/view">'
CLICK_AD = '<a id="ad" href="$SHOP" attributionsrc="$R/click">An ad</a>'
CONV = {"conv": Answer(trigger=trigger())}

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "anchor-click-url",
        "A user's click on <a attributionsrc=URL>: a navigation source; the landing page's pixel converts.",
        {"news": CLICK_AD, "shop": PIXEL_TRIGGER},
        {"click": Answer(source=source("1")), **CONV},
        (OPEN_NEWS, Step("click", "#ad", lands="shop")),
        ("<a attributionsrc>", "navigation source", "event-level", "aggregatable", "debug keys"),
    ),
    Scenario(
        "anchor-in-ad-frame",
        "The click is in the ad tech's cross-site ad iframe: <a target=_top attributionsrc=URL>, as in the demo.",
        {
            "news": '<iframe title="ad" src="$AD" width="320" height="90"></iframe>',
            "ad": '<a id="ad" href="$SHOP" target="_top" attributionsrc="$R/click">An ad</a>',
            "shop": PIXEL_TRIGGER,
        },
        {"click": Answer(source=source("23")), **CONV},
        (OPEN_NEWS, Step("click", "#ad", lands="shop", frame="iframe")),
        ("<a attributionsrc>", "ad iframe"),
    ),
    Scenario(
        "anchor-click-empty",
        "A click on <a attributionsrc> with no value: the navigation itself registers, then redirects.",
        {"news": '<a id="ad" href="$R/click" attributionsrc>An ad</a>', "shop": PIXEL_TRIGGER},
        {"click": Answer(source=source("2"), redirect="page:shop"), **CONV},
        (OPEN_NEWS, Step("click", "#ad", lands="shop")),
        ("<a attributionsrc>", "empty attributionsrc", "redirect"),
    ),
    Scenario(
        "window-open",
        'window.open(url, "_blank", "attributionsrc=URL") on a click: a navigation source in a popup.',
        {
            "news": '<button id="go" type="button" onclick="window.open(\'$SHOP\', \'_blank\', '
            "'attributionsrc=' + encodeURIComponent('$R/click'))\">Open the ad</button>",
            # The popup's landing page converts only on the next page: the shim asks for the
            # registration after the popup opens, and a trigger on the landing page itself
            # would race it.
            "shop": "<p>The landing page.</p>",
            "shop2": PIXEL_TRIGGER,
        },
        {"click": Answer(source=source("3")), **CONV},
        (OPEN_NEWS, Step("popup", "#go"), Step("open", "shop2")),
        ("window.open",),
    ),
    Scenario(
        "img-empty",
        "<img attributionsrc> with no value: the image request registers an event source.",
        {"news": VIEW_PIXEL, "shop": PIXEL_TRIGGER},
        {"view": Answer(source=source("4")), **CONV},
        (OPEN_NEWS, OPEN_SHOP),
        ("<img attributionsrc>", "empty attributionsrc", "event source"),
    ),
    Scenario(
        "img-url-list",
        "<img attributionsrc='URL URL'>: two background registrations, the higher source priority wins.",
        {"news": '<img alt="ad" attributionsrc="$R/view1 $R/view2" src="$GIF">', "shop": PIXEL_TRIGGER},
        {
            "view1": Answer(source=source("51", priority="1")),
            "view2": Answer(source=source("52", priority="9")),
            **CONV,
        },
        (OPEN_NEWS, OPEN_SHOP),
        ("<img attributionsrc>", "URL list", "source priority"),
    ),
    Scenario(
        "html-answer",
        "<img attributionsrc=URL> whose background request is answered with a text/html page.",
        {"news": '<img alt="ad" attributionsrc="$R/view" src="$GIF">', "shop": PIXEL_TRIGGER},
        {"view": Answer(source=source("24"), body="html"), **CONV},
        (OPEN_NEWS, OPEN_SHOP),
        ("<img attributionsrc>", "URL list", "opaque-response blocking"),
    ),
    Scenario(
        "orb-blocked",
        "Background registrations answered with what opaque-response blocking drops: HTML and JSON "
        "(sniffed), text/plain with nosniff, a PDF; only the 204 answer registers.",
        {
            "news": '<img alt="ad" attributionsrc="$R/html $R/json $R/text $R/pdf $R/ok" src="$GIF">',
            "shop": PIXEL_TRIGGER,
        },
        {
            "html": Answer(source=source("25", priority="5"), body="html-sniffed"),
            "json": Answer(source=source("26", priority="4"), body="json"),
            "text": Answer(source=source("27", priority="3"), body="text-nosniff"),
            "pdf": Answer(source=source("28", priority="2"), body="pdf"),
            "ok": Answer(source=source("29", priority="1")),
            **CONV,
        },
        (OPEN_NEWS, OPEN_SHOP),
        ("<img attributionsrc>", "URL list", "opaque-response blocking"),
    ),
    Scenario(
        "orb-allowed",
        "Background registrations whose answers opaque-response blocking lets through: text/html that is "
        "no HTML, a GIF labelled text/html, a JSON array, text/plain, text/css with nosniff, no Content-Type.",
        {
            "news": '<img alt="ad" attributionsrc="$R/prose $R/gif $R/array $R/text $R/css $R/none" src="$GIF">',
            "shop": PIXEL_TRIGGER,
        },
        {
            "prose": Answer(source=source("30", priority="6"), body="html-prose"),
            "gif": Answer(source=source("31", priority="5"), body="gif-as-html"),
            "array": Answer(source=source("32", priority="4"), body="json-array"),
            "text": Answer(source=source("33", priority="3"), body="text"),
            "css": Answer(source=source("34", priority="2"), body="css-nosniff"),
            "none": Answer(source=source("35", priority="1"), body="no-type"),
            **CONV,
        },
        (OPEN_NEWS, OPEN_SHOP),
        ("<img attributionsrc>", "URL list", "opaque-response blocking"),
    ),
    Scenario(
        "orb-element-and-redirect",
        "An <img attributionsrc src> whose own answer is HTML, and a redirect whose first hop registers "
        "while the last hop's HTML answer is blocked.",
        {
            "news": '<img alt="ad" attributionsrc src="$R/view">'
            '<img alt="ad" attributionsrc="$R/hop" src="$GIF">',
            "shop": PIXEL_TRIGGER,
        },
        {
            "view": Answer(source=source("36", priority="3"), body="html"),
            "hop": Answer(source=source("37", priority="1"), redirect="measure:last"),
            "last": Answer(source=source("38", priority="2"), body="html"),
            **CONV,
        },
        (OPEN_NEWS, OPEN_SHOP),
        ("<img attributionsrc>", "redirect", "opaque-response blocking"),
    ),
    Scenario(
        "orb-exempt",
        "HTML answers opaque-response blocking does not touch: a CORS-mode fetch(), and a background "
        "registration from an ad iframe on the reporting origin itself (same-origin).",
        {
            "news": '<script>fetch("$R/fetch", {attributionReporting: '
            "{eventSourceEligible: true, triggerEligible: false}});</script>"
            '<iframe title="ad" src="$AD" width="320" height="90"></iframe>',
            "ad": '<img alt="ad" attributionsrc="$R/frame" src="$GIF"><button id="seen" type="button">Ad</button>',
            "shop": PIXEL_TRIGGER,
        },
        {
            "fetch": Answer(source=source("39", priority="2"), body="html"),
            "frame": Answer(source=source("40", priority="1"), body="html"),
            **CONV,
        },
        # The click waits for the ad frame's own page (on the simulated browser's first visit to the
        # ad tech's origin the frame loads the service-worker bootstrap first, after the top page's load).
        (OPEN_NEWS, Step("click", "#seen", frame="iframe"), OPEN_SHOP),
        ("fetch", "ad iframe", "opaque-response blocking"),
    ),
    Scenario(
        "img-revisit",
        "The same page with <img attributionsrc src> opened twice: each visit's image request registers.",
        {"news": VIEW_PIXEL, "shop": PIXEL_TRIGGER},
        {"view": Answer(source=source("41")), **CONV},
        (OPEN_NEWS, OPEN_NEWS, OPEN_SHOP),
        ("<img attributionsrc>", "revisit"),
    ),
    Scenario(
        "script-empty",
        "<script attributionsrc src=URL> with no value: the script request registers an event source.",
        {"news": '<script attributionsrc src="$R/view"></script>', "shop": PIXEL_TRIGGER},
        {"view": Answer(source=source("6")), **CONV},
        (OPEN_NEWS, OPEN_SHOP),
        ("<script attributionsrc>", "empty attributionsrc"),
    ),
    Scenario(
        "script-url-list",
        "<script attributionsrc=URL src=own-script>: a background registration; the trigger is a script too.",
        {
            "news": '<script attributionsrc="$R/view" src="$JS"></script>',
            "shop": '<script attributionsrc="$R/conv" src="$JS"></script>',
        },
        {"view": Answer(source=source("7")), **CONV},
        (OPEN_NEWS, OPEN_SHOP),
        ("<script attributionsrc>", "URL list"),
    ),
    Scenario(
        "fetch-source-and-trigger",
        "fetch() with attributionReporting: an event source on the news site, a trigger on the shop.",
        {
            "news": '<script>fetch("$R/view", {attributionReporting: '
            "{eventSourceEligible: true, triggerEligible: false}});</script>",
            "shop": '<script>fetch("$R/conv", {attributionReporting: '
            "{eventSourceEligible: false, triggerEligible: true}});</script>",
        },
        {"view": Answer(source=source("8")), **CONV},
        (OPEN_NEWS, OPEN_SHOP),
        ("fetch",),
    ),
    Scenario(
        "xhr-source-and-trigger",
        "XMLHttpRequest.setAttributionReporting(): an event source, then a trigger.",
        {
            "news": '<script>var x = new XMLHttpRequest(); x.open("GET", "$R/view"); '
            "x.setAttributionReporting({eventSourceEligible: true, triggerEligible: false}); x.send();</script>",
            "shop": '<script>var x = new XMLHttpRequest(); x.open("GET", "$R/conv"); '
            "x.setAttributionReporting({eventSourceEligible: false, triggerEligible: true}); x.send();</script>",
        },
        {"view": Answer(source=source("9")), **CONV},
        (OPEN_NEWS, OPEN_SHOP),
        ("XHR",),
    ),
    Scenario(
        "redirect-chain",
        "A source and a trigger that each redirect to the measurement partner, which registers too.",
        {"news": VIEW_PIXEL, "shop": PIXEL_TRIGGER},
        {
            "view": Answer(source=source("10"), redirect="measure:view2"),
            "view2": Answer(source=source("11")),
            "conv": Answer(trigger=trigger(), redirect="measure:conv2"),
            "conv2": Answer(trigger=trigger("5")),
        },
        (OPEN_NEWS, OPEN_SHOP),
        ("redirect chain", "second reporting origin"),
    ),
    Scenario(
        "plain-img-trigger",
        "A plain <img> (no attributionsrc) whose response carries a trigger header.",
        {"news": VIEW_PIXEL, "shop": '<img alt="conversion" src="$R/conv">'},
        {"view": Answer(source=source("12")), **CONV},
        (OPEN_NEWS, OPEN_SHOP),
        ("plain request", "trigger header"),
    ),
    Scenario(
        "plain-fetch-trigger",
        "A plain fetch() (no attributionReporting) whose response carries a trigger header.",
        {"news": VIEW_PIXEL, "shop": '<script>fetch("$R/conv");</script>'},
        {"view": Answer(source=source("13")), **CONV},
        (OPEN_NEWS, OPEN_SHOP),
        ("plain request", "trigger header"),
    ),
    Scenario(
        "filters-no-match",
        "The trigger's filters do not match the source's filter_data: no report, a verbose debug report.",
        {"news": VIEW_PIXEL, "shop": PIXEL_TRIGGER},
        {
            "view": Answer(source=source("14", filter_data={"product": ["tent"]})),
            "conv": Answer(trigger=trigger(filters={"product": ["boots"]})),
        },
        (OPEN_NEWS, OPEN_SHOP),
        ("filters",),
    ),
    Scenario(
        "deduplication",
        "Two triggers with the same deduplication_key: the second is deduplicated.",
        {
            "news": VIEW_PIXEL,
            "shop": PIXEL_TRIGGER,
            "shop2": '<img alt="again" attributionsrc src="$R/conv2">',
        },
        {
            "view": Answer(source=source("15", max_event_level_reports=3)),
            "conv": Answer(trigger=trigger("1", deduplication_key="7")),
            "conv2": Answer(trigger=trigger("0", deduplication_key="7")),
        },
        (OPEN_NEWS, OPEN_SHOP, Step("open", "shop2")),
        ("deduplication",),
    ),
    Scenario(
        "trigger-priority",
        "One report allowed (a click that registers in its own navigation); a low-priority trigger, then a high one.",
        {
            "news": '<a id="ad" href="$R/click" attributionsrc>An ad</a>',
            "shop": PIXEL_TRIGGER,
            "shop2": '<img alt="again" attributionsrc src="$R/conv2">',
        },
        {
            "click": Answer(source=source("16", max_event_level_reports=1), redirect="page:shop"),
            "conv": Answer(trigger=trigger("1", priority="1")),
            "conv2": Answer(trigger=trigger("2", priority="9")),
        },
        (OPEN_NEWS, Step("click", "#ad", lands="shop"), Step("open", "shop2")),
        ("trigger priority",),
    ),
    Scenario(
        "no-debug-keys",
        "Source and trigger without debug keys: reports without debug copies.",
        {"news": VIEW_PIXEL, "shop": PIXEL_TRIGGER},
        {
            "view": Answer(source=source("17", debug_key=None)),
            "conv": Answer(trigger=trigger(debug_key=None)),
        },
        (OPEN_NEWS, OPEN_SHOP),
        ("debug keys",),
    ),
    Scenario(
        "click-prevented",
        "A click on <a attributionsrc> that the page cancels with preventDefault(): no navigation.",
        {
            "news": '<a id="ad" href="$SHOP" attributionsrc="$R/click" '
            'onclick="event.preventDefault()">An ad</a>',
            "shop": PIXEL_TRIGGER,
        },
        {"click": Answer(source=source("18")), **CONV},
        (OPEN_NEWS, Step("click", "#ad"), OPEN_SHOP),
        ("<a attributionsrc>", "cancelled click"),
    ),
    Scenario(
        "synthetic-click",
        "The page calls a.click() on <a attributionsrc> at load, without user activation.",
        {
            "news": CLICK_AD + '<script>document.getElementById("ad").click();</script>',
            "shop": PIXEL_TRIGGER,
        },
        {"click": Answer(source=source("19")), **CONV},
        (OPEN_NEWS, Step("await", "shop")),
        ("<a attributionsrc>", "no user activation"),
    ),
    Scenario(
        "invalid-json",
        "A source header that is not JSON, with Attribution-Reporting-Info: report-header-errors.",
        {"news": VIEW_PIXEL, "shop": PIXEL_TRIGGER},
        {
            "view": Answer(source='{"destination": "http://shop.localhost", ', info="report-header-errors"),
            **CONV,
        },
        (OPEN_NEWS, OPEN_SHOP),
        ("rejected header",),
    ),
    Scenario(
        "invalid-field",
        "A source header with an invalid field (source_event_id not a uint64), errors reported.",
        {"news": VIEW_PIXEL, "shop": PIXEL_TRIGGER},
        {"view": Answer(source=source("twenty"), info="report-header-errors"), **CONV},
        (OPEN_NEWS, OPEN_SHOP),
        ("rejected header",),
    ),
    Scenario(
        "trigger-without-source",
        "A trigger with debug reporting and no source at all: a verbose debug report only.",
        {"shop": PIXEL_TRIGGER},
        CONV,
        (OPEN_SHOP,),
        ("verbose debug",),
    ),
    Scenario(
        "view-trigger-data",
        "An event source and trigger_data 5: event sources have two trigger data values.",
        {"news": VIEW_PIXEL, "shop": PIXEL_TRIGGER},
        {"view": Answer(source=source("22")), "conv": Answer(trigger=trigger("5"))},
        (OPEN_NEWS, OPEN_SHOP),
        ("event source", "trigger data"),
    ),
)

BY_NAME: dict[str, Scenario] = {s.name: s for s in SCENARIOS}
