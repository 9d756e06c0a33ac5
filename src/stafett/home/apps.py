from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "stafett.home"
    label = "home"
