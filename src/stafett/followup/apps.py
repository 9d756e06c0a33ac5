from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "stafett.followup"
    label = "followup"
