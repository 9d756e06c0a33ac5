"""Reads for the home page. A constant number of queries whatever the data size.

The home page lists relay logs for several roles at once. Whether a row may show
content is decided by the one policy (`stafett.policy.decide` on `LogFacts`), exactly
as on the log page; the facts are built here for a whole list from prefetched rows
(`_facts_for`), with the same meaning as `stafett.policy.log_facts` for one log.

What each role sees:
- coordinator / employee: the logs they coordinate (paginated), the logs they take
  part in, meetings this week, measures to evaluate, handovers waiting for them.
  A participant whose access has ended (consent expired, withdrawn or no longer
  covering their unit) sees no row for that log, only how many such logs there are.
- unit leader: the unit's logs as metadata (initials and birth year, coordinator,
  level, step, consent state, overdue evaluations, status), never content.
- guardian / youth: per child, the logs, what waits for their answer, the next
  meetings and how many entries are new since they last opened each log.

Every row that names or identifies a child is written to the access log in one bulk
insert per page view (reason "home page").
"""

from __future__ import annotations

import datetime
import functools
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, F, Min, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from stafett.audit.log import record_accesses
from stafett.consent.models import (
    Consent,
    ConsentGiver,
    ConsentState,
    ConsentUnit,
    GuardianShare,
)
from stafett.consent.selectors import open_scope_requests_for_coordinator
from stafett.home.models import LogVisit
from stafett.logs.models import Entry, EntryKind, Handover, MeasureStatus, Participant, RelayLog
from stafett.organisation.models import Membership, Municipality, Unit
from stafett.people.models import Subject
from stafett.policy import (
    Actor,
    Decision,
    LogFacts,
    Role,
    actor_for,
    coordinated_by,
    current_consent,
    decide,
    family_role_for,
    family_subjects,
    is_current_coordinator,
    units_led_by,
)

PAGE_SIZE = 50
LIST_LIMIT = 20  # rows in "meetings this week" and "evaluations due"
DUE_WITHIN_DAYS = 14
UPCOMING_MEETINGS = 10
OPEN_MEASURE = (MeasureStatus.PLANNED, MeasureStatus.RUNNING)

CONSENT_BADGE = {
    ConsentState.UPCOMING: "badge--warn",
    ConsentState.VALID: "badge--ok",
    ConsentState.EXPIRING: "badge--warn",
    ConsentState.PENDING: "badge--warn",
    ConsentState.EXPIRED: "badge--error",
    ConsentState.WITHDRAWN: "badge--error",
    ConsentState.REPLACED: "",
    ConsentState.DECLINED: "badge--error",
}


