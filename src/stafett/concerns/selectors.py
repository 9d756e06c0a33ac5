"""Reads for concerns. Lists take a constant number of queries whatever their size, and
are filtered by the same visibility as `stafett.policy` (author, or shared with)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value
from django.db.models.functions import TruncDate
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
    each evaluation. One query."""
    concern_scores = (
        WorryScore.objects.filter(
            concern__log=log, concern__carried_at__isnull=False, concern__scores_for_log=True
        )
        .annotate(source=Value(0, output_field=IntegerField()))
        .order_by()
        .values_list("scored_on", "score", "source", "id")
    )
    evaluation_scores = (
        EntryVersion.objects.filter(
            entry__log=log,
            entry__kind=EntryKind.EVALUATION,
            entry__latest=F("pk"),
            worry_score__isnull=False,
        )
        # The day in the current time zone, as timezone.localdate() gives it.
        .annotate(day=TruncDate("created_at"), source=Value(1, output_field=IntegerField()))
        .order_by()
        .values_list("day", "worry_score", "source", "id")
    )
    # One query; the concern's scores first, then the evaluations, each by id.
    rows = sorted(concern_scores.union(evaluation_scores, all=True), key=lambda r: (r[2], r[3]))
    return [
        (day, score, "concern" if source == 0 else "evaluation") for day, score, source, _ in rows
    ]


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
    from stafett.organisation.selectors import emergency_contacts as contacts

    return contacts(municipality_id)


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

    default_addressee = _("The child welfare service in %(municipality)s") % {
        "municipality": concern.municipality.name
    }
    if version is not None:
        return {
            name: getattr(version, name)
            for name in (
                "addressee",
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
        } | {"addressee": version.addressee or default_addressee}
    title = (
        Membership.objects.current()
        .filter(user=user, unit=concern.unit)
        .exclude(title="")
        .values_list("title", flat=True)
        .first()
    )
    records = list(concern.records.order_by("created_at", "id"))
    observed = [text for _key, text in _dated_observations(concern, records)]
    done: list[str] = []
    for record in records:
        day = f"{timezone.localtime(record.created_at):%d.%m.%Y}"
        if record.kind == RecordKind.SHARED:
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
        "addressee": default_addressee,
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


OBSERVATION_NOTICED = "noticed"
OBSERVATION_PREFIX = "observation-"


def _dated_observations(concern: Concern, records: list[ConcernRecord]) -> list[tuple[str, str]]:
    """What was noticed and each observation, oldest first, each as "dd.mm.yyyy: text"."""
    where = f" ({concern.noticed_where})" if concern.noticed_where else ""
    found = [(OBSERVATION_NOTICED, f"{concern.noticed_on:%d.%m.%Y}{where}: {concern.noticed}")]
    for record in records:
        if record.kind == RecordKind.OBSERVATION:
            day = f"{timezone.localtime(record.created_at):%d.%m.%Y}"
            found.append((f"{OBSERVATION_PREFIX}{record.id}", f"{day}: {record.body}"))
    return found


def report_observations(concern: Concern) -> list[tuple[str, str]]:
    """The concern's dated observations, offered on the report's form to copy into "What
    you observed" (issue 11: the author retyped what the concern already held). One query."""
    records = list(concern.records.filter(kind=RecordKind.OBSERVATION).order_by("created_at", "id"))
    return _dated_observations(concern, records)


def copy_observations(observed: str, chosen: list[str], offered: list[tuple[str, str]]) -> str:
    """`observed` with the chosen observations added at its end, in the concern's order;
    one already in the text is not added twice."""
    texts = [text for key, text in offered if key in set(chosen) and text not in observed]
    return "\n\n".join(part for part in [observed.rstrip(), *texts] if part)


@dataclass
class OtherTool:
    uuid: Any
    title: str
    kind_label: str
    language: str = ""  # the title's (a fallback is marked, `{% listed_title %}`)


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
    rows = []
    for t in templates:
        title = titles.get(t.id)
        rows.append(
            OtherTool(
                uuid=t.uuid,
                title=title.text if title else "",
                kind_label=str(TemplateKind(t.kind).label),
                language=title.language if title else "",
            )
        )
    return rows


# --- Whom a concern can be shared with (issue 11, item 17) -----------------------------

LEADERS = "leaders"
TITLE_PREFIX = "title:"
PERSON_PREFIX = "person:"


@dataclass(frozen=True)
class ShareTargets:
    """The "Share with" list: the concern's unit's leader(s) and each job title in a unit
    as one choice, then every person with their unit and role, grouped by unit with the
    concern's own unit first. `choices` is grouped (optgroups); the rest maps values back."""

    choices: list[tuple[str, list[tuple[str, str]]]]
    leaders: list[Any]  # users leading the concern's unit
    titles: dict[str, tuple[Any, str, list[Any]]]  # value -> (unit, title, users)
    people: dict[str, Any]  # value -> user


def share_targets(concern: Concern, child_log: ChildLogNotice | None = None) -> ShareTargets:
    """One query: the current memberships of active staff in active units of the
    concern's municipality (the author left out). With `child_log` (the named child
    already has a relay log someone else coordinates), its coordinator is offered first:
    they can attach the concern to it."""
    memberships = list(
        Membership.objects.current()
        .filter(
            municipality_id=concern.municipality_id,
            unit__is_active=True,
            user__is_active=True,
            user__kind="staff",
        )
        .exclude(user_id=concern.author_id)
        .select_related("user", "unit")
        .order_by("unit__name", "user__first_name", "user__last_name", "user__username")
    )
    own_unit = [m for m in memberships if m.unit_id == concern.unit_id]
    others = [m for m in memberships if m.unit_id != concern.unit_id]

    def name(user: Any) -> str:
        return str(user.get_full_name() or user.username)

    leaders = [m.user for m in own_unit if m.role == Membership.Role.LEADER]
    titles: dict[str, tuple[Any, str, list[Any]]] = {}
    for m in [*own_unit, *others]:
        title = " ".join(m.title.split())
        if not title:
            continue
        value = f"{TITLE_PREFIX}{m.unit.uuid}:{title}"
        titles.setdefault(value, (m.unit, title, []))[2].append(m.user)
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    direct: list[tuple[str, str]] = []
    if leaders:
        direct.append(
            (
                LEADERS,
                _("The leader(s) of %(unit)s: %(names)s")
                % {"unit": concern.unit.name, "names": ", ".join(name(u) for u in leaders)},
            )
        )
    for value, (unit, title, users) in titles.items():
        direct.append(
            (
                value,
                _("%(title)s at %(unit)s: %(names)s")
                % {"title": title, "unit": unit.name, "names": ", ".join(name(u) for u in users)},
            )
        )
    if direct:
        groups.append((str(_("A role")), direct))
    people: dict[str, Any] = {}
    if child_log is not None and child_log.coordinator is not None and not child_log.is_mine:
        value = f"{PERSON_PREFIX}{child_log.coordinator.uuid}"
        people[value] = child_log.coordinator
        label = _("%(name)s (coordinator of the child's relay log, %(unit)s)") % {
            "name": name(child_log.coordinator),
            "unit": child_log.unit_name,
        }
        groups.insert(
            0, (str(_("Can attach the concern to the child's relay log")), [(value, label)])
        )
    current_unit: Any = None
    for m in [*own_unit, *others]:
        if m.unit_id != current_unit:
            current_unit = m.unit_id
            groups.append((m.unit.name, []))
        role = m.title or m.get_role_display()
        value = f"{PERSON_PREFIX}{m.user.uuid}"
        people[value] = m.user
        groups[-1][1].append(
            (
                value,
                _("%(name)s (%(role)s, %(unit)s)")
                % {"name": name(m.user), "role": role, "unit": m.unit.name},
            )
        )
    return ShareTargets(choices=groups, leaders=leaders, titles=titles, people=people)


# --- The named child already has a relay log (issue 11, item 14) ------------------------


@dataclass(frozen=True)
class ChildLogNotice:
    """What the concern's reader is told when the named child already has an open relay
    log: that it exists, at which unit, and who coordinates it (to share the concern with
    them), nothing else: not its level, consent, participants, dates or content."""

    unit_name: str
    coordinator: Any  # the coordinator (a current member of the log's unit), or None
    is_mine: bool  # the reader coordinates it: they may attach the concern themselves


def child_log_notice(request: HttpRequest, actor: Actor, concern: Concern) -> ChildLogNotice | None:
    """For an open, named concern off the violence/abuse path whose child has an open
    relay log. Telling someone other than its coordinator that the log exists and who
    holds it is a read about the child: it is access-logged (in the caller's transaction).
    Two queries (one more when there is a log)."""
    from stafett.audit.log import record_access
    from stafett.policy import is_current_coordinator, open_log_of

    if not concern.is_open or concern.subject is None or concern.is_violence_path:
        return None
    log = open_log_of(concern.subject)
    if log is None:
        return None
    holder = log.coordinator
    in_unit = Membership.objects.current().filter(user=holder, unit=log.unit).exists()
    coordinator = holder if holder.is_active and in_unit else None
    mine = is_current_coordinator(actor, log)
    if not mine:
        # Written against the concern (which log it was, in `reason`), not the log: the
        # family's list of who read their log never shows level-0 concerns (see
        # `audit.selectors`), and this row would tell them that one exists.
        record_access(
            actor=actor.user,
            action="log.coordinator_shown",
            obj=concern,
            object_type="Concern",
            subject_uuid=concern.subject.uuid,
            role="author",
            unit_name=concern.unit.name,
            reason=f"relay log {log.uuid}",
            request=request,
        )
    return ChildLogNotice(unit_name=log.unit.name, coordinator=coordinator, is_mine=mine)


def coordinates_open_log_of(actor: Actor, concern: Concern) -> bool:
    """Does the actor coordinate the named child's open relay log? One query."""
    from stafett.policy import coordinated_by

    if concern.subject_id is None:
        return False
    return (
        RelayLog.objects.filter(subject_id=concern.subject_id)
        .exclude(status=RelayLog.Status.CLOSED)
        .filter(coordinated_by(actor))
        .exists()
    )
