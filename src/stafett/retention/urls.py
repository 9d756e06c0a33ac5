from django.urls import path

from stafett.retention import views

app_name = "retention"

urlpatterns = [
    path("municipality/retention/", views.retention, name="rules"),
]
