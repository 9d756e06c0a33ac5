from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "stafett.demo"
    label = "demo"
