"""Reads for the notification centre, the header's unread count and the failed e-mails."""

from __future__ import annotations

from django.db.models import QuerySet

from stafett.notifications.models import Delivery, Notification
from stafett.policy import Actor

CENTRE_SIZE = 50


def centre(actor: Actor) -> list[Notification]:
    """The person's latest notifications, newest first, in one query."""
    if actor.user is None:
        return []
    return list(
        Notification.objects.filter(recipient=actor.user)
        .select_related("log")
        .order_by("-created_at", "-id")[:CENTRE_SIZE]
    )


def unread_count(actor: Actor) -> int:
    if actor.user is None:
        return 0
    return Notification.objects.filter(recipient=actor.user, read_at__isnull=True).count()


def troubled_deliveries(actor: Actor) -> QuerySet[Delivery]:
    """E-mails of the municipality that failed or wait for another try (no content)."""
    return (
        Delivery.objects.in_municipality(actor.municipality_id)
        .filter(status__in=[Delivery.Status.FAILED, Delivery.Status.RETRYING])
        .select_related("recipient", "notification")
        .order_by("-created_at", "-id")[:200]
    )
