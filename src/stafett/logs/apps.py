from django.apps import AppConfig


class LogsConfig(AppConfig):
    name = "stafett.logs"
    label = "logs"
