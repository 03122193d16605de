from django.apps import AppConfig


class AdtechConfig(AppConfig):
    name = "adtech"
