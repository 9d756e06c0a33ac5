from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "stafett.retention"
    label = "retention"
