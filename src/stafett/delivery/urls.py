from django.urls import path

from stafett.delivery import views

app_name = "delivery"

urlpatterns = [
    path("archive/", views.archive, name="archive"),
    path("report/<uuid:concern>/fiks/", views.report_fiks, name="report_fiks"),
]