@functools.lru_cache(maxsize=32)
def _url_pattern(name: str, keys: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """Reverse once with placeholder UUIDs; rows then fill in their own (reverse() for
    hundreds of rows costs more than the rest of the page)."""
    placeholders = tuple(str(uuid.UUID(int=index + 1)) for index in range(len(keys)))
    try:
        url = reverse(f"logs:{name}", kwargs=dict(zip(keys, placeholders, strict=True)))
    except NoReverseMatch:
        return "", ()
    return url, placeholders


def log_url(name: str, **kwargs: Any) -> str:
    """A link into the log pages, or "" when that page does not exist."""
    keys = tuple(sorted(kwargs))
    url, placeholders = _url_pattern(name, keys)
    for key, placeholder in zip(keys, placeholders, strict=False):
        url = url.replace(placeholder, str(kwargs[key]))
    return url


def initials(subject: Subject) -> str:
    """Enough for a leader to recognise a case, not to read a name: "E. H., 2020"."""
    first = subject.first_name[:1].upper()
    last = subject.last_name[:1].upper()
    return f"{first}. {last}., {subject.birth_date.year}"


# ---------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------


@dataclass
class LogRow:
    """One relay log on the home page, with what this person may see of it."""

    log: RelayLog
    facts: LogFacts
    can_read: bool
    next_meeting: datetime.datetime | None = None
    next_evaluation: datetime.date | None = None
    overdue: int = 0
    new_count: int = 0
    # A closed log on the family's home: everyone who held the baton, in turn, so that
    # two closed logs for one child are told apart (issue 11, item 11).
    coordinators: list[str] = field(default_factory=list)

    @property
    def started_on(self) -> datetime.datetime:
        started: datetime.datetime = self.log.activated_at or self.log.created_at
        return started

    @property
    def consent_state(self) -> ConsentState | None:
        state: ConsentState | None = self.facts.consent_state
        return state

    @property
    def consent_label(self) -> str:
        state = self.consent_state
        return state.label if state is not None else ""

    @property
    def consent_badge(self) -> str:
        state = self.consent_state
        return CONSENT_BADGE.get(state, "") if state is not None else "badge--warn"

    @property
    def consent_open(self) -> bool:
        return self.facts.consent_open

    @property
    def url(self) -> str:
        return log_url("detail", log=self.log.uuid)

    @property
    def label(self) -> str:
        return initials(self.log.subject)

    @property
    def access_list_url(self) -> str:
        """Who has read the log (shown to the family only)."""
        return log_url("access_list", log=self.log.uuid)


@dataclass
class MeetingRow:
    entry: Entry
    log: RelayLog

    @property
    def version(self) -> Any:
        return self.entry.latest

    @property
    def url(self) -> str:
        return log_url("detail", log=self.log.uuid)

    @property
    def calendar_url(self) -> str:
        return log_url("meeting_calendar", log=self.log.uuid, meeting=self.entry.uuid)


@dataclass
class MeasureRow:
    entry: Entry
    log: RelayLog
    overdue: bool
    mine: bool

    @property
    def version(self) -> Any:
        return self.entry.latest

    @property
    def url(self) -> str:
        return log_url("detail", log=self.log.uuid)


@dataclass
class HandoverRow:
    handover: Handover

    @property
    def log(self) -> RelayLog:
        return self.handover.log

    @property
    def label(self) -> str:
        return initials(self.handover.log.subject)

    @property
    def answer_url(self) -> str:
        return log_url("handover_answer", log=self.log.uuid, handover=self.handover.uuid)


@dataclass
class WaitingRow:
    """Something a guardian or youth must answer: a consent, or a unit asking to join."""

    log: RelayLog
    unit_names: list[str] = field(default_factory=list)
    consent: bool = False

    @property
    def url(self) -> str:
        return log_url("consent", log=self.log.uuid)


@dataclass
class ChildSection:
    subject: Subject
    role: str
    logs: list[LogRow]
    # A guardian's child who consents alone: the logs shown are only those the youth
    # shares; the page says so without telling whether there are others.
    decides_alone: bool = False


# ---------------------------------------------------------------------------
# Facts for many logs at once
# ---------------------------------------------------------------------------


def _facts_for(
    actor: Actor,
    logs: Iterable[RelayLog],
    *,
    participations: dict[int, Participant],
    handovers: dict[int, Handover],
) -> dict[int, LogFacts]:
    """`LogFacts` for each log, in two queries (consents, their effective scope).

    Same meaning as `policy.log_facts`; the logs must carry `subject__municipality`."""
    by_id = {log.id: log for log in logs}
    if not by_id:
        return {}
    consents: dict[int, list[Consent]] = defaultdict(list)
    for consent in Consent.objects.filter(log_id__in=by_id).order_by("created_at", "id"):
        consents[consent.log_id].append(consent)
    in_force = {
        log_id: current_consent(by_id[log_id], consents=consents.get(log_id, []))
        for log_id in by_id
    }
    complete_ids = [c.id for c, _s in in_force.values() if c is not None and c.completed_at]
    scope: dict[int, set[int]] = defaultdict(set)
    for consent_id, unit_id in ConsentUnit.objects.filter(
        consent_id__in=complete_ids, confirmed_at__isnull=False, removed_at__isnull=True
    ).values_list("consent_id", "unit_id"):
        scope[consent_id].add(unit_id)
    # Guardians of a youth who consents alone: who the youth shares each log with, under
    # the consent in force (one query, only when there are such logs).
    shared: dict[int, set[int]] = defaultdict(set)
    shared_ids = [
        consent.id
        for log_id, (consent, state) in in_force.items()
        if consent is not None
        and state is not None
        and state.grants_access
        and by_id[log_id].subject_id in actor.guardian_subject_ids
        and by_id[log_id].subject.consents_alone()
    ]
    if shared_ids:
        for consent_id, guardian_id in GuardianShare.objects.filter(
            consent_id__in=shared_ids, ended_at__isnull=True
        ).values_list("consent_id", "guardian_id"):
            shared[consent_id].add(guardian_id)
    facts: dict[int, LogFacts] = {}
    for log_id, log in by_id.items():
        consent, state = in_force[log_id]
        alone = log.subject.consents_alone()
        family_role = family_role_for(
            actor,
            log,
            shared_with=frozenset(shared.get(consent.id, ()) if consent is not None else ()),
        )
        facts[log_id] = LogFacts(
            log=log,
            consent=consent,
            consent_state=state,
            scope_unit_ids=frozenset(scope.get(consent.id, ()) if consent is not None else ()),
            participant=participations.get(log_id) if actor.is_staff_member else None,
            is_coordinator=is_current_coordinator(actor, log),
            family_role=family_role,
            is_consenter=(family_role is Role.YOUTH and alone)
            or (family_role is Role.GUARDIAN and not alone),
            leads_unit=bool({log.unit_id, log.origin_unit_id} & actor.leader_unit_ids),
            handover_to_me=handovers.get(log_id) if actor.is_staff_member else None,
            reads_by_share=family_role is Role.GUARDIAN and alone,
        )
    return facts


def facts_for_logs(actor: Actor, logs: Iterable[RelayLog]) -> dict[int, LogFacts]:
    """`LogFacts` for logs the actor is told about elsewhere (the notification centre), in
    three queries; the logs must carry `subject__municipality`."""
    logs = list(logs)
    participations: dict[int, Participant] = {}
    if actor.user is not None and actor.is_staff_member and logs:
        participations = {
            p.log_id: p
            for p in Participant.objects.current().filter(
                user=actor.user, log_id__in=[log.id for log in logs]
            )
        }
    return _facts_for(actor, logs, participations=participations, handovers={})


def _may(actor: Actor, action: str, facts: LogFacts) -> bool:
    return decide(actor, action, facts) is Decision.ALLOW


def _attach_dates(logs: list[RelayLog], *, now: datetime.datetime) -> None:
    """Next meeting, next evaluation date and overdue evaluations of each log, in one
    grouped query over the logs' meetings and measures (set as attributes)."""
    if not logs:
        return
    today = timezone.localdate()
    meeting = Q(kind=EntryKind.MEETING)
    open_measure = Q(kind=EntryKind.MEASURE, latest__measure_status__in=OPEN_MEASURE)
    rows = (
        Entry.objects.filter(
            log_id__in=list({log.id for log in logs}),
            kind__in=[EntryKind.MEETING, EntryKind.MEASURE],
        )
        .values("log_id")
        .annotate(
            next_meeting=Min(
                "latest__starts_at",
                filter=meeting & Q(latest__starts_at__gte=now, latest__cancelled=False),
            ),
            next_evaluation=Min("latest__evaluation_date", filter=open_measure),
            overdue=Count("id", filter=open_measure & Q(latest__evaluation_date__lt=today)),
        )
        .order_by()
    )
    dates = {row["log_id"]: row for row in rows}
    for log in logs:
        row = dates.get(log.id, {})
        log.next_meeting = row.get("next_meeting")  # type: ignore[attr-defined]
        log.next_evaluation = row.get("next_evaluation")  # type: ignore[attr-defined]
        log.overdue = row.get("overdue", 0)  # type: ignore[attr-defined]


def _row(log: RelayLog, facts: LogFacts, can_read: bool) -> LogRow:
    return LogRow(
        log=log,
        facts=facts,
        can_read=can_read,
        next_meeting=getattr(log, "next_meeting", None),
        next_evaluation=getattr(log, "next_evaluation", None),
        overdue=getattr(log, "overdue", 0) or 0,
    )


def _log_base(actor: Actor) -> QuerySet[RelayLog]:
    return RelayLog.objects.in_municipality(actor.municipality_id).select_related(
        "subject", "subject__municipality", "unit", "coordinator"
    )


def _page(request: HttpRequest, queryset: QuerySet[Any], param: str) -> Page[Any]:
    paginator = Paginator(queryset, PAGE_SIZE)
    return paginator.get_page(request.GET.get(param))


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------


@dataclass
class StaffHome:
    my_logs: list[LogRow]
    my_page: Page[Any]
    taking_part: list[LogRow]
    taking_part_total: int
    closed_to_me: int
    meetings: list[MeetingRow]
    meetings_total: int
    measures: list[MeasureRow]
    measures_total: int
    overdue_total: int
    handovers: list[HandoverRow]
    week_start: datetime.date
    week_end: datetime.date

    @property
    def meetings_more(self) -> int:
        return self.meetings_total - len(self.meetings)

    @property
    def measures_more(self) -> int:
        return self.measures_total - len(self.measures)

    @property
    def taking_part_more(self) -> int:
        return self.taking_part_total - len(self.taking_part)


@dataclass
class LeaderHome:
    rows: list[LogRow]
    page: Page[Any]


@dataclass
class FamilyHome:
    children: list[ChildSection]
    waiting: list[WaitingRow]
    meetings: list[MeetingRow]


def home_context(request: HttpRequest) -> dict[str, Any]:
    actor = actor_for(request)
    context: dict[str, Any] = {"municipality": None}
    if actor.municipality_id is not None:
        context["municipality"] = Municipality.objects.filter(id=actor.municipality_id).first()
    roles = actor.roles
    shown: list[tuple[Subject, str, str]] = []  # (subject, role, action) for the access log
    if Role.MUNICIPAL_ADMIN in roles:
        context["admin_summary"] = _admin_summary(actor)
    if Role.UNIT_LEADER in roles:
        context["led_units"] = list(
            units_led_by(actor)
            .select_related("service_kind")
            .annotate(
                employee_count=Count(
                    "memberships",
                    filter=Q(
                        memberships__ended_at__isnull=True,
                        memberships__role=Membership.Role.EMPLOYEE,
                    ),
                )
            )
        )
    if Role.EMPLOYEE in roles or Role.UNIT_LEADER in roles:
        staff = _staff_home(request, actor)
        context["staff"] = staff
        for row in [*staff.my_logs, *staff.taking_part]:
            if row.can_read or row.facts.is_coordinator:
                shown.append((row.log.subject, row.facts.role, "home.log_list"))
        items: list[MeetingRow | MeasureRow] = [*staff.meetings, *staff.measures]
        for item in items:
            shown.append((item.log.subject, _staff_role(actor, item.log), "home.log_list"))
        for handover in staff.handovers:
            shown.append((handover.log.subject, "handover", "home.log_metadata"))
    if Role.EMPLOYEE in roles or Role.UNIT_LEADER in roles:
        # Families' requests to change their consent, on the logs this person coordinates.
        context["scope_requests"] = list(
            open_scope_requests_for_coordinator(actor.user.id, actor.municipality_id)
            # Only batons that count: the log's unit is one the person works in now.
            .filter(log__unit_id__in=actor.unit_ids)[:LIST_LIMIT]
            if actor.user is not None
            else []
        )
        for item in context["scope_requests"]:
            shown.append((item.log.subject, "coordinator", "home.log_list"))
    if Role.UNIT_LEADER in roles:
        leader = _leader_home(request, actor)
        context["leader"] = leader
        for row in leader.rows:
            shown.append((row.log.subject, Role.UNIT_LEADER.value, "home.log_metadata"))
    if Role.EMPLOYEE in roles:
        context["work_units"] = list(
            Unit.objects.in_municipality(actor.municipality_id)
            .filter(id__in=actor.employee_unit_ids)
            .select_related("service_kind")
        )
    family: FamilyHome | None = None
    if Role.GUARDIAN in roles or Role.YOUTH in roles:
        family = _family_home(actor)
        context["family"] = family
        context["family_subjects"] = [child.subject for child in family.children]
    _record_reads(request, actor, shown, family)
    return context


def _staff_role(actor: Actor, log: RelayLog) -> str:
    return "coordinator" if is_current_coordinator(actor, log) else "participant"


def _record_reads(
    request: HttpRequest,
    actor: Actor,
    shown: list[tuple[Subject, str, str]],
    family: FamilyHome | None,
) -> None:
    """One access-log row per child per kind of read, in one bulk insert per action."""
    by_action: dict[str, dict[int, tuple[Subject, str]]] = defaultdict(dict)
    for subject, role, action in shown:
        by_action[action].setdefault(subject.id, (subject, role))
    if family is not None:
        for child in family.children:
            by_action["subject.view_as_family"].setdefault(
                child.subject.id, (child.subject, child.role)
            )
    if not by_action:
        return
    with transaction.atomic():
        for action, rows in by_action.items():
            roles = {subject_id: role for subject_id, (_s, role) in rows.items()}
            record_accesses(
                actor=actor.user,
                action=action,
                objects=[subject for subject, _role in rows.values()],
                role_for=lambda s, roles=roles: roles[s.id],  # type: ignore[misc]
                reason="home page",
                request=request,
            )


def _admin_summary(actor: Actor) -> dict[str, int]:
    units = Unit.objects.in_municipality(actor.municipality_id).aggregate(
        units=Count("id", filter=Q(is_active=True)),
    )
    staff = (
        Membership.objects.current()
        .filter(municipality_id=actor.municipality_id or 0)
        .aggregate(
            leaders=Count("user", distinct=True, filter=Q(role=Membership.Role.LEADER)),
            employees=Count("user", distinct=True, filter=Q(role=Membership.Role.EMPLOYEE)),
        )
    )
    return {"units": units["units"], "leaders": staff["leaders"], "employees": staff["employees"]}


def week_bounds(now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """Monday 00:00 to next Monday 00:00 in Europe/Oslo (the current time zone)."""
    monday = timezone.localtime(now).date()
    monday -= datetime.timedelta(days=monday.weekday())
    start = timezone.make_aware(datetime.datetime.combine(monday, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(monday + datetime.timedelta(days=7), datetime.time.min)
    )
    return start, end


def _staff_home(request: HttpRequest, actor: Actor) -> StaffHome:
    """Twelve queries, whatever the number of logs."""
    user = actor.user
    assert user is not None
    now = timezone.now()
    today = timezone.localdate()
    municipality_id = actor.municipality_id or 0

    participations = {
        p.log_id: p
        for p in Participant.objects.current()
        .filter(user=user, log__municipality_id=municipality_id)
        .select_related("unit")
    }
    handover_list = list(
        Handover.objects.filter(
            to_user=user,
            status=Handover.Status.PENDING,
            expires_at__gt=now,
            log__municipality_id=municipality_id,
        )
        .select_related(
            "log",
            "log__subject",
            "log__subject__municipality",
            "log__unit",
            "log__coordinator",
            "from_user",
            "to_unit",
        )
        .order_by("expires_at")
    )
    handovers = {h.log_id: h for h in handover_list}

    # Every log this person coordinates or takes part in, to ask the policy about each.
    involved_logs = list(
        RelayLog.objects.in_municipality(municipality_id)
        .filter(Q(coordinator=user) | Q(id__in=list(participations)))
        .select_related("subject", "subject__municipality")
    )
    facts = _facts_for(
        actor,
        [*involved_logs, *(h.log for h in handover_list)],
        participations=participations,
        handovers=handovers,
    )
    readable_ids = [log.id for log in involved_logs if _may(actor, "log.view", facts[log.id])]
    readable = set(readable_ids)
    part_ids = [log.id for log in involved_logs if not is_current_coordinator(actor, log)]

    # A baton counts only while its holder works in the log's unit (policy).
    mine = (
        _log_base(actor)
        .filter(coordinated_by(actor))
        .order_by(F("closed_at").asc(nulls_first=True), "-updated_at", "id")
    )
    my_page = _page(request, mine, "page")
    my_logs = list(my_page.object_list)
    readable_part = [i for i in part_ids if i in readable]
    part_logs = list(
        _log_base(actor)
        .filter(id__in=readable_part)
        .order_by(F("closed_at").asc(nulls_first=True), "-updated_at", "id")[:PAGE_SIZE]
    )
    _attach_dates([*my_logs, *part_logs], now=now)

    week_start, week_end = week_bounds(now)
    meetings_qs = (
        Entry.objects.filter(
            log_id__in=readable_ids,
            kind=EntryKind.MEETING,
            latest__starts_at__gte=week_start,
            latest__starts_at__lt=week_end,
            latest__cancelled=False,
        )
        .filter(Q(log__coordinator=user, log__unit_id__in=actor.unit_ids) | Q(latest__invited=user))
        .exclude(log__status=RelayLog.Status.CLOSED)
    )
    meeting_entries = list(
        meetings_qs.select_related("latest", "log", "log__subject")
        .distinct()
        .order_by("latest__starts_at", "id")[:LIST_LIMIT]
    )
    meetings_total = meetings_qs.values("id").distinct().count()
    measures_qs = (
        Entry.objects.filter(
            log_id__in=readable_ids,
            kind=EntryKind.MEASURE,
            latest__measure_status__in=OPEN_MEASURE,
            latest__evaluation_date__lte=today + datetime.timedelta(days=DUE_WITHIN_DAYS),
        )
        .filter(
            Q(log__coordinator=user, log__unit_id__in=actor.unit_ids) | Q(latest__responsible=user)
        )
        .exclude(log__status=RelayLog.Status.CLOSED)
    )
    measure_entries = list(
        measures_qs.select_related("latest", "latest__responsible", "log", "log__subject").order_by(
            "latest__evaluation_date", "id"
        )[:LIST_LIMIT]
    )
    measure_totals = measures_qs.aggregate(
        total=Count("id"), overdue=Count("id", filter=Q(latest__evaluation_date__lt=today))
    )

    my_rows = [_row(log, facts[log.id], log.id in readable) for log in my_logs]
    measures = [
        MeasureRow(
            entry=e,
            log=e.log,
            overdue=e.latest is not None
            and e.latest.evaluation_date is not None
            and e.latest.evaluation_date < today,
            mine=e.latest is not None and e.latest.responsible_id == user.id,
        )
        for e in measure_entries
    ]
    handover_rows = [
        HandoverRow(h) for h in handover_list if _may(actor, "handover.answer", facts[h.log_id])
    ]
    return StaffHome(
        my_logs=my_rows,
        my_page=my_page,
        taking_part=[_row(log, facts[log.id], True) for log in part_logs],
        taking_part_total=len(readable_part),
        closed_to_me=len(part_ids) - len(readable_part),
        meetings=[MeetingRow(e, e.log) for e in meeting_entries],
        meetings_total=meetings_total,
        measures=measures,
        measures_total=measure_totals["total"] or 0,
        overdue_total=measure_totals["overdue"] or 0,
        handovers=handover_rows,
        week_start=week_start.date(),
        week_end=(week_end - datetime.timedelta(days=1)).date(),
    )


def _leader_home(request: HttpRequest, actor: Actor) -> LeaderHome:
    """The unit's logs as metadata: five queries (count, page, dates, consents, scope)."""
    leader_units = list(actor.leader_unit_ids)
    queryset = (
        _log_base(actor)
        .filter(Q(unit_id__in=leader_units) | Q(origin_unit_id__in=leader_units))
        .order_by(F("closed_at").asc(nulls_first=True), "-updated_at", "id")
    )
    page = _page(request, queryset, "unit_page")
    logs = list(page.object_list)
    # Only the count of overdue evaluations is shown to the leader, never the dates.
    _attach_dates(logs, now=timezone.now())
    facts = _facts_for(actor, logs, participations={}, handovers={})
    rows = [
        _row(log, facts[log.id], False)
        for log in logs
        if _may(actor, "log.view_summary", facts[log.id])
    ]
    return LeaderHome(rows=rows, page=page)


def _coordinators_of_closed(logs: list[RelayLog]) -> dict[int, list[str]]:
    """Who held the baton of each closed log, first to last: one query for them all
    (none when no log is closed)."""
    closed = {log.id: log for log in logs if log.is_closed}
    if not closed:
        return {}
    names: dict[int, list[str]] = defaultdict(list)
    for log_id, first, last, username in (
        Handover.objects.filter(log_id__in=list(closed), status=Handover.Status.ACCEPTED)
        .order_by("answered_at", "id")
        .values_list(
            "log_id", "from_user__first_name", "from_user__last_name", "from_user__username"
        )
    ):
        name = f"{first} {last}".strip() or username
        if name not in names[log_id]:
            names[log_id].append(name)
    for log_id, log in closed.items():
        last_holder = log.coordinator.get_full_name() or log.coordinator.username
        if last_holder not in names[log_id]:
            names[log_id].append(last_holder)
    return dict(names)


def _family_home(actor: Actor) -> FamilyHome:
    """Nine queries: children, logs, dates, consents, scope, waiting (2), meetings, new;
    a tenth for who held the baton when a log is closed."""
    user = actor.user
    assert user is not None
    now = timezone.now()
    subjects = list(family_subjects(actor).select_related("municipality"))
    logs = list(
        RelayLog.objects.in_municipality(actor.municipality_id)
        .filter(subject_id__in=[s.id for s in subjects])
        .select_related("subject", "subject__municipality", "unit", "coordinator")
        .order_by(F("closed_at").asc(nulls_first=True), "-updated_at", "id")
    )
    _attach_dates(logs, now=now)
    facts = _facts_for(actor, logs, participations={}, handovers={})
    readable = [log for log in logs if _may(actor, "log.view", facts[log.id])]
    ids = [log.id for log in readable]

    new_counts: dict[int, int] = {}
    if ids:
        seen = LogVisit.objects.filter(user=user, log_id=OuterRef("log_id")).values("seen_at")[:1]
        new_counts = dict(
            Entry.objects.filter(log_id__in=ids)
            .exclude(created_by=user)
            # The youth's entries for the coordinator only are not the family's to count.
            .exclude(coordinator_only=True)
            .annotate(seen=Subquery(seen))
            .filter(Q(seen__isnull=True) | Q(created_at__gt=F("seen")))
            .order_by()
            .values_list("log_id")
            .annotate(n=Count("id"))
        )

    # What waits for this person's answer: a consent, or a unit asking to join.
    consenter_logs = {log.id: log for log in readable if facts[log.id].is_consenter}
    waiting: dict[int, WaitingRow] = {}
    if consenter_logs:
        for log_id in ConsentGiver.objects.filter(
            person=user,
            given_at__isnull=True,
            consent__log_id__in=list(consenter_logs),
            consent__completed_at__isnull=True,
            consent__withdrawn_at__isnull=True,
        ).values_list("consent__log_id", flat=True):
            waiting.setdefault(log_id, WaitingRow(consenter_logs[log_id])).consent = True
        for log_id, unit_name in (
            ConsentUnit.objects.filter(
                # Only a wider scope of the consent in force (`consent.state`): a unit
                # left waiting on a consent a withdrawal ended is never asked about.
                consent_id__in=[
                    facts[log_id].consent.id
                    for log_id in consenter_logs
                    if facts[log_id].consent_open
                ],
                confirmed_at__isnull=True,
                removed_at__isnull=True,
            )
            .exclude(confirmations__person=user)
            .values_list("consent__log_id", "unit__name")
        ):
            waiting.setdefault(log_id, WaitingRow(consenter_logs[log_id])).unit_names.append(
                unit_name
            )

    meetings: list[MeetingRow] = []
    if ids:
        meetings = [
            MeetingRow(entry, entry.log)
            for entry in Entry.objects.filter(
                log_id__in=ids,
                kind=EntryKind.MEETING,
                latest__starts_at__gte=now,
                latest__cancelled=False,
            )
            .exclude(log__status=RelayLog.Status.CLOSED)
            .select_related("latest", "log", "log__subject")
            .order_by("latest__starts_at", "id")[:UPCOMING_MEETINGS]
        ]

    held = _coordinators_of_closed(readable)
    rows_by_subject: dict[int, list[LogRow]] = defaultdict(list)
    for log in readable:
        row = _row(log, facts[log.id], True)
        row.new_count = new_counts.get(log.id, 0)
        row.coordinators = held.get(log.id, [])
        rows_by_subject[log.subject_id].append(row)
    children = [
        ChildSection(
            subject=subject,
            role=(Role.YOUTH if subject.id == actor.own_subject_id else Role.GUARDIAN).value,
            logs=rows_by_subject.get(subject.id, []),
            decides_alone=subject.id != actor.own_subject_id and subject.consents_alone(),
        )
        for subject in subjects
    ]
    # The youth's own record first, then children in name order.
    children.sort(key=lambda c: (c.role != Role.YOUTH.value,))
    return FamilyHome(children=children, waiting=list(waiting.values()), meetings=meetings)
