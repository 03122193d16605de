"""Room mode's routes on the guide host (under ``/room/``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("join", views.join, name="room-join"),
    path("api/join", views.api_join, name="room-api-join"),
    path("join.svg", views.join_qr, name="room-join-qr"),
    path("instructor", views.instructor, name="room-instructor"),
    path("instructor/progress.json", views.instructor_progress, name="room-instructor-progress"),
    path("instructor/reset", views.instructor_reset, name="room-instructor-reset"),
]
