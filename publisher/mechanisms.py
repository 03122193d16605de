"""The ways a page registers an attribution source, one teaching page each.

Each mechanism carries the exact markup the page uses; the page shows that same string, so what a person
reads is what ran. URLs are built per request, because the host names and port come from settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

from config.hosts import partner_origin, party_url

TENT_CAMPAIGN = "trail-tents"
TENT_CREATIVE = "tent-leaderboard"
TENT_SKU = "tent-2p"


@dataclass(frozen=True)
class Mechanism:
    slug: str
    title: str
    element: str
    source_type: str  # "navigation" or "event"
    eligible: str  # the Attribution-Reporting-Eligible value the browser sends
    what: str
    why: str
    next_step: str
    markup: str
    registers: tuple[str, ...]  # the URLs that register, in order
    hint: str = ""  # what the person sees (or does not) in the demo box


def source_url(
    *,
    source_type: str,
    campaign: str = TENT_CAMPAIGN,
    creative: str = TENT_CREATIVE,
    chain: str | None = None,
    partner: bool = False,
) -> str:
    """The ad tech's source registration endpoint (the contract's ``/register/source``)."""
    params = {
        "campaign": campaign,
        "creative": creative,
        "type": "click" if source_type == "navigation" else "view",
    }
    if chain:
        params["chain"] = chain
    path = "/register/source?" + urlencode(params)
    if partner:
        return partner_origin() + path
    return party_url("adtech", path)


def product_url(sku: str = TENT_SKU) -> str:
    return party_url("advertiser", f"/products/{sku}")


CLICK_WHY = (
    "A navigation source is registered when the person goes from the ad to the advertiser's site, so the "
    "browser sends <code>navigation-source</code> and stores the source only for a navigation the person started "
    "(transient user activation). A click the page cancels (<code>preventDefault()</code>) navigates nowhere and "
    "registers nothing; neither does a script's <code>a.click()</code> or <code>window.open()</code> when nobody "
    "has just clicked. Clicks are worth more than views: up to 3 event-level reports with 3 bits of trigger data "
    "each."
)
CLICK_HINT = (
    "In this workshop the shim sends the click's navigation through the simulated browser: it passes through "
    "browser.localhost/navigate, which reads the Sec-Fetch-User header your browser itself puts on a navigation "
    "you started (a page script cannot add it), and redirects to the shop at once. The registration runs while the "
    "shop loads; the shop's triggers wait for it, as in Chrome. Its outcome appears in the panel once it is done."
)
VIEW_WHY = (
    "An image or a script on a page could be an ad being seen (a view source) or a conversion pixel (a "
    "trigger), so the browser says both are acceptable (<code>event-source, trigger</code>) and the server "
    "chooses by the header it answers. The ad tech answers a source here. A view source gives at most 1 "
    "event-level report with 1 bit of trigger data."
)
PARTNER_SITE_NOTE = (
    " The partner is on a <em>site</em> of its own (<code>measure.localhost</code>), so Chrome's rule that"
    " only one reporting origin per reporting site may register sources for one publisher site per day (an ad"
    " tech cannot multiply its reports over subdomains) does not stop it: both sources are stored."
)


BUY_NEXT = (
    "Now buy a tent at Trailhead Outfitters: the Ridgeline 2-Person Tent is in the tents category, which the "
    "source's <code>filter_data</code> names, so the purchase will be attributed to this source."
)


def _anchor(url: str, text: str) -> str:
    """A link to the shop, opened in a new tab, whose click registers ``url``."""
    return (
        f'<a href="{escape(product_url())}"\n   attributionsrc="{escape(url)}"\n   target="_blank">{text}</a>'
    )


def _on_click(button_id: str, label: str, body: str) -> str:
    """A button and the script that runs ``body`` (lines indented by four spaces) on its click."""
    return (
        f'<button type="button" id="{button_id}">{label}</button>\n'
        "<script>\n"
        f'  document.getElementById("{button_id}").addEventListener("click", () => {{\n'
        f"{body}"
        "  });\n"
        "</script>"
    )


def _a_click() -> Mechanism:
    url = source_url(source_type="navigation")
    markup = _anchor(url, "Ridgeline 2-Person Tent: $249 at Trailhead Outfitters")
    return Mechanism(
        slug="anchor-click",
        title="A click on a link: <a attributionsrc>",
        element="<a attributionsrc>",
        source_type="navigation",
        eligible="navigation-source",
        what="A plain link to the shop with an <code>attributionsrc</code> attribute. When the person clicks, "
        "the browser makes a background request to each URL in the attribute while it navigates to the "
        "shop; the ad tech answers that request with <code>Attribution-Reporting-Register-Source</code>.",
        why=CLICK_WHY,
        hint=CLICK_HINT,
        next_step=BUY_NEXT + " The shop opens in a new tab so this panel stays in view.",
        markup=markup,
        registers=(url,),
    )


def _window_open() -> Mechanism:
    url = source_url(source_type="navigation")
    markup = _on_click(
        "open-offer",
        "See the tent deal",
        "    window.open(\n"
        f'      "{product_url()}",\n'
        '      "_blank",\n'
        f'      "attributionsrc=" + encodeURIComponent("{url}"));\n',
    )
    return Mechanism(
        slug="window-open",
        title='Opening a window: window.open(url, "_blank", "attributionsrc=...")',
        element='window.open(..., "attributionsrc=...")',
        source_type="navigation",
        eligible="navigation-source",
        what="Ads that open the landing page from script pass the registration URL as a window feature. The "
        "value is percent-encoded, and the feature may be repeated to register with several ad techs.",
        why=CLICK_WHY.replace("a navigation the person started", "a window the person opened with a click"),
        hint=CLICK_HINT.replace("click's navigation", "opened window's navigation"),
        next_step=BUY_NEXT,
        markup=markup,
        registers=(url,),
    )


def _img_view() -> Mechanism:
    url = source_url(source_type="event")
    markup = f'<img attributionsrc\n     src="{escape(url)}"\n     width="1" height="1" alt="">'
    return Mechanism(
        slug="image-view",
        title="An ad is seen: <img attributionsrc> (empty attribute)",
        element="<img attributionsrc>",
        source_type="event",
        eligible="event-source, trigger",
        what="A 1×1 image whose <code>attributionsrc</code> attribute is empty: the image request itself is the "
        "registration request, so the response to <code>src</code> carries "
        "<code>Attribution-Reporting-Register-Source</code>. This is how an ad reports that it was viewed.",
        why=VIEW_WHY,
        next_step=BUY_NEXT,
        markup=markup,
        registers=(url,),
        hint="Nothing to see: the 1×1 image loaded with the page, and that load was the registration. "
        "Reload the page to register another view.",
    )


def _img_multiple() -> Mechanism:
    first = source_url(source_type="event")
    second = source_url(source_type="event", partner=True)
    banner = "/static/publisher/ads/tent-banner.svg"
    markup = (
        f'<img src="{banner}"\n'
        f'     attributionsrc="{escape(first)} {escape(second)}"\n'
        '     alt="Ridgeline 2-Person Tent: sleeps two, weighs 1.9 kg">'
    )
    return Mechanism(
        slug="image-two-urls",
        title="One ad, two ad techs: attributionsrc with a list of URLs",
        element='<img attributionsrc="URL URL">',
        source_type="event",
        eligible="event-source, trigger",
        what="When <code>attributionsrc</code> holds URLs, the browser makes a separate background request to "
        "each (space-separated), with <code>Attribution-Reporting-Eligible</code>. The image's own request "
        "carries the header too, so its answer could register as well; here the banner is served by this news "
        "site, which answers no attribution header, so only the two listed URLs register. Each URL's origin "
        "is its own reporting origin: the ad tech and its measurement partner each ask for a source of their "
        "own." + PARTNER_SITE_NOTE,
        why=VIEW_WHY,
        next_step=BUY_NEXT + " Each stored source gets its own reports, sent to its own reporting origin.",
        markup=markup,
        registers=(first, second),
    )


def _script() -> Mechanism:
    url = source_url(source_type="event")
    markup = f'<script attributionsrc\n        src="{escape(url)}"></script>'
    return Mechanism(
        slug="script",
        title="An ad script: <script attributionsrc>",
        element="<script attributionsrc>",
        source_type="event",
        eligible="event-source, trigger",
        what="Ad tags are often scripts. With an empty <code>attributionsrc</code> the script request itself "
        "registers, exactly as for an image; with URLs, background requests go to them.",
        why=VIEW_WHY,
        next_step=BUY_NEXT,
        markup=markup,
        registers=(url,),
        hint="Nothing to see: the script loaded with the page, and that request was the registration. "
        "Reload the page to register another view.",
    )


def _fetch() -> Mechanism:
    url = source_url(source_type="event")
    markup = _on_click(
        "fetch-register",
        "The ad was seen: register with fetch()",
        f'    fetch("{url}", {{\n'
        "      keepalive: true,\n"
        "      attributionReporting: {eventSourceEligible: true, triggerEligible: false},\n"
        "    });\n",
    )
    return Mechanism(
        slug="fetch",
        title="From script: fetch() with attributionReporting",
        element="fetch(url, {attributionReporting})",
        source_type="event",
        eligible="event-source",
        what="An ad script that measures viewability registers the view when the ad is actually on screen, "
        "with <code>fetch</code>. The <code>attributionReporting</code> option says which registrations the "
        "response may make. The request is a CORS request, and the ad tech allows the page's origin "
        "(<code>Access-Control-Allow-Origin</code>): Chrome reads the attribution headers only of a response "
        'that passes its checks. (With <code>mode: "no-cors"</code> Chrome\'s Opaque Response Blocking '
        "withholds the ad tech's empty answer, headers and all, and nothing registers.)",
        why="<code>eventSourceEligible: true, triggerEligible: false</code> makes the browser send exactly "
        "<code>event-source</code>, so only a source header in the answer counts. (Both true would send "
        "<code>event-source, trigger</code>; both false sends the header with no keys.) A source registered "
        "this way is an event source: no click is involved.",
        next_step=BUY_NEXT,
        markup=markup,
        registers=(url,),
    )


def _xhr() -> Mechanism:
    url = source_url(source_type="event")
    markup = _on_click(
        "xhr-register",
        "The ad was seen: register with XMLHttpRequest",
        "    const xhr = new XMLHttpRequest();\n"
        f'    xhr.open("GET", "{url}");\n'
        "    xhr.setAttributionReporting({eventSourceEligible: true, triggerEligible: false});\n"
        "    xhr.send();\n",
    )
    return Mechanism(
        slug="xhr",
        title="From older script: XMLHttpRequest.setAttributionReporting()",
        element="xhr.setAttributionReporting()",
        source_type="event",
        eligible="event-source",
        what="The same as <code>fetch</code> for code that still uses <code>XMLHttpRequest</code>: call "
        "<code>setAttributionReporting()</code> after <code>open()</code> and before <code>send()</code>. "
        "Unlike <code>fetch</code> with <code>no-cors</code>, an <code>XMLHttpRequest</code> to another site "
        "is always a CORS request: the ad tech's registration endpoints answer with "
        "<code>Access-Control-Allow-Origin</code> for this site, so the page's script gets the answer and the "
        "console stays clean. The attribution headers are for the browser, not the script.",
        why="The dictionary is the same as fetch's, so the browser sends <code>event-source</code>.",
        next_step=BUY_NEXT,
        markup=markup,
        registers=(url,),
    )


def _redirect_chain() -> Mechanism:
    url = source_url(source_type="navigation", chain="partner")
    markup = _anchor(url, "Ridgeline 2-Person Tent, with our measurement partner")
    return Mechanism(
        slug="redirect-chain",
        title="A redirect chain: two reporting origins from one click",
        element="302 → measure.localhost",
        source_type="navigation",
        eligible="navigation-source",
        what="The ad tech answers the background request with a source header <em>and</em> a 302 redirect to "
        "its measurement partner on <code>measure.localhost</code>, a site of its own. The browser follows the redirect "
        "with the same <code>Attribution-Reporting-Eligible</code> header, and the partner registers its own "
        "source. Each hop's origin is the reporting origin of what that hop registers." + PARTNER_SITE_NOTE,
        why=CLICK_WHY,
        hint=CLICK_HINT,
        next_step=BUY_NEXT + " Each stored source gets its own reports, sent to its own reporting origin.",
        markup=markup,
        registers=(url,),
    )


BUILDERS: tuple[Callable[[], Mechanism], ...] = (
    _a_click,
    _window_open,
    _img_view,
    _img_multiple,
    _script,
    _fetch,
    _xhr,
    _redirect_chain,
)
