from django.urls import include, path

from config.urls_common import common_patterns, error_handlers

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("worker/status", views.worker_status, name="worker-status"),
    path("worker/ping", views.worker_ping, name="worker-ping"),
    path("steps.json", views.steps, name="steps"),
    path("go/internals", views.go_internals, name="go-internals"),
    path("reset", views.reset, name="reset"),
    path("room/", include("room.urls")),
    *common_patterns(),
]

handler400, handler403, handler404, handler500 = error_handlers()
