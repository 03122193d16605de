from django.urls import path

from config.urls_common import common_patterns, error_handlers

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("products/<slug:sku>", views.product, name="product"),
    path("products/<slug:sku>/", views.product),
    path("cart/", views.cart, name="cart"),
    path("cart/add", views.cart_add, name="cart-add"),
    path("cart/remove", views.cart_remove, name="cart-remove"),
    path("checkout/", views.checkout, name="checkout"),
    path("orders/<slug:order_id>/", views.order, name="order"),
    path("newsletter/", views.newsletter, name="newsletter"),
    *common_patterns(),
]

handler400, handler403, handler404, handler500 = error_handlers()
