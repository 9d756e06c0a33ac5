"""The leader's follow-up list: what waits for someone, per unit, without any child.

Research on BTI says the tool loses its effect where leaders do not follow up; this is
their list. It shows counts per unit and, for each relay log that needs attention, only
metadata (level, coordinator, what is late), with a link where the policy lets the
viewer open the log. No names, no birth dates, no content. Constant queries: units,
concerns, logs, measures, handovers, memberships, consents and their scope, and one
bulk insert into the access log.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from stafett.audit.log import record_accesses
from stafett.concerns.models import Concern, ConcernShare
from stafett.consent.models import ConsentState
from stafett.home.selectors import OPEN_MEASURE, facts_for_logs, log_url
from stafett.logs.models import Entry, EntryKind, Handover, RelayLog
from stafett.organisation.models import Membership, Unit
from stafett.policy import (
    Actor,
    ConcernFacts,
    Decision,
    Role,
    concern_share_in_force,
    decide,
)


@dataclass
class UnitCounts:
    unit: Unit
    concerns_overdue: int = 0
    evaluations_overdue: int = 0
    consent_ended: int = 0
    consent_ending: int = 0
    handovers_open: int = 0
    no_coordinator: int = 0

    @property
    def total(self) -> int:
        return (
            self.concerns_overdue
            + self.evaluations_overdue
            + self.consent_ended
            + self.consent_ending
            + self.handovers_open
            + self.no_coordinator
        )


@dataclass
class LogItem:
    """One relay log that needs attention: metadata only."""

    log: RelayLog
    unit_name: str
    coordinator_name: str
    evaluations_overdue: int = 0
    consent_ended: bool = False
    consent_ends_on: datetime.date | None = None
    handover_open: bool = False
    no_coordinator: bool = False
    url: str = ""


@dataclass
class ConcernItem:
    """A concern past its decision date that the viewer may open: no child, no text."""

    unit_name: str
    author_name: str
    decide_by: datetime.date
    url: str


@dataclass
class FollowUp:
    whole_municipality: bool
    units: list[UnitCounts] = field(default_factory=list)
    items: list[LogItem] = field(default_factory=list)
    concerns: list[ConcernItem] = field(default_factory=list)

    @property
    def total(self) -> UnitCounts:
        total = UnitCounts(unit=Unit(name=""))
        for row in self.units:
            total.concerns_overdue += row.concerns_overdue
            total.evaluations_overdue += row.evaluations_overdue
            total.consent_ended += row.consent_ended
            total.consent_ending += row.consent_ending
            total.handovers_open += row.handovers_open
            total.no_coordinator += row.no_coordinator
        return total


def _concerns_to_open(actor: Actor, concerns: list[Concern]) -> list[ConcernItem]:
    """The overdue concerns the policy lets the viewer open (`concern.view`), with the
    facts built for all of them in one query (the viewer's shares). An open concern has
    no log yet, so no one reads it as a log's coordinator here: that only leaves a link
    out, never adds one."""
    user = actor.user
    if user is None or not concerns:
        return []
    shares = {
        share.concern_id: share
        for share in ConcernShare.objects.filter(concern_id__in=[c.id for c in concerns], user=user)
    }
    items = []
    for concern in concerns:
        share = shares.get(concern.id)
        if share is not None and not concern_share_in_force(actor, share):
            share = None
        facts = ConcernFacts(
            concern=concern,
            is_author=concern.author_id == user.id and concern.unit_id in actor.unit_ids,
            share=share,
            is_log_coordinator=False,
            is_unit_leader=concern.violence_path_at is not None
            and concern.unit_id in actor.leader_unit_ids,
        )
        if decide(actor, "concern.view", facts) is Decision.ALLOW:
            items.append(
                ConcernItem(
                    unit_name=concern.unit.name,
                    author_name=concern.author.get_full_name() or concern.author.username,
                    decide_by=concern.decide_by,
                    url=reverse("concerns:detail", kwargs={"concern": concern.uuid}),
                )
            )
    return items


def follow_up(request: HttpRequest, actor: Actor) -> FollowUp:
    today = timezone.localdate()
    units_qs = Unit.objects.in_municipality(actor.municipality_id).filter(is_active=True)
    if not actor.is_admin:
        units_qs = units_qs.filter(id__in=actor.leader_unit_ids)
    units = list(units_qs.order_by("name"))
    result = FollowUp(whole_municipality=actor.is_admin)
    counts = {unit.id: UnitCounts(unit=unit) for unit in units}
    result.units = list(counts.values())
    if not units:
        return result
    unit_ids = list(counts)

    concerns = list(
        Concern.objects.in_municipality(actor.municipality_id)
        .filter(unit_id__in=unit_ids, status=Concern.Status.OPEN, decide_by__lt=today)
        .select_related("unit", "author")
        .order_by("decide_by", "id")
    )
    result.concerns = _concerns_to_open(actor, concerns)
    for concern in concerns:
        counts[concern.unit_id].concerns_overdue += 1

    logs = list(
        RelayLog.objects.in_municipality(actor.municipality_id)
        .filter(unit_id__in=unit_ids)
        .exclude(status=RelayLog.Status.CLOSED)
        .select_related("unit", "coordinator", "subject__municipality")
        .order_by("unit__name", "created_at", "id")
    )
    if not logs:
        return result
    log_ids = [log.id for log in logs]
    overdue = {
        row["log_id"]: row["n"]
        for row in Entry.objects.filter(
            log_id__in=log_ids,
            kind=EntryKind.MEASURE,
            latest__measure_status__in=OPEN_MEASURE,
            latest__evaluation_date__lt=today,
        )
        .values("log_id")
        .annotate(n=Count("id"))
        .order_by()
    }
    pending = set(
        Handover.objects.filter(log_id__in=log_ids, status=Handover.Status.PENDING).values_list(
            "log_id", flat=True
        )
    )
    members = set(
        Membership.objects.current()
        .filter(unit_id__in=unit_ids, user_id__in={log.coordinator_id for log in logs})
        .values_list("user_id", "unit_id")
    )
    facts = facts_for_logs(actor, logs)

    shown = []
    for log in logs:
        f = facts[log.id]
        state = f.consent_state
        item = LogItem(
            log=log,
            unit_name=log.unit.name,
            coordinator_name=log.coordinator.get_full_name() or log.coordinator.username,
            evaluations_overdue=overdue.get(log.id, 0),
            handover_open=log.id in pending,
            no_coordinator=(log.coordinator_id, log.unit_id) not in members
            or not log.coordinator.is_active,
        )
        if log.status == RelayLog.Status.ACTIVE and f.consent is not None:
            item.consent_ended = state == ConsentState.EXPIRED
            if state == ConsentState.EXPIRING:
                item.consent_ends_on = f.consent.valid_to
        unit = counts[log.unit_id]
        unit.evaluations_overdue += 1 if item.evaluations_overdue else 0
        unit.consent_ended += item.consent_ended
        unit.consent_ending += item.consent_ends_on is not None
        unit.handovers_open += item.handover_open
        unit.no_coordinator += item.no_coordinator
        if not (
            item.evaluations_overdue
            or item.consent_ended
            or item.consent_ends_on
            or item.handover_open
            or item.no_coordinator
        ):
            continue
        # A link only where the policy lets this viewer open the log.
        if decide(actor, "log.view_summary", f) is Decision.ALLOW:
            item.url = log_url("detail", log=log.uuid)
        result.items.append(item)
        shown.append(log.subject)
    if shown:
        role = (Role.MUNICIPAL_ADMIN if actor.is_admin else Role.UNIT_LEADER).value
        record_accesses(
            actor=actor.user,
            action="followup.log_metadata",
            objects=list({subject.id: subject for subject in shown}.values()),
            role_for=lambda _s: role,
            reason="follow-up list",
            request=request,
        )
    return result
