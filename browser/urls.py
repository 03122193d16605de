from django.urls import path

from config.urls_common import common_patterns

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("shim.js", views.shim, name="shim"),
    *common_patterns(),
]
