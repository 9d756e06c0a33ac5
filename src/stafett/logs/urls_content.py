"""Log page, timeline, entries, versions, printable view."""

from django.urls import URLPattern, path

from stafett.logs import views_content as views

urlpatterns: list[URLPattern] = [
    path("<uuid:log>/", views.detail, name="detail"),
    path("<uuid:log>/add/<str:kind>/", views.entry_add, name="entry_add"),
    path("<uuid:log>/entries/<uuid:entry>/edit/", views.entry_edit, name="entry_edit"),
    path("<uuid:log>/entries/<uuid:entry>/versions/", views.entry_versions, name="entry_versions"),
    path("<uuid:log>/print/", views.print_view, name="print"),
]
