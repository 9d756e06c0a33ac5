"""The family's pages of a relay log: who has read it, meetings as calendar files."""

from django.urls import URLPattern, path

from stafett.logs import views_family as views

urlpatterns: list[URLPattern] = [
    path("<uuid:log>/who-has-read/", views.access_list, name="access_list"),
    path(
        "<uuid:log>/meetings/<uuid:meeting>/calendar.ics",
        views.meeting_calendar,
        name="meeting_calendar",
    ),
]
