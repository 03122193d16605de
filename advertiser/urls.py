from django.urls import path

from config.urls_common import common_patterns

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    *common_patterns(),
]
