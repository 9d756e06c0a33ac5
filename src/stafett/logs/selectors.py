"""Reads for the relay log's content pages: the header, the timeline, versions.

Every function takes a log that the caller fetched through `stafett.policy.access_log`
and only reads inside it. Each runs a fixed number of queries, however long the log.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from stafett.accounts.models import User
from stafett.consent.models import Consent
from stafett.logs.models import (
    EDITABLE_KINDS,
    Entry,
    EntryKind,
    EntryVersion,
    Handover,
    MeasureStatus,
    Participant,
    RelayLog,
)
from stafett.logs.services import meeting_people_ids
from stafett.organisation.models import Unit
from stafett.policy import LogFacts

OPEN_MEASURE_STATUSES = (MeasureStatus.PLANNED, MeasureStatus.RUNNING)

# Kinds offered in the timeline's filter, in the order people meet them.
FILTER_KINDS: list[str] = [
    EntryKind.UNDERSTANDING,
    EntryKind.GOAL,
    EntryKind.MEASURE,
    EntryKind.MEETING,
    EntryKind.EVALUATION,
    EntryKind.BRIGHT_SPOT,
    EntryKind.CHILD_VOICE,
    EntryKind.NOTE,
    EntryKind.DECISION,
    EntryKind.EVENT,
]


@dataclass
class MeasureDue:
    entry: Entry
    version: EntryVersion
    overdue: bool


@dataclass
class LogHeader:
    """What the header shows: where the log stands. No entry text, only dates and names,
    so that it may be shown to those who see the summary only."""

    log: RelayLog
    facts: LogFacts
    age: int
    participants: list[Participant]
    next_meeting: EntryVersion | None
    due_measures: list[MeasureDue]
    pending_handover: Handover | None
    # A renewal of the consent in force that waits for the family (None when none
    # waits, or when no consent is in force: then the consent state says it all).
    pending_renewal: Consent | None = None
    today: datetime.date = field(default_factory=timezone.localdate)

    @property
    def consent(self) -> Any:
        return self.facts.consent

    @property
    def consent_state(self) -> Any:
        return self.facts.consent_state

    @property
    def next_evaluation(self) -> MeasureDue | None:
        return self.due_measures[0] if self.due_measures else None

    @property
    def overdue_count(self) -> int:
        return sum(1 for m in self.due_measures if m.overdue)


def log_header(log: RelayLog, facts: LogFacts) -> LogHeader:
    """Four queries: participants, the next meeting with the open measures, pending
    handover, and a renewal of the consent waiting for the family."""
    now = timezone.now()
    today = timezone.localdate()
    participants = list(
        Participant.objects.current()
        .filter(log=log)
        .select_related("user", "unit")
        .order_by("added_at", "id")
    )
    # The next meeting and the open measures with an evaluation date, in one query.
    next_meeting_entry: Entry | None = None
    due: list[MeasureDue] = []
    header_entries = (
        Entry.objects.filter(log=log)
        .filter(
            Q(kind=EntryKind.MEETING, latest__starts_at__gte=now, latest__cancelled=False)
            | Q(
                kind=EntryKind.MEASURE,
                latest__measure_status__in=OPEN_MEASURE_STATUSES,
                latest__evaluation_date__isnull=False,
            )
        )
        .select_related("latest")
    )
    meetings: list[Entry] = []
    measures: list[Entry] = []
    for entry in header_entries:
        (meetings if entry.kind == EntryKind.MEETING else measures).append(entry)
    if meetings:
        next_meeting_entry = min(
            meetings,
            key=lambda e: (e.latest.starts_at, e.id),  # type: ignore[union-attr]
        )
    measures.sort(key=lambda e: (e.latest.evaluation_date, e.id))  # type: ignore[union-attr]
    for entry in measures:
        version = entry.latest
        assert version is not None and version.evaluation_date is not None
        due.append(
            MeasureDue(entry=entry, version=version, overdue=version.evaluation_date < today)
        )
    handover = (
        Handover.objects.filter(log=log, status=Handover.Status.PENDING, expires_at__gt=now)
        .select_related("to_user", "to_unit")
        .first()
    )
    next_meeting = next_meeting_entry.latest if next_meeting_entry is not None else None
    if next_meeting is not None and next_meeting_entry is not None:
        next_meeting.entry = next_meeting_entry  # for its calendar link, without a query
    return LogHeader(
        log=log,
        facts=facts,
        age=log.subject.age(today),
        participants=participants,
        next_meeting=next_meeting,
        due_measures=due,
        pending_handover=handover,
        pending_renewal=_pending_renewal(log) if facts.consent_open else None,
        today=today,
    )


def _pending_renewal(log: RelayLog) -> Consent | None:
    return (
        Consent.objects.filter(log=log, completed_at__isnull=True, withdrawn_at__isnull=True)
        .select_related("after_handover__from_user", "after_handover__to_user")
        .order_by("-created_at", "-id")
        .first()
    )


def _with_latest(queryset: QuerySet[Entry]) -> QuerySet[Entry]:
    """Entries with everything their latest version shows, in a constant number of
    queries: authors' units, responsible participants, evaluated measures (joins) and
    the people invited to and attending meetings (two prefetches)."""
    people = User.objects.only("id", "uuid", "first_name", "last_name", "username")
    return queryset.select_related(
        "latest",
        "latest__author_unit",
        "latest__responsible",
        "latest__responsible_unit",
        "latest__measure",
        "latest__measure__latest",
    ).prefetch_related(
        Prefetch("latest__invited", queryset=people),
        Prefetch("latest__attended", queryset=people),
    )


def timeline(log: RelayLog, kind: str | None = None, *, visible: Q) -> list[Entry]:
    """Everything in the log the reader may see (`visible`, from
    `policy.visible_entries`), newest first, optionally one kind only."""
    return list(timeline_queryset(log, kind, visible=visible))


def timeline_queryset(log: RelayLog, kind: str | None = None, *, visible: Q) -> QuerySet[Entry]:
    """`timeline` as a queryset, for pages of it (the API)."""
    entries = Entry.objects.filter(log=log, latest__isnull=False).filter(visible)
    if kind:
        entries = entries.filter(kind=kind)
    return _with_latest(entries).order_by("-created_at", "-id")


def timeline_oldest_first(log: RelayLog, *, visible: Q) -> list[Entry]:
    """The whole log the reader may see, in the order it was written, for printing."""
    entries = Entry.objects.filter(log=log, latest__isnull=False).filter(visible)
    return list(_with_latest(entries).order_by("created_at", "id"))


def entry_in_log(log: RelayLog, entry_uuid: uuid.UUID, *, visible: Q) -> Entry | None:
    """An entry, found only inside a log the caller may already see, and only when the
    reader may see it (`visible`)."""
    return _with_latest(Entry.objects.filter(log=log, uuid=entry_uuid).filter(visible)).first()


def editable_entry_in_log(log: RelayLog, entry_uuid: uuid.UUID, *, visible: Q) -> Entry | None:
    entry = entry_in_log(log, entry_uuid, visible=visible)
    if entry is None or entry.kind not in EDITABLE_KINDS:
        return None
    return entry


def versions(entry: Entry) -> list[EntryVersion]:
    """All versions of an entry, newest first."""
    people = User.objects.only("id", "uuid", "first_name", "last_name", "username")
    return list(
        EntryVersion.objects.filter(entry=entry)
        .select_related(
            "author_unit",
            "responsible",
            "responsible_unit",
            "measure",
            "measure__latest",
        )
        .prefetch_related(
            Prefetch("invited", queryset=people), Prefetch("attended", queryset=people)
        )
        .order_by("-number")
    )


# --- Choices for the forms --------------------------------------------------------------


@dataclass(frozen=True)
class Responsible:
    """Someone who can be responsible for a measure, as the form offers them."""

    user: User
    unit: Unit
    task: str


def responsible_choices(log: RelayLog) -> list[Responsible]:
    """Who can be responsible for a measure: the coordinator and the people taking part
    now (two queries)."""
    coordinator = Responsible(log.coordinator, log.unit, str(_("Coordinator")))
    participants = (
        Participant.objects.current()
        .filter(log=log)
        .exclude(user_id=log.coordinator_id)
        .select_related("user", "unit")
        .order_by("user__first_name", "user__last_name", "id")
    )
    return [coordinator] + [Responsible(p.user, p.unit, p.task) for p in participants]


def meeting_people(log: RelayLog) -> QuerySet[User]:
    """Everyone who may be invited to the log's meetings: the coordinator, the
    participants, the guardians with parental responsibility and the youth."""
    return User.objects.filter(id__in=meeting_people_ids(log)).order_by(
        "first_name", "last_name", "id"
    )


def measure_choices(log: RelayLog) -> QuerySet[Entry]:
    """The log's measures, for evaluating one."""
    return (
        Entry.objects.filter(log=log, kind=EntryKind.MEASURE, latest__isnull=False)
        .select_related("latest")
        .order_by("-created_at", "-id")
    )


