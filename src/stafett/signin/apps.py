from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "stafett.signin"
    label = "signin"
