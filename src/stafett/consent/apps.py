from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "stafett.consent"
    label = "consent"
