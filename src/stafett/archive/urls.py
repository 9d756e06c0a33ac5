"""The archive document of a relay log, and the family's own copy (issue 12)."""

from django.urls import URLPattern, path

from stafett.archive import views

app_name = "archive"

urlpatterns: list[URLPattern] = [
    path("<uuid:log>/request/", views.request_document, name="request"),
    path("<uuid:log>/documents/<uuid:document>/pdf/", views.document_pdf, name="pdf"),
    path(
        "<uuid:log>/documents/<uuid:document>/package/",
        views.document_package,
        name="package",
    ),
    path("<uuid:log>/mine/pdf/", views.family_pdf, name="family_pdf"),
    path("<uuid:log>/mine/json/", views.family_json, name="family_json"),
]
