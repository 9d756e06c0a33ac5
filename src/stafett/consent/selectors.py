"""Reads for the consent pages: the family's requests to change the scope, and the
municipality's consent texts in more languages. One query each."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from stafett.consent.models import ConsentText, GuardianShare, ScopeChangeRequest
from stafett.logs.models import RelayLog


def open_scope_requests(log: RelayLog) -> list[ScopeChangeRequest]:
    """The family's requests the coordinator has not answered yet, oldest first."""
    return list(
        ScopeChangeRequest.objects.filter(log=log, status=ScopeChangeRequest.Status.OPEN)
        .select_related("unit", "asked_by")
        .order_by("asked_at", "id")
    )


def scope_requests(log: RelayLog) -> list[ScopeChangeRequest]:
    """Every request about the log's scope, newest first (the family's history)."""
    return list(
        ScopeChangeRequest.objects.filter(log=log)
        .select_related("unit", "asked_by", "answered_by")
        .order_by("-asked_at", "-id")
    )


def open_scope_requests_for_coordinator(
    user_id: int, municipality_id: int | None
) -> QuerySet[ScopeChangeRequest]:
    """Requests waiting on the logs this person coordinates (for the home page)."""
    return (
        ScopeChangeRequest.objects.in_municipality(municipality_id)
        .filter(
            status=ScopeChangeRequest.Status.OPEN,
            log__coordinator_id=user_id,
            log__status=RelayLog.Status.ACTIVE,
        )
        .select_related("unit", "log", "log__subject")
        .order_by("asked_at", "id")
    )


def consent_texts(municipality_id: int | None) -> list[ConsentText]:
    return list(ConsentText.objects.in_municipality(municipality_id).order_by("language"))


def guardian_shares(consent: Any, state: Any) -> list[GuardianShare]:
    """The guardians a youth who consents alone lets read the log, under the consent in
    force (none once it is withdrawn or has run out)."""
    if consent is None or state is None or not state.grants_access:
        return []
    return list(
        GuardianShare.objects.filter(consent=consent, ended_at__isnull=True)
        .select_related("guardian")
        .order_by("guardian__first_name", "guardian__last_name", "guardian_id")
    )
