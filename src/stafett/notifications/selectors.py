"""Reads for the notification centre, the header's unread count and the failed e-mails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from stafett.home.selectors import facts_for_logs
from stafett.notifications.models import Delivery, Kind, Notification
from stafett.policy import Actor, Decision, decide

CENTRE_SIZE = 50


def centre(actor: Actor) -> list[Notification]:
    """The person's latest notifications, newest first, in one query."""
    if actor.user is None:
        return []
    return list(
        Notification.objects.filter(recipient=actor.user)
        .select_related("log", "log__subject", "log__subject__municipality")
        .order_by("-created_at", "-id")[:CENTRE_SIZE]
    )


@dataclass(frozen=True)
class CentreRow:
    notification: Notification
    unread: bool
    # The child the log is about, only while the person may still open that log (a guardian
    # with two children must tell them apart; the e-mails never name anyone).
    child: Any
    role: str
    can_open: bool
    # A family's "No": the link goes to the consent page, where the coordinator reads the
    # answer (the log itself may still be closed to them: a first request).
    consent_page: bool = False


def centre_rows(actor: Actor) -> list[CentreRow]:
    """The centre's rows: each event, and whether the person may open its log now (asked
    of the policy for every log at once, a constant number of queries)."""
    items = centre(actor)
    logs = {n.log_id: n.log for n in items if n.log is not None}
    facts = facts_for_logs(actor, logs.values())
    rows = []
    for n in items:
        log_facts = facts.get(n.log_id) if n.log_id is not None else None
        can_open = (
            log_facts is not None
            and n.kind != Kind.CONSENT_ENDED
            and decide(actor, "log.view", log_facts) is Decision.ALLOW
        )
        if not can_open and not actor.is_staff_member:
            # The family is told nothing of a log they may not read (a youth who consents
            # alone stopped sharing it): not even that something happened in it.
            continue
        rows.append(
            CentreRow(
                notification=n,
                unread=n.read_at is None,
                child=n.log.subject if can_open and n.log is not None else None,
                role=log_facts.role if log_facts is not None else "",
                can_open=can_open,
                consent_page=(
                    n.kind == Kind.CONSENT_DECLINED
                    and log_facts is not None
                    and decide(actor, "consent.view", log_facts) is Decision.ALLOW
                ),
            )
        )
    return rows


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
