from django.urls import path

from stafett.statistics import views

app_name = "statistics"

urlpatterns = [
    path("", views.page, name="page"),
    path("statistics.csv", views.csv_file, name="csv"),
]
