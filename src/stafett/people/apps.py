from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "stafett.people"
    label = "people"
