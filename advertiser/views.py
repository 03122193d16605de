from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import selectors, services
from .catalog import CATEGORIES


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _render(
    request: HttpRequest, template: str, context: dict | None = None, status: int = 200
) -> HttpResponse:
    base = {"cart_count": services.cart_count(request.session), "categories": CATEGORIES}
    return render(request, template, {**base, **(context or {})}, status=status)


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
    found = selectors.get_product(sku)
    if found is None:
        raise Http404("No such product")
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
        if _wants_json(request):
            return JsonResponse({"error": message}, status=400)
        messages.error(request, message)
        return redirect("cart")
    if _wants_json(request):
        return JsonResponse({"count": count, "sku": sku})
    messages.success(request, "Added to your cart.")
    return redirect("cart")


@require_POST
def cart_remove(request: HttpRequest) -> HttpResponse:
    services.remove_from_cart(request.session, request.POST.get("sku", ""))
    return redirect("cart")


@require_GET
def cart(request: HttpRequest) -> HttpResponse:
    lines = services.cart_lines(request.session)
    total = sum(line.line_cents for line in lines)
    return _render(request, "advertiser/cart.html", {"lines": lines, "total": f"${total / 100:,.2f}"})


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
    total = sum(line.line_cents for line in lines)
    return _render(
        request,
        "advertiser/checkout.html",
        {"lines": lines, "total": f"${total / 100:,.2f}", "error": error, "form": form},
        status=400 if error else 200,
    )


@require_GET
def order(request: HttpRequest, order_id: str) -> HttpResponse:
    found = selectors.get_order(order_id)
    if found is None:
        raise Http404("No such order")
    return _render(
        request, "advertiser/thanks.html", {"order": found, "trigger": selectors.purchase_trigger(found)}
    )


@require_http_methods(["GET", "POST"])
def newsletter(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            _, created = services.sign_up(request.POST.get("email", ""))
        except services.ShopError as exc:
            if _wants_json(request):
                return JsonResponse({"ok": False, "message": str(exc)}, status=400)
            messages.error(request, str(exc))
            return redirect("newsletter")
        message = "Thanks! You are signed up." if created else "You were already signed up: thanks!"
        if _wants_json(request):
            return JsonResponse({"ok": True, "message": message})
        messages.success(request, message)
        return redirect("newsletter")
    return _render(request, "advertiser/newsletter.html", {"trigger": selectors.newsletter_trigger()})
