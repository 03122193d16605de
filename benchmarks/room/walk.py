"""The seven steps, as one attendee clicks through them, with what their pages poll meanwhile."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlencode, urlsplit

import httpx

from . import polls
from .attendee import Attendee

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf(response: httpx.Response) -> str:
    found = CSRF_FIELD.search(response.text)
    return found.group(1) if found else ""


async def walk(a: Attendee, room: bool) -> None:
    """Joins, opens the guide in a tab of its own (it polls for the whole walk), and walks the
    seven steps in the other tab, thinking between steps; each page polls while it is open."""
    lab = a.lab
    news, shop, ad, browser = (lab.origin(s) for s in ("news", "shop", "adtech", "browser"))
    try:
        if room:
            await a.join()
        await a.open("", "/", tab=a.guide)
        await a.pause()
        await see_ads(a, news, ad)
        await a.pause()
        product = await click_ad(a, news, shop, ad)
        await a.pause()
        await buy(a, ad, product)
        await a.pause()
        await internals(a, browser)
        await a.pause()
        await a.open("adtech", "/")  # (6) the dashboard: it polls at once and every 3 s
        await a.pause()
        await summary(a)
        await a.pause()  # a look at the summary reports (the list polls while a job runs)
    finally:
        await a.leave()


async def see_ads(a: Attendee, news: str, ad: str) -> None:
    """(1) The news home and its two ad frames, each registering a view source."""
    await a.open("news", "/")
    for slot, creative, campaign in (
        ("front-leaderboard", "tent-leaderboard", "trail-tents"),
        ("front-sidebar", "boots-square", "winter-boots"),
    ):
        frame = f"/ads/serve?slot={slot}&creative={creative}"
        # The publisher's slot passes the attendee's token on to the frame, as the shim's does.
        framed = frame + (f"&{urlencode({'profile': a.token})}" if a.token else "")
        await a.frame("adtech", framed)
        source = f"{ad}/register/source?campaign={campaign}&creative={creative}&type=view"
        await a.register(source, news, ad, ad + frame)


async def click_ad(a: Attendee, news: str, shop: str, ad: str) -> httpx.Response:
    """(2) The tent ad's link (``target=_top`` in its frame) navigates the news page through the
    simulated browser's ``/navigate``; the frame's shim asks how it went until the product page
    replaces the news page; the product page's view trigger."""
    click = {
        "mechanism": "anchor",
        "token": str(uuid.uuid4()),
        "href": f"{shop}/products/tent-2p",
        "context_origin": news,
        "frame_origin": ad,
        "src": f"{ad}/register/source?campaign=trail-tents&creative=tent-leaderboard&type=click",
    }
    if a.tab.page is not None:
        a.spawn(polls.follow(a.tab.page, click["token"], ad))
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
    product, _ = await a.open("shop", "/products/tent-2p")
    trigger = f"{ad}/register/trigger?event=product-view&category=tents&product=tent-2p"
    await a.network(trigger, "img", "image", "no-cors", "shop")
    return product


async def buy(a: Attendee, ad: str, product: httpx.Response) -> None:
    """(3) Add to cart (a fetch trigger), check out, the thank-you page's purchase trigger."""
    form = {"csrfmiddlewaretoken": csrf(product), "sku": "tent-2p", "quantity": "1"}
    await a.submit("shop", "/cart/add", form, page="/products/tent-2p", expect=(200, 302))
    trigger = f"{ad}/register/trigger?event=add-to-cart&value=24900&category=tents&product=tent-2p"
    await a.network(trigger, "fetch", "", "cors", "shop")
    await a.open("shop", "/cart/")
    checkout, _ = await a.open("shop", "/checkout/")
    order = {"csrfmiddlewaretoken": csrf(checkout), "name": "Ada Walker", "email": "ada@example.com"}
    placed = await a.submit("shop", "/checkout/", order, page="/checkout/", expect=(302,))
    order_path = urlsplit(placed.headers.get("Location", "/orders/TH-00000000/")).path
    await a.open("shop", order_path, label="/orders/<order>/")
    order_id = order_path.rstrip("/").rsplit("/", 1)[-1]
    trigger = f"{ad}/register/trigger?event=purchase&value=24900&currency=USD&order={order_id}&category=tents&product=tent-2p"
    await a.network(trigger, "script", "script", "no-cors", "shop")


async def internals(a: Attendee, browser: str) -> None:
    """(4) The guide's link to attribution internals (it notes the visit), which polls every 2 s;
    (5) "Send all pending reports", after which the page refreshes its tables."""
    await a.request("page", "GET", "", "/go/internals", expect=(302,))
    await a.open("browser", "/")
    headers = {
        "Content-Type": "application/json",
        "X-CSRFToken": a.jar("browser").get("csrftoken", ""),
        "Origin": browser,
        "Referer": browser + "/",
    }
    await a.request("action", "POST", "browser", "/api/actions/send-all", content="{}", headers=headers)
    await a.request("page", "GET", "browser", "/api/internals")


async def summary(a: Attendee) -> None:
    """(7) "Create summary report"; the answer goes back to the summary reports, which poll
    themselves while a job is in progress."""
    summaries, _ = await a.open("adtech", "/summaries/")
    form = {"csrfmiddlewaretoken": csrf(summaries), "epsilon": "10"}
    await a.submit("adtech", "/summaries/create", form, page="/summaries/", expect=(302, 303))
    await a.open("adtech", "/summaries/")
