from django.apps import AppConfig


class RoomConfig(AppConfig):
    name = "room"
    verbose_name = "Room mode"
