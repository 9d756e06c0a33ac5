"""Reads for the administrator's log-in page."""

from __future__ import annotations

from django.db.models import QuerySet

from stafett.accounts.models import User
from stafett.signin.models import LinkRequest, Provider

# How many answered link requests the page shows.
ANSWERED_SHOWN = 20


def providers(municipality_id: int) -> QuerySet[Provider]:
    return Provider.objects.in_municipality(municipality_id).order_by("kind")


def pending_links(municipality_id: int) -> QuerySet[LinkRequest]:
    return (
        LinkRequest.objects.in_municipality(municipality_id)
        .filter(status=LinkRequest.Status.PENDING)
        .select_related("provider")
        .order_by("created_at")
    )


def answered_links(municipality_id: int) -> QuerySet[LinkRequest]:
    return (
        LinkRequest.objects.in_municipality(municipality_id)
        .exclude(status=LinkRequest.Status.PENDING)
        .select_related("provider", "decided_by")
        .order_by("-decided_at")[:ANSWERED_SHOWN]
    )


def citizens(municipality_id: int) -> QuerySet[User]:
    return User.objects.filter(
        municipality_id=municipality_id, kind=User.Kind.CITIZEN, is_active=True
    ).order_by("last_name", "first_name", "username")


def staff(municipality_id: int) -> QuerySet[User]:
    return User.objects.filter(
        municipality_id=municipality_id, kind=User.Kind.STAFF, is_active=True
    ).order_by("last_name", "first_name", "username")
