"""A test-only URLconf with a view that skips the policy, and its protected twin."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from stafett.policy import access_municipality
from stafett.urls import urlpatterns as site_urls


def unprotected(request: HttpRequest) -> HttpResponse:
    # Deliberately wrong: reads and shows content without asking the policy.
    return HttpResponse("the municipality's settings")


def protected(request: HttpRequest) -> HttpResponse:
    access_municipality(request, "municipality.manage")
    return HttpResponse("the municipality's settings")


urlpatterns = [
    *site_urls,
    path("test/unprotected/", unprotected, name="unprotected"),
    path("test/protected/", protected, name="protected"),
]
