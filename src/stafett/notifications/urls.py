from django.urls import path

from stafett.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.centre, name="centre"),
    path("settings/", views.preferences, name="preferences"),
    path("failed-emails/", views.failed_deliveries, name="failed_deliveries"),
]
