"""Test-only fidelity routes, included on every host (each view checks its host)."""

from django.urls import path

from . import views

urlpatterns = [
    path("page/<slug:scenario>/<slug:name>", views.page, name="fidelity-page"),
    path("r/<slug:scenario>/<slug:step>", views.register, name="fidelity-register"),
    path("pixel.gif", views.pixel, name="fidelity-pixel"),
    path("empty.js", views.empty_script, name="fidelity-script"),
]