def recent_duplicate(
    log: RelayLog, *, kind: str, user: User, fields: dict[str, Any], within_seconds: int = 120
) -> Entry | None:
    """The same person's identical entry from the last moments: a double submit.
    Call with the log locked, so that two submits in flight cannot both miss it."""
    since = timezone.now() - datetime.timedelta(seconds=within_seconds)
    candidates = Entry.objects.filter(
        log=log, kind=kind, created_by=user, created_at__gte=since, version_count=1
    ).select_related("latest")
    scalars = {
        k: v for k, v in fields.items() if k not in ("invited", "attended", "coordinator_only")
    }
    private = bool(fields.get("coordinator_only", False))
    for entry in candidates:
        latest = entry.latest
        if entry.coordinator_only != private:
            continue
        if latest is not None and all(
            same_value(getattr(latest, name, None), value) for name, value in scalars.items()
        ):
            return entry
    return None


def same_value(stored: Any, given: Any) -> bool:
    if isinstance(given, str) and isinstance(stored, str):
        return stored.strip() == given.strip()
    return bool(stored == given)


# --- The family's summary at the top of the log page -----------------------------------


@dataclass
class FamilySummary:
    """What a parent or the youth looks for first, in plain words: who helps, what we
    work towards, what is being done and by whom, the next meeting, what was decided,
    what went well, and what is new since the last visit. Built from entries already
    read for the page (no extra queries)."""

    goals: list[EntryVersion]
    measures: list[EntryVersion]
    decisions: list[Entry]
    bright_spots: list[EntryVersion]
    new_count: int
    last_seen: datetime.datetime | None


