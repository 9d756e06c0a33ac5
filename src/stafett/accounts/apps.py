from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "stafett.accounts"
    label = "accounts"

    def ready(self) -> None:
        from stafett.accounts import signals  # noqa: F401
