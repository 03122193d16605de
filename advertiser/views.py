from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.shortcuts import found_or_404, wants_json

from . import selectors, services
from .catalog import CATEGORIES


def _render(
    request: HttpRequest, template: str, context: dict | None = None, status: int = 200
) -> HttpResponse:
    base = {"cart_count": services.cart_count(request.session), "categories": CATEGORIES}
    return render(request, template, {**base, **(context or {})}, status=status)


def _reply(request: HttpRequest, *, ok: bool, message: str, data: dict, then: str) -> HttpResponse:
    """``data`` as JSON for the page's script; for a plain form post, ``message`` and a redirect."""
    if wants_json(request):
        return JsonResponse(data, status=200 if ok else 400)
    (messages.success if ok else messages.error)(request, message)
    return redirect(then)


def _cart_context(lines: list[services.CartLine]) -> dict:
    return {"lines": lines, "total": f"${sum(line.line_cents for line in lines) / 100:,.2f}"}


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category") or None
    if category and category not in CATEGORIES:
        category = None
    return _render(
        request, "advertiser/home.html", {"products": selectors.product_list(category), "category": category}
    )


@require_GET
def product(request: HttpRequest, sku: str) -> HttpResponse:
    found = found_or_404(selectors.get_product(sku), "No such product")
    return _render(
        request,
        "advertiser/product.html",
        {
            "product": found,
            "view_trigger": selectors.product_view_trigger(found),
            "cart_trigger": selectors.add_to_cart_trigger(found),
        },
    )


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    sku = request.POST.get("sku", "")
    try:
        quantity = int(request.POST.get("quantity", "1"))
        count = services.add_to_cart(request.session, sku, quantity)
    except ValueError as exc:  # ShopError, or a quantity that is not a number
        message = str(exc) if isinstance(exc, services.ShopError) else "The quantity must be a whole number."
        return _reply(request, ok=False, message=message, data={"error": message}, then="cart")
    message = "Added to your cart."
    return _reply(request, ok=True, message=message, data={"count": count, "sku": sku}, then="cart")


@require_POST
def cart_remove(request: HttpRequest) -> HttpResponse:
    services.remove_from_cart(request.session, request.POST.get("sku", ""))
    return redirect("cart")


@require_GET
def cart(request: HttpRequest) -> HttpResponse:
    return _render(request, "advertiser/cart.html", _cart_context(services.cart_lines(request.session)))


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    lines = services.cart_lines(request.session)
    if not lines:
        messages.info(request, "Your cart is empty: add a product before checking out.")
        return redirect("cart")
    error = None
    form = {"name": "", "email": ""}
    if request.method == "POST":
        form = {"name": request.POST.get("name", ""), "email": request.POST.get("email", "")}
        try:
            order = services.place_order(request.session, **form)
        except services.ShopError as exc:
            error = str(exc)
        else:
            return redirect("order", order_id=order.order_id)
    return _render(
        request,
        "advertiser/checkout.html",
        {**_cart_context(lines), "error": error, "form": form},
        status=400 if error else 200,
    )


@require_GET
def order(request: HttpRequest, order_id: str) -> HttpResponse:
    found = selectors.get_order(order_id)
    if found is None:
        # An old link (a bookmark, the last attendee's tab after a reset): the shop's own page says so.
        return _render(request, "advertiser/order_not_found.html", {"order_id": order_id}, status=404)
    return _render(
        request, "advertiser/thanks.html", {"order": found, "trigger": selectors.purchase_trigger(found)}
    )


@require_http_methods(["GET", "POST"])
def newsletter(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            _, created = services.sign_up(request.POST.get("email", ""))
        except services.ShopError as exc:
            message, ok = str(exc), False
        else:
            message = "Thanks! You are signed up." if created else "You were already signed up: thanks!"
            ok = True
        return _reply(request, ok=ok, message=message, data={"ok": ok, "message": message}, then="newsletter")
    return _render(request, "advertiser/newsletter.html", {"trigger": selectors.newsletter_trigger()})
