from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "stafett.notifications"
    label = "notifications"
