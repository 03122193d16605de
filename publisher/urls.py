from django.urls import path

from config.urls_common import common_patterns, error_handlers

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<slug:slug>/", views.article, name="article"),
    path("ways/", views.ways, name="ways"),
    path("ways/<slug:slug>/", views.way, name="way"),
    *common_patterns(),
]

handler400, handler403, handler404, handler500 = error_handlers()
