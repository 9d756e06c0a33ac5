"""Reads for the accounts app."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from stafett.accounts.models import LoginFailureWindow
from stafett.policy import Actor

# The administrator's list of failed log-ins looks this far back.
FAILURES_SHOWN_DAYS = 30


def login_failures(actor: Actor) -> QuerySet[LoginFailureWindow]:
    """Failed password steps on the accounts of the actor's municipality in the last
    30 days, newest first. Typed usernames that match no account belong to no
    municipality and are not shown to any municipality."""
    if actor.municipality_id is None:
        return LoginFailureWindow.objects.none()
    since = timezone.now() - datetime.timedelta(days=FAILURES_SHOWN_DAYS)
    return (
        LoginFailureWindow.objects.filter(municipality_id=actor.municipality_id, last_at__gte=since)
        .select_related("user")
        .order_by("-last_at", "-id")[:200]
    )
