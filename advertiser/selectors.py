"""Read-only look-ups for the shop, and the trigger registrations each page makes."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

from config.hosts import party_url

from .catalog import BY_SKU, PRODUCTS, Product
from .models import Order


def product_list(category: str | None = None) -> list[Product]:
    return [p for p in PRODUCTS if category in (None, "", p.category)]


def get_product(sku: str) -> Product | None:
    return BY_SKU.get(sku)


def get_order(order_id: str) -> Order | None:
    return Order.objects.filter(order_id=order_id).first()


def trigger_url(
    event: str,
    *,
    value: int | None = None,
    currency: str | None = None,
    order: str | None = None,
    category: str | None = None,
    product: str | None = None,
) -> str:
    """The ad tech's trigger registration endpoint (the contract's ``/register/trigger``)."""
    params: dict[str, str] = {"event": event}
    for key, val in (
        ("value", value),
        ("currency", currency),
        ("order", order),
        ("category", category),
        ("product", product),
    ):
        if val is not None:
            params[key] = str(val)
    return party_url("adtech", "/register/trigger?" + urlencode(params))


@dataclass(frozen=True)
class TriggerSnippet:
    """How one shop page registers its trigger: the markup it uses, shown verbatim on the page."""

    event: str
    mechanism: str
    eligible: str
    markup: str
    url: str
    explanation: str


NO_WAIVER = (
    " The ad tech answers a trigger header only when the request says <code>trigger</code> is eligible: it does "
    "not rely on the compatibility waiver that let plain subresource responses register triggers."
)


def _on_submit(form_id: str, answer_name: str, body: str) -> str:
    """A script that posts form ``form_id`` with fetch, then runs ``body`` on its JSON answer.

    ``body`` is lines indented by four spaces; the answer is the constant ``answer_name``.
    """
    return (
        "<script>\n"
        f'  document.getElementById("{form_id}").addEventListener("submit", async (event) => {{\n'
        "    event.preventDefault();\n"
        "    const form = event.currentTarget;\n"
        "    const answer = await fetch(form.action, {\n"
        '      method: "POST", body: new FormData(form), headers: {"Accept": "application/json"},\n'
        "    });\n"
        f"    const {answer_name} = await answer.json();\n"
        f"{body}"
        "  });\n"
        "</script>"
    )


def product_view_trigger(product: Product) -> TriggerSnippet:
    url = trigger_url("product-view", product=product.sku, category=product.category)
    markup = f'<img attributionsrc src="{escape(url)}"\n     width="1" height="1" alt="">'
    return TriggerSnippet(
        event="product-view",
        mechanism="conversion pixel: <img attributionsrc>",
        eligible="event-source, trigger",
        markup=markup,
        url=url,
        explanation="A 1×1 conversion pixel with an empty <code>attributionsrc</code>: the image request "
        "registers. The browser offers <code>event-source, trigger</code>, and the ad tech answers "
        "<code>Attribution-Reporting-Register-Trigger</code>, so this is a trigger: a product view, which the "
        "ad tech can count as a low-value conversion. The URL carries the product's category, which the ad "
        "tech turns into <code>filters</code>: viewing boots is never credited to a tent ad." + NO_WAIVER,
    )


def add_to_cart_trigger(product: Product) -> TriggerSnippet:
    url = trigger_url(
        "add-to-cart", value=product.price_cents, product=product.sku, category=product.category
    )
    markup = _on_submit(
        "add-to-cart",
        "cart",
        "    if (!answer.ok) { window.alert(cart.error); return; }\n"
        '    document.querySelectorAll("[data-cart-count]").forEach((el) => { el.textContent = cart.count; });\n'
        '    document.getElementById("added").hidden = false;\n'
        f'    fetch("{url}", {{\n'
        "      keepalive: true,\n"
        "      attributionReporting: {eventSourceEligible: false, triggerEligible: true},\n"
        "    });\n",
    )
    return TriggerSnippet(
        event="add-to-cart",
        mechanism="fetch(url, {attributionReporting})",
        eligible="trigger",
        markup=markup,
        url=url,
        explanation="Adding to the cart happens in script, so the trigger is registered with "
        "<code>fetch</code> and <code>attributionReporting: {eventSourceEligible: false, triggerEligible: "
        "true}</code>: the browser sends <code>Attribution-Reporting-Eligible: trigger</code>, and only a "
        "trigger header counts in the answer. As for every product event, the category becomes "
        "<code>filters</code>, so only an ad for this category can be credited." + NO_WAIVER,
    )


def purchase_trigger(order: Order) -> TriggerSnippet:
    url = trigger_url(
        "purchase",
        value=order.total_cents,
        currency="USD",
        order=order.order_id,
        category=order.primary_category,
        product=order.primary_sku,
    )
    markup = f'<script attributionsrc\n        src="{escape(url)}"></script>'
    return TriggerSnippet(
        event="purchase",
        mechanism="<script attributionsrc>",
        eligible="event-source, trigger",
        markup=markup,
        url=url,
        explanation="The thank-you page loads the ad tech's conversion script with an empty "
        "<code>attributionsrc</code>, so the script request registers the purchase trigger. The URL carries "
        "the value (in cents), the order id and the product category: the ad tech turns the order id into a "
        "<code>deduplication_key</code> (so refreshing this page does not count the purchase twice), the "
        "category into <code>filters</code> (so a tent ad gets credit only for tents), and the value into "
        "an aggregatable value." + NO_WAIVER,
    )


def newsletter_trigger() -> TriggerSnippet:
    url = trigger_url("newsletter-signup")
    markup = _on_submit(
        "newsletter",
        "result",
        '    document.getElementById("newsletter-result").textContent = result.message;\n'
        "    if (!answer.ok) return;\n"
        "    const xhr = new XMLHttpRequest();\n"
        f'    xhr.open("GET", "{url}");\n'
        "    xhr.setAttributionReporting({eventSourceEligible: false, triggerEligible: true});\n"
        "    xhr.send();\n",
    )
    return TriggerSnippet(
        event="newsletter-signup",
        mechanism="XMLHttpRequest.setAttributionReporting()",
        eligible="trigger",
        markup=markup,
        url=url,
        explanation="After the sign-up succeeds, an <code>XMLHttpRequest</code> with "
        "<code>setAttributionReporting({eventSourceEligible: false, triggerEligible: true})</code> registers a "
        "newsletter-signup trigger: <code>Attribution-Reporting-Eligible: trigger</code>. An XHR to the ad tech's "
        "site is a CORS request, so the ad tech answers it with <code>Access-Control-Allow-Origin</code> for the "
        "shop. The newsletter is about no product, so this trigger has no category filter: any source for the "
        "shop can be credited." + NO_WAIVER,
    )
