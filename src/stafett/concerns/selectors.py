"""Reads for concerns. Lists take a constant number of queries whatever their size, and
are filtered by the same visibility as `stafett.policy` (author, or shared with)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from stafett.audit.log import record_accesses
from stafett.concerns.models import Concern, ConcernRecord, ConcernShare, WorryScore
from stafett.concerns.worry import Chart, build_chart
from stafett.logs.models import EntryKind, EntryVersion, RelayLog
from stafett.policy import Actor


def visible_concerns(actor: Actor) -> QuerySet[Concern]:
    """Concerns the actor wrote or that were shared with them (never anyone else's)."""
    user = actor.user
    if user is None or not actor.is_staff_member:
        return Concern.objects.none()
    shared = ConcernShare.objects.filter(concern=OuterRef("pk"), user=user)
    concerns: QuerySet[Concern] = (
        Concern.objects.in_municipality(actor.municipality_id)
        .annotate(shared_with_me=Exists(shared))
        .filter(Q(author=user) | Q(shared_with_me=True))
        .select_related("subject", "unit", "author")
    )
    return concerns


def concern_list(actor: Actor) -> list[Concern]:
    return list(visible_concerns(actor).order_by("-status", "decide_by", "-created_at")[:200])


def record_list_reads(request: HttpRequest, actor: Actor, concerns: list[Concern]) -> None:
    """Named children on a list page are reads: one bulk insert."""
    subjects = {c.subject.id: c.subject for c in concerns if c.subject is not None}
    if subjects:
        record_accesses(
            actor=actor.user,
            action="concern.list",
            objects=list(subjects.values()),
            role_for=lambda s: "staff",
            reason="concern list",
            request=request,
        )


@dataclass
class OverdueSummary:
    mine: list[Concern]  # open concerns past their date that I wrote or that were shared
    unit_counts: list[tuple[str, int]]  # for leaders: per unit led, how many are overdue
    shared_unread: list[Concern]  # open concerns shared with me that I have not opened


def overdue_for_home(actor: Actor, today: datetime.date | None = None) -> OverdueSummary:
    """Concerns past the decision date: the author's and those shared with the actor,
    with links; for a unit's leader also how many in the unit (metadata, no content);
    and concerns shared with the actor not opened yet. Three queries."""
    today = today or timezone.localdate()
    mine = list(
        visible_concerns(actor)
        .filter(status=Concern.Status.OPEN, decide_by__lt=today)
        .order_by("decide_by")[:20]
    )
    counts: list[tuple[str, int]] = []
    if actor.leader_unit_ids:
        counts = [
            (row["unit__name"], row["n"])
            for row in Concern.objects.in_municipality(actor.municipality_id)
            .filter(
                unit_id__in=actor.leader_unit_ids,
                status=Concern.Status.OPEN,
                decide_by__lt=today,
            )
            .values("unit__name")
            .annotate(n=Count("id"))
            .order_by("unit__name")
        ]
    shared_unread: list[Concern] = []
    if actor.user is not None:
        shared_unread = list(
            Concern.objects.in_municipality(actor.municipality_id)
            .filter(
                status=Concern.Status.OPEN,
                shares__user=actor.user,
                shares__first_read_at__isnull=True,
            )
            .select_related("subject", "unit", "author")
            .order_by("-created_at")[:20]
        )
    return OverdueSummary(mine=mine, unit_counts=counts, shared_unread=shared_unread)


@dataclass
class ConcernPage:
    records: list[ConcernRecord]
    shares: list[ConcernShare]
    scores: list[WorryScore]
    chart: Chart | None


def concern_page(concern: Concern) -> ConcernPage:
    """Everything on the concern's page, in three queries."""
    records = list(concern.records.select_related("author").order_by("created_at", "id"))
    shares = list(concern.shares.select_related("user").order_by("shared_at", "id"))
    scores = list(concern.scores.order_by("scored_on", "id"))
    chart = build_chart([(s.scored_on, s.score, "concern") for s in scores])
    return ConcernPage(records=records, shares=shares, scores=scores, chart=chart)


def log_worry_scores(log: RelayLog) -> list[tuple[datetime.date, int, str]]:
    """Worry over time for a relay log: the scores of the concern it came from (once its
    history was carried in with consent) and the worry at each evaluation. Two queries."""
    points: list[tuple[datetime.date, int, str]] = [
        (s.scored_on, s.score, "concern")
        for s in WorryScore.objects.filter(concern__log=log, concern__carried_at__isnull=False)
    ]
    for version in EntryVersion.objects.filter(
        entry__log=log,
        entry__kind=EntryKind.EVALUATION,
        entry__latest=F("pk"),
        worry_score__isnull=False,
    ).only("created_at", "worry_score"):
        assert version.worry_score is not None
        points.append((timezone.localdate(version.created_at), version.worry_score, "evaluation"))
    return points


def log_worry_chart(log: RelayLog) -> Chart | None:
    return build_chart(log_worry_scores(log))


def overdue_home(request: HttpRequest) -> OverdueSummary:
    """The home page's section: overdue concerns, their reads in the access log."""
    from django.db import transaction

    from stafett.policy import actor_for

    actor = actor_for(request)
    with transaction.atomic():
        summary = overdue_for_home(actor)
        record_list_reads(request, actor, [*summary.mine, *summary.shared_unread])
    return summary


def help_requests_of(request: HttpRequest) -> list[Concern]:
    """A guardian's own requests for help (never anyone else's concerns), newest first.
    What they see is what they wrote, the unit and whether it is handled."""
    from stafett.policy import actor_for

    actor = actor_for(request)
    if actor.user is None:
        return []
    return list(
        Concern.objects.in_municipality(actor.municipality_id)
        .filter(requested_by=actor.user, subject_id__in=actor.guardian_subject_ids)
        .select_related("subject", "unit")
        .order_by("-created_at")[:10]
    )
