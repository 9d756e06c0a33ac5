"""Rows for statistics tests, written straight to the database with chosen dates (the
services stamp "now"; statistics are about the past)."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.utils import timezone

from stafett.accounts.models import User
from stafett.concerns.models import Concern
from stafett.consent.models import Consent
from stafett.logs.models import (
    DecisionKind,
    Entry,
    EntryKind,
    EntryVersion,
    Handover,
    MeasureStatus,
    RelayLog,
)
from stafett.organisation.models import Unit
from stafett.people.models import Subject
from tests import factories as f

_names = itertools.count(1)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def child(unit: Unit, age: int = 7, kind: str = "child") -> Subject:
    n = next(_names)
    return f.make_subject(
        unit.municipality, age=age, first_name=f"Barn{n}", last_name="Test", kind=kind
    )


def concern(
    unit: Unit, author: User, day: datetime.date, subject: Subject | None = None, log: Any = None
) -> Concern:
    return Concern.objects.create(
        municipality=unit.municipality,
        unit=unit,
        author=author,
        subject=subject,
        label="" if subject else "Eit barn",
        noticed="Noko vi undra oss over.",
        noticed_on=day,
        decide_by=day + datetime.timedelta(days=14),
        created_at=at(day),
        status=Concern.Status.LOG if log is not None else Concern.Status.CLOSED,
        log=log,
    )


def log(
    subject: Subject,
    unit: Unit,
    coordinator: User,
    *,
    level: int,
    activated: datetime.date,
    closed: datetime.date | None = None,
    close_reason: str = "goals_met",
) -> RelayLog:
    return RelayLog.objects.create(
        municipality=unit.municipality,
        subject=subject,
        origin_unit=unit,
        unit=unit,
        coordinator=coordinator,
        level=level,
        created_by=coordinator,
        created_at=at(activated, 8),
        activated_at=at(activated, 9),
        status=RelayLog.Status.CLOSED if closed else RelayLog.Status.ACTIVE,
        closed_at=at(closed) if closed else None,
        close_reason=close_reason if closed else "",
    )


def entry(the_log: RelayLog, kind: str, day: datetime.date, **fields: Any) -> Entry:
    item = Entry.objects.create(log=the_log, kind=kind, created_at=at(day))
    version = EntryVersion.objects.create(
        entry=item,
        number=1,
        author_name="Test",
        author_role="coordinator",
        created_at=at(day),
        **fields,
    )
    item.latest = version
    item.version_count = 1
    item.save(update_fields=["latest", "version_count"])
    return item


def level_change(the_log: RelayLog, day: datetime.date, from_level: int, to_level: int) -> Entry:
    return entry(
        the_log,
        EntryKind.DECISION,
        day,
        decision_kind=DecisionKind.LEVEL,
        from_level=from_level,
        to_level=to_level,
    )


def measure(the_log: RelayLog, day: datetime.date, evaluate_on: datetime.date) -> Entry:
    return entry(
        the_log,
        EntryKind.MEASURE,
        day,
        title="Tiltak",
        start_date=day,
        evaluation_date=evaluate_on,
        measure_status=MeasureStatus.RUNNING,
    )


def evaluation(the_log: RelayLog, of: Entry, day: datetime.date) -> Entry:
    return entry(the_log, EntryKind.EVALUATION, day, measure=of, effect="better")


def handover(the_log: RelayLog, to_user: User, to_unit: Unit, day: datetime.date) -> Handover:
    return Handover.objects.create(
        log=the_log,
        from_user=the_log.coordinator,
        to_user=to_user,
        to_unit=to_unit,
        proposed_by=the_log.coordinator,
        message="Over til skulen.",
        proposed_at=at(day, 8),
        expires_at=at(day + datetime.timedelta(days=14)),
        status=Handover.Status.ACCEPTED,
        answered_at=at(day),
    )


def withdrawal(the_log: RelayLog, day: datetime.date) -> Consent:
    return Consent.objects.create(
        municipality=the_log.municipality,
        log=the_log,
        purpose="Samarbeid",
        valid_from=day - datetime.timedelta(days=60),
        valid_to=day + datetime.timedelta(days=300),
        method=Consent.Method.DIGITAL,
        requested_by=the_log.coordinator,
        completed_at=at(day - datetime.timedelta(days=59)),
        withdrawn_at=at(day),
    )
