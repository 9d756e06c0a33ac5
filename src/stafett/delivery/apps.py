from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "stafett.delivery"
    label = "delivery"
