from django.urls import path

from stafett.followup import views

app_name = "followup"

urlpatterns = [
    path("follow-up/", views.overview, name="overview"),
]
