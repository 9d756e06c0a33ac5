"""Reads for concerns. Lists take a constant number of queries whatever their size, and
are filtered by the same visibility as `stafett.policy` (author, or shared with)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from stafett.audit.log import record_accesses
from stafett.concerns.models import (
    ChildWelfareReport,
    Concern,
    ConcernRecord,
    ConcernShare,
    RecordKind,
    ReportVersion,
    WorryScore,
)
from stafett.concerns.worry import Chart, build_chart
from stafett.logs.models import EntryKind, EntryVersion, RelayLog
from stafett.organisation.models import Membership
from stafett.policy import Actor


def visible_concerns(actor: Actor) -> QuerySet[Concern]:
    """Concerns the actor wrote or that were shared with them (never anyone else's)."""
    user = actor.user
    if user is None or not actor.is_staff_member:
        return Concern.objects.none()
    # As `policy.concern_facts`: the author while in the concern's unit, a share while
    # the person works in the unit it was made in and it has not ended.
    shared = ConcernShare.objects.filter(
        concern=OuterRef("pk"), user=user, ended_at__isnull=True, unit_id__in=actor.unit_ids
    )
    # A unit's leader is told of (and may read) the unit's concerns on the violence/abuse
    # path or decided for a report to child welfare (as `policy.concern_facts`).
    told_leader = Q(unit_id__in=actor.leader_unit_ids) & (
        Q(violence_path_at__isnull=False) | Q(status=Concern.Status.CHILD_WELFARE)
    )
    concerns: QuerySet[Concern] = (
        Concern.objects.in_municipality(actor.municipality_id)
        .annotate(shared_with_me=Exists(shared))
        .filter(Q(author=user, unit_id__in=actor.unit_ids) | Q(shared_with_me=True) | told_leader)
        .select_related("subject", "unit", "author")
    )
    return concerns


def concern_list(actor: Actor) -> list[Concern]:
    return list(visible_concerns(actor).order_by("-status", "decide_by", "-created_at")[:200])


def record_list_reads(request: HttpRequest, actor: Actor, concerns: list[Concern]) -> None:
    """Named children on a list page are reads: one bulk insert. A concern on the
    violence/abuse path is logged as a read of the concern, naming no child (as
    `policy.access_concern` does), so that it never reaches the family's lists."""
    from stafett.audit.log import record_access

    for concern in concerns:
        if concern.is_violence_path and concern.subject is not None:
            record_access(
                actor=actor.user,
                action="concern.list",
                obj=concern,
                object_type="Concern",
                role="staff",
                reason="concern list",
                request=request,
            )
    subjects = {
        c.subject.id: c.subject
        for c in concerns
        if c.subject is not None and not c.is_violence_path
    }
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
                # On the violence/abuse path the leader is told until they have read it,
                # even once the report is sent.
                Q(status=Concern.Status.OPEN) | Q(violence_path_at__isnull=False),
                shares__user=actor.user,
                shares__first_read_at__isnull=True,
                shares__ended_at__isnull=True,
                shares__unit_id__in=actor.unit_ids,
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
    # Whether each share still counts (`policy.concern_share_in_force`): not ended, and
    # the person still works in the unit it was made in.
    working = Membership.objects.current().filter(
        user_id=OuterRef("user_id"), unit_id=OuterRef("unit_id"), unit__is_active=True
    )
    shares: list[ConcernShare] = list(
        concern.shares.select_related("user", "unit")
        .annotate(works_there=Exists(working))
        .order_by("shared_at", "id")
    )
    for share in shares:
        share.in_force = share.works_there and share.ended_at is None  # type: ignore[attr-defined]
    scores = list(concern.scores.order_by("scored_on", "id"))
    chart = build_chart([(s.scored_on, s.score, "concern") for s in scores])
    return ConcernPage(records=records, shares=shares, scores=scores, chart=chart)


def log_worry_scores(log: RelayLog) -> list[tuple[datetime.date, int, str]]:
    """Worry over time for a relay log: the scores of the concern it came from (when its
    author chose them for the log and they were carried in with consent) and the worry at
    each evaluation. Two queries."""
    points: list[tuple[datetime.date, int, str]] = [
        (s.scored_on, s.score, "concern")
        for s in WorryScore.objects.filter(
            concern__log=log, concern__carried_at__isnull=False, concern__scores_for_log=True
        )
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


# --- The violence/abuse path and the report to child welfare --------------------------


def emergency_contacts(municipality_id: int) -> list[Any]:
    """Who to call: child welfare, police, emergency numbers, out-of-hours service."""
    from stafett.organisation.models import EmergencyContact

    return list(EmergencyContact.objects.in_municipality(municipality_id).order_by("position"))


def has_report(concern: Concern) -> bool:
    return ChildWelfareReport.objects.filter(concern=concern).exists()


@dataclass
class ReportPage:
    report: ChildWelfareReport | None
    latest: ReportVersion | None
    versions: list[ReportVersion]


def report_page(report: ChildWelfareReport | None) -> ReportPage:
    """The report with all its saved versions, newest first (two queries)."""
    if report is None:
        return ReportPage(report=None, latest=None, versions=[])
    versions = list(report.versions.order_by("-number"))
    return ReportPage(report=report, latest=versions[0] if versions else None, versions=versions)


def report_initial(concern: Concern, user: Any, version: ReportVersion | None) -> dict[str, Any]:
    """The report form's starting values: the last saved version, or what Stafett knows
    (the reporter, the unit, the child and guardians if named, the concern's dated
    observations, and what has been done)."""
    from stafett.organisation.models import Membership
    from stafett.people.models import Guardianship

    if version is not None:
        return {
            name: getattr(version, name)
            for name in (
                "reporter_name",
                "reporter_role",
                "reporter_unit",
                "reporter_phone",
                "child_name",
                "child_birth_date",
                "child_address",
                "guardians",
                "observed",
                "done",
                "guardians_informed",
                "not_informed_why",
                "urgency",
            )
        }
    title = (
        Membership.objects.current()
        .filter(user=user, unit=concern.unit)
        .exclude(title="")
        .values_list("title", flat=True)
        .first()
    )
    records = list(concern.records.order_by("created_at", "id"))
    observed = [
        f"{concern.noticed_on:%d.%m.%Y}"
        + (f" ({concern.noticed_where})" if concern.noticed_where else "")
        + f": {concern.noticed}"
    ]
    done: list[str] = []
    for record in records:
        day = f"{timezone.localtime(record.created_at):%d.%m.%Y}"
        if record.kind == RecordKind.OBSERVATION:
            observed.append(f"{day}: {record.text}")
        elif record.kind == RecordKind.SHARED:
            done.append(f"{day}: {record.text}")
        elif record.kind == RecordKind.FAMILY_TALK:
            told = f"{record.told_on:%d.%m.%Y}" if record.told_on else day
            done.append(f"{told}: {record.told_who}: {record.text}")
    subject = concern.subject
    guardians = ""
    if subject is not None:
        guardians = "\n".join(
            f"{g.guardian.get_full_name()} ({g.get_relation_display()}, "
            + (
                str(_("parental responsibility"))
                if g.parental_responsibility
                else str(_("no parental responsibility"))
            )
            + ")"
            for g in Guardianship.objects.filter(subject=subject)
            .select_related("guardian")
            .order_by("-parental_responsibility", "id")
        )
    return {
        "reporter_name": user.get_full_name() or user.username,
        "reporter_role": title or "",
        "reporter_unit": concern.unit.name,
        "reporter_phone": user.phone,
        "child_name": subject.full_name if subject is not None else "",
        "child_birth_date": subject.birth_date if subject is not None else None,
        "guardians": guardians,
        "observed": "\n\n".join(observed),
        "done": "\n".join(done),
        "guardians_informed": False,
    }


@dataclass
class OtherTool:
    uuid: Any
    title: str
    kind_label: str


def other_tools(concern: Concern, listed: set[Any], language: str) -> list[OtherTool]:
    """The municipality's published tools (not withdrawn) that the guide does not list at
    the concern's step, to fill in beside it. Two queries."""
    from stafett.guides.models import FormTemplate, TemplateKind
    from stafett.guides.selectors import tool_titles

    templates = [
        t
        for t in FormTemplate.objects.in_municipality(concern.municipality_id)
        .filter(withdrawn_at__isnull=True, versions__published_at__isnull=False)
        .distinct()
        .order_by("position", "id")
        if t.uuid not in listed
    ]
    titles = tool_titles([t.id for t in templates], language, concern.municipality.language)
    return [
        OtherTool(
            uuid=t.uuid, title=titles.get(t.id, ""), kind_label=str(TemplateKind(t.kind).label)
        )
        for t in templates
    ]
