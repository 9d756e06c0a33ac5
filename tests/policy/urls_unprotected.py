"""A test-only URLconf with a view that skips the policy, and its protected twin; a view
that shows a child's name without an access-log row, and its traced twin."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from stafett.audit.log import record_access
from stafett.people.models import Subject
from stafett.policy import access_municipality, actor_for
from stafett.urls import urlpatterns as site_urls


def unprotected(request: HttpRequest) -> HttpResponse:
    # Deliberately wrong: reads and shows content without asking the policy.
    return HttpResponse("the municipality's settings")


def protected(request: HttpRequest) -> HttpResponse:
    access_municipality(request, "municipality.manage")
    return HttpResponse("the municipality's settings")


def _first_child(request: HttpRequest) -> Subject:
    access_municipality(request, "municipality.manage")
    child = Subject.objects.filter(municipality_id=actor_for(request).municipality_id).first()
    assert child is not None
    return child


def untraced(request: HttpRequest) -> HttpResponse:
    # Deliberately wrong: shows a child's name and writes no access-log row.
    return HttpResponse(f"<h1>{_first_child(request).full_name}</h1>")


def traced(request: HttpRequest) -> HttpResponse:
    child = _first_child(request)
    record_access(actor=request.user, action="subject.view", obj=child, subject_uuid=child.uuid)
    return HttpResponse(f"<h1>{child.full_name}</h1>")


urlpatterns = [
    *site_urls,
    path("test/unprotected/", unprotected, name="unprotected"),
    path("test/protected/", protected, name="protected"),
    path("test/untraced/", untraced, name="untraced"),
    path("test/traced/", traced, name="traced"),
]
