from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "stafett.organisation"
    label = "organisation"