SUMMARY_DECISIONS = 3
SUMMARY_BRIGHT_SPOTS = 3


def family_summary(
    entries: list[Entry], *, last_seen: datetime.datetime | None, user_id: int | None
) -> FamilySummary:
    """`entries`: the whole log the reader may see, newest first."""
    goals: list[EntryVersion] = []
    measures: list[EntryVersion] = []
    decisions: list[Entry] = []
    bright: list[EntryVersion] = []
    new_count = 0
    for entry in entries:
        version = entry.latest
        if version is None:
            continue
        if (
            last_seen is not None
            and entry.created_at > last_seen
            and entry.created_by_id != user_id
        ):
            new_count += 1
        if entry.kind == EntryKind.GOAL:
            goals.append(version)
        elif entry.kind == EntryKind.MEASURE and version.measure_status in OPEN_MEASURE_STATUSES:
            measures.append(version)
        elif entry.kind == EntryKind.BRIGHT_SPOT and len(bright) < SUMMARY_BRIGHT_SPOTS:
            bright.append(version)
        elif (
            entry.kind == EntryKind.DECISION
            or (entry.kind == EntryKind.MEETING and version.decisions)
        ) and len(decisions) < SUMMARY_DECISIONS:
            decisions.append(entry)
    goals.reverse()  # oldest first: the order they were agreed
    measures.sort(key=lambda v: (v.evaluation_date or datetime.date.max, v.entry_id))
    return FamilySummary(
        goals=goals,
        measures=measures,
        decisions=decisions,
        bright_spots=bright,
        new_count=new_count,
        last_seen=last_seen,
    )


def last_visit(user_id: int, log: RelayLog) -> datetime.datetime | None:
    """When the person last opened the log page (before this visit)."""
    from stafett.home.models import LogVisit

    return (
        LogVisit.objects.filter(user_id=user_id, log=log).values_list("seen_at", flat=True).first()
    )


def meeting_in_log(log: RelayLog, entry_uuid: uuid.UUID, *, visible: Q) -> Entry | None:
    """A meeting of the log, for its calendar file."""
    return (
        Entry.objects.filter(log=log, uuid=entry_uuid, kind=EntryKind.MEETING, latest__isnull=False)
        .filter(visible)
        .select_related("latest", "log__subject")
        .first()
    )
