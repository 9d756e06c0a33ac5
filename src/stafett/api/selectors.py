"""Reads for the API. Lists are filtered by the one access policy: a log is listed only
when `log.view_summary` allows it for the caller, as on the web."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from stafett.api.models import ApiToken
from stafett.home.selectors import facts_for_logs
from stafett.logs.models import Participant, RelayLog
from stafett.policy import Actor, Decision, LogFacts, coordinated_by, decide


@dataclass(frozen=True)
class ListedLog:
    log: RelayLog
    facts: LogFacts
    content: bool


def candidate_logs(actor: Actor) -> QuerySet[RelayLog]:
    """The logs the caller is an insider of (coordinator, participant, the unit's
    leader, family), newest change first. Which of them the caller may see is the
    policy's answer per log (`logs_page`)."""
    user = actor.user
    if user is None or actor.municipality_id is None:
        return RelayLog.objects.none()
    mine = coordinated_by(actor)
    if actor.is_staff_member:
        mine |= (
            Q(id__in=Participant.objects.current().filter(user=user).values("log_id"))
            | Q(unit_id__in=actor.leader_unit_ids)
            | Q(origin_unit_id__in=actor.leader_unit_ids)
        )
    family = set(actor.guardian_subject_ids)
    if actor.own_subject_id is not None:
        family.add(actor.own_subject_id)
    if family:
        mine |= Q(subject_id__in=family)
    return (
        RelayLog.objects.in_municipality(actor.municipality_id)
        .filter(mine)
        .select_related("subject", "subject__municipality", "unit", "origin_unit", "coordinator")
        .order_by("-updated_at", "-id")
    )


def logs_page(actor: Actor, *, limit: int, offset: int) -> tuple[int, list[ListedLog]]:
    """(how many candidates, the page's logs the policy lets the caller see). A page may
    hold fewer than `limit` logs: those whose consent no longer covers the caller are
    left out, as on the web."""
    candidates = candidate_logs(actor)
    count = candidates.count()
    logs = list(candidates[offset : offset + limit])
    facts = facts_for_logs(actor, logs)
    listed: list[ListedLog] = []
    for log in logs:
        f = facts[log.id]
        if decide(actor, "log.view_summary", f) is not Decision.ALLOW:
            continue
        listed.append(ListedLog(log, f, decide(actor, "log.view", f) is Decision.ALLOW))
    return count, listed


def tokens_of(municipality_id: int) -> list[ApiToken]:
    return list(
        ApiToken.objects.filter(municipality_id=municipality_id)
        .select_related("created_by", "revoked_by")
        .prefetch_related("units")
        .order_by("-created_at", "-id")
    )


def page_of(queryset: QuerySet[Any], *, limit: int, offset: int) -> tuple[int, list[Any]]:
    return queryset.count(), list(queryset[offset : offset + limit])
