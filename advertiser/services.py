"""The shop's actions: the session cart, placing an order, the newsletter, and the guide's reset."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from .catalog import BY_SKU
from .models import NewsletterSignup, Order

CART_KEY = "cart"
MAX_QUANTITY = 20


class ShopError(ValueError):
    """Bad input from a person (unknown product, empty cart, invalid email); the message says what to fix."""


@dataclass(frozen=True)
class CartLine:
    sku: str
    name: str
    quantity: int
    unit_cents: int
    category: str

    @property
    def line_cents(self) -> int:
        return self.quantity * self.unit_cents

    @property
    def line_total(self) -> str:
        return f"${self.line_cents / 100:,.2f}"


def cart_lines(session: SessionBase) -> list[CartLine]:
    lines = []
    for sku, quantity in session.get(CART_KEY, {}).items():
        product = BY_SKU.get(sku)
        if product and quantity > 0:
            lines.append(CartLine(sku, product.name, quantity, product.price_cents, product.category))
    return lines


def cart_count(session: SessionBase) -> int:
    return sum(line.quantity for line in cart_lines(session))


def add_to_cart(session: SessionBase, sku: str, quantity: int = 1) -> int:
    """Adds a product; returns the number of items in the cart."""
    if sku not in BY_SKU:
        raise ShopError(f"There is no product {sku!r} in the catalogue.")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ShopError(f"Choose a quantity between 1 and {MAX_QUANTITY}.")
    cart = dict(session.get(CART_KEY, {}))
    cart[sku] = min(cart.get(sku, 0) + quantity, MAX_QUANTITY)
    session[CART_KEY] = cart
    return cart_count(session)


def remove_from_cart(session: SessionBase, sku: str) -> int:
    cart = dict(session.get(CART_KEY, {}))
    cart.pop(sku, None)
    session[CART_KEY] = cart
    return cart_count(session)


def new_order_id() -> str:
    return "TH-" + secrets.token_hex(4).upper()


def place_order(session: SessionBase, *, name: str, email: str) -> Order:
    """Turns the cart into an order and empties the cart.

    The primary category (of the line worth most) goes into the purchase trigger: one purchase, one trigger,
    so the deduplication key from the order id covers the whole order.
    """
    lines = cart_lines(session)
    if not lines:
        raise ShopError("Your cart is empty: add a product before checking out.")
    name = name.strip()
    if not name:
        raise ShopError("Please give a name for the delivery.")
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ShopError("Please give a valid email address for the receipt.") from exc
    primary = max(lines, key=lambda line: line.line_cents)
    with transaction.atomic():
        order = Order.objects.create(
            order_id=new_order_id(),
            name=name[:200],
            email=email,
            lines=[
                {
                    "sku": line.sku,
                    "name": line.name,
                    "quantity": line.quantity,
                    "unit_cents": line.unit_cents,
                    "category": line.category,
                }
                for line in lines
            ],
            total_cents=sum(line.line_cents for line in lines),
            primary_category=primary.category,
            primary_sku=primary.sku,
        )
    session[CART_KEY] = {}
    return order


def sign_up(email: str) -> tuple[NewsletterSignup, bool]:
    """Subscribes an email; returns the signup and whether it is new."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ShopError("Please give a valid email address.") from exc
    return NewsletterSignup.objects.get_or_create(email=email)


def clear_all_data() -> dict[str, int]:
    """Removes every order and newsletter signup (the guide's reset for the next attendee)."""
    orders, _ = Order.objects.all().delete()
    signups, _ = NewsletterSignup.objects.all().delete()
    return {"orders": orders, "newsletter_signups": signups}
