"""Trailhead Outfitters: catalogue, cart, checkout and the trigger each page registers."""

from __future__ import annotations

import re

import pytest

from advertiser import services
from advertiser.catalog import PRODUCTS
from advertiser.models import NewsletterSignup, Order

from .helpers import elements, shown_markups, split_url

pytestmark = pytest.mark.django_db
HOST = "shop.localhost:8000"
ADTECH = "adtech.localhost:8000"
JSON = {"HTTP_ACCEPT": "application/json"}


def get(client, path: str, status: int = 200) -> str:
    response = client.get(path, HTTP_HOST=HOST)
    assert response.status_code == status, path
    return response.content.decode()


def post(client, path: str, data: dict, **extra):
    return client.post(path, data, HTTP_HOST=HOST, **extra)


def trigger_params(url: str) -> dict[str, str]:
    netloc, path, params = split_url(url)
    assert (netloc, path) == (ADTECH, "/register/trigger")
    return params


def test_contract_skus_and_prices():
    assert {p.sku: (p.price_cents, p.category) for p in PRODUCTS} == {
        "tent-2p": (24900, "tents"),
        "tent-4p": (42900, "tents"),
        "boots-alpine": (18900, "boots"),
        "boots-trail": (12900, "boots"),
        "pack-35": (14900, "packs"),
    }


def test_catalogue_and_category_filter(client):
    body = get(client, "/")
    for p in PRODUCTS:
        assert f'href="/products/{p.sku}"' in body
    boots = get(client, "/?category=boots")
    assert "Alpine Mid GTX Boots" in boots and "Ridgeline 2-Person Tent" not in boots
    assert "Ridgeline 2-Person Tent" in get(client, "/?category=nonsense")  # unknown: everything


@pytest.mark.parametrize("product", PRODUCTS, ids=lambda p: p.sku)
def test_product_page_registers_a_product_view_with_a_pixel(client, product):
    body = get(client, f"/products/{product.sku}")
    assert product.name in body
    (pixel,) = elements(body, "img", "attributionsrc")
    assert pixel["attributionsrc"] in (None, "")
    assert trigger_params(pixel["src"]) == {
        "event": "product-view",
        "product": product.sku,
        "category": product.category,
    }
    view_markup, cart_markup = shown_markups(body)
    assert body.count(view_markup) == 1  # the pixel is the markup shown
    assert body.count(cart_markup) == 1  # the add-to-cart script runs exactly as shown
    (url,) = re.findall(r'fetch\("(http://[^"]+)"', cart_markup)
    assert trigger_params(url) == {
        "event": "add-to-cart",
        "value": str(product.price_cents),
        "product": product.sku,
        "category": product.category,
    }
    assert "attributionReporting: {eventSourceEligible: false, triggerEligible: true}" in cart_markup
    assert "Attribution-Reporting-Eligible: event-source, trigger" in body


def test_unknown_product_is_404(client):
    get(client, "/products/no-such-thing", status=404)


def test_add_to_cart_json_and_errors(client):
    response = post(client, "/cart/add", {"sku": "tent-2p", "quantity": "2"}, **JSON)
    assert response.json() == {"count": 2, "sku": "tent-2p"}
    bad = post(client, "/cart/add", {"sku": "nope"}, **JSON)
    assert bad.status_code == 400 and "no product" in bad.json()["error"]
    bad = post(client, "/cart/add", {"sku": "tent-2p", "quantity": "many"}, **JSON)
    assert bad.status_code == 400 and "whole number" in bad.json()["error"]
    bad = post(client, "/cart/add", {"sku": "tent-2p", "quantity": "0"}, **JSON)
    assert bad.status_code == 400
    assert "Cart (<span data-cart-count>2</span>)" in get(client, "/cart/")


def test_add_to_cart_without_javascript_redirects_to_the_cart(client):
    response = post(client, "/cart/add", {"sku": "pack-35"})
    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert "Summit 35L Pack" in get(client, "/cart/")
    post(client, "/cart/remove", {"sku": "pack-35"})
    assert "Your cart is empty" in get(client, "/cart/")


def test_checkout_with_an_empty_cart_goes_back_to_the_cart(client):
    response = client.get("/checkout/", HTTP_HOST=HOST)
    assert response.status_code == 302 and response["Location"] == "/cart/"


