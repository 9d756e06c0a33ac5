from django.apps import AppConfig


class StatisticsConfig(AppConfig):
    name = "stafett.statistics"
    label = "statistics"
    verbose_name = "Statistics"