def _buy(client, *skus: str) -> str:
    for sku in skus:
        post(client, "/cart/add", {"sku": sku}, **JSON)
    assert "Place order" in get(client, "/checkout/")
    response = post(client, "/checkout/", {"name": "Ada", "email": "ada@example.com"})
    assert response.status_code == 302
    return response["Location"]


def test_checkout_rejects_bad_input_clearly(client):
    post(client, "/cart/add", {"sku": "tent-2p"}, **JSON)
    response = post(client, "/checkout/", {"name": "Ada", "email": "not-an-email"})
    assert response.status_code == 400
    assert "valid email" in response.content.decode()
    assert Order.objects.count() == 0


def test_purchase_registers_value_order_and_category_and_is_stable_on_refresh(client):
    location = _buy(client, "tent-2p")
    order = Order.objects.get()
    assert location == f"/orders/{order.order_id}/"
    first = get(client, location)
    (script,) = elements(first, "script", "attributionsrc")
    assert script["attributionsrc"] in (None, "")
    assert trigger_params(script["src"]) == {
        "event": "purchase",
        "value": "24900",
        "currency": "USD",
        "order": order.order_id,
        "category": "tents",
        "product": "tent-2p",
    }
    assert shown_markups(first) == [selectors_markup(order)]
    refreshed = get(client, location)
    assert elements(refreshed, "script", "attributionsrc") == [script]  # same order id, same trigger
    assert Order.objects.count() == 1
    assert "Your cart is empty" in get(client, "/cart/")


def selectors_markup(order: Order) -> str:
    from advertiser.selectors import purchase_trigger

    return purchase_trigger(order).markup


def test_order_ids_differ_between_orders(client):
    first = _buy(client, "tent-2p")
    second = _buy(client, "boots-trail")
    assert first != second


def test_mixed_cart_uses_the_category_worth_most(client):
    location = _buy(client, "boots-trail", "tent-4p", "pack-35")
    (script,) = elements(get(client, location), "script", "attributionsrc")
    params = trigger_params(script["src"])
    assert params["category"] == "tents" and params["product"] == "tent-4p"
    assert params["value"] == str(12900 + 42900 + 14900)


def test_unknown_order_is_404(client):
    get(client, "/orders/TH-NOPE/", status=404)


def test_newsletter_signup_and_its_xhr_trigger(client):
    body = get(client, "/newsletter/")
    (markup,) = shown_markups(body)
    assert body.count(markup) == 1
    assert "xhr.setAttributionReporting({eventSourceEligible: false, triggerEligible: true});" in markup
    (url,) = re.findall(r'xhr\.open\("GET", "([^"]+)"\)', markup)
    assert trigger_params(url) == {"event": "newsletter-signup"}
    ok = post(client, "/newsletter/", {"email": "Ada@Example.com"}, **JSON)
    assert ok.json() == {"ok": True, "message": "Thanks! You are signed up."}
    again = post(client, "/newsletter/", {"email": "ada@example.com"}, **JSON)
    assert "already" in again.json()["message"]
    bad = post(client, "/newsletter/", {"email": "nope"}, **JSON)
    assert bad.status_code == 400 and bad.json()["ok"] is False
    assert NewsletterSignup.objects.count() == 1


def test_pages_say_the_compatibility_waiver_is_not_used(client):
    assert "compatibility waiver" in get(client, "/products/tent-2p")


def test_clear_all_data_removes_orders_and_signups(client):
    _buy(client, "tent-2p")
    services.sign_up("ada@example.com")
    assert services.clear_all_data() == {"orders": 1, "newsletter_signups": 1}
    assert not Order.objects.exists() and not NewsletterSignup.objects.exists()


def test_an_unknown_order_is_the_shops_own_not_found_page(client):
    """An old order link after the workshop's reset: the shop says so, with a 404 and no trigger."""
    response = client.get("/orders/TH-GONE0000/", HTTP_HOST=HOST)
    assert response.status_code == 404
    body = response.content.decode()
    assert "We cannot find order TH-GONE0000" in body and "data-not-found" in body
    assert "register/trigger" not in body  # no purchase to register
