"""A year of history for the statistics page: two more units in Fjordvik, Fjellheim
barnehage and Fjellheim skule, with 22 children whose concerns, relay logs, measures,
evaluations, level changes, handovers (kindergarten → school), a withdrawn consent and
closings lie spread over the last twelve months.

The seven families' stories (demo/logs.py) show what one log looks like; these give the
statistics enough children for real figures beside the "under 5" ones. They belong to
no persona: the two units' staff cannot log in, no family account is linked to the
children, and no persona works in, leads or is offered anything in the two units, so
every persona's pages stay as they were.

Unlike the stories, these rows are written straight to the tables with their past dates
(demo code only): a year of history through the services would stamp "now" on
everything and take long to load. Idempotent: each child has a stable UUID, and a child
that exists already is left as it is.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from stafett.accounts.models import User
from stafett.concerns.models import Concern
from stafett.consent.models import Consent, ConsentUnit
from stafett.demo.content import EMAIL_DOMAIN
from stafett.logs.models import (
    DecisionKind,
    Effect,
    Entry,
    EntryKind,
    EntryVersion,
    Handover,
    MeasureStatus,
    RelayLog,
)
from stafett.organisation.models import Membership, Municipality, ServiceKind, Unit
from stafett.people.models import Subject

KINDERGARTEN = "Fjellheim barnehage"
SCHOOL = "Fjellheim skule"
HISTORY_UNITS = (KINDERGARTEN, SCHOOL)
# Staff of the two units: no password, so nobody logs in as them.
NO_LOGIN = "!demo-history-no-login"


@dataclass(frozen=True)
class Past:
    """One child's year, in days before the demo loads."""

    key: str
    first_name: str
    age: int
    unit: str
    concern: int
    log_level: int = 0  # 0: the concern went no further
    activated: int = 0
    measure: int = 0
    evaluated_late: bool = False
    moves: tuple[tuple[int, int, int], ...] = field(default_factory=tuple)  # (days, from, to)
    handover: int = 0  # to the school's coordinator (or, at the school, to a colleague)
    withdrawn: int = 0
    closed: int = 0
    close_reason: str = "goals_met"


B, S = KINDERGARTEN, SCHOOL
HISTORY: tuple[Past, ...] = (
    Past("fh.aurora", "Aurora", 5, B, 320, 1, 300, 290, closed=120),
    Past("fh.theo", "Theo", 4, B, 300, 1, 280, 265, closed=90),
    Past("fh.selma", "Selma", 6, B, 280, 2, 262, 250, moves=((200, 2, 3),), handover=60),
    Past("fh.isak", "Isak", 3, B, 250, 1, 235, 228, evaluated_late=True, closed=60),
    Past("fh.frida", "Frida", 6, B, 230, 3, 215, 200, handover=50),
    Past("fh.leon", "Leon", 4, B, 200, 1, 185, 170, closed=40),
    Past("fh.tiril", "Tiril", 3, B, 170, 1, 150, 140),
    Past("fh.even", "Even", 4, B, 140),
    Past("fh.mathilde", "Mathilde", 6, B, 110, 1, 95, 80, handover=30),
    Past("fh.ole", "Ole", 2, B, 80),
    Past("fh.ella", "Ella", 5, B, 45, 1, 30, 20),
    Past("fs.oskar", "Oskar", 9, S, 330, 2, 310, 300, closed=150),
    Past("fs.ingrid", "Ingrid", 11, S, 310, 3, 290, 280, moves=((180, 3, 2),), handover=120),
    Past(
        "fs.jakob",
        "Jakob",
        8,
        S,
        270,
        2,
        255,
        240,
        withdrawn=100,
        closed=98,
        close_reason="consent_withdrawn",
    ),
    Past("fs.live", "Live", 10, S, 240, 1, 225, 210, evaluated_late=True, closed=70),
    Past("fs.henrik", "Henrik", 7, S, 210, 2, 195, 185, moves=((100, 2, 3),), handover=75),
    Past("fs.vilde", "Vilde", 12, S, 190),
    Past("fs.sander", "Sander", 9, S, 160, 1, 140, 125, closed=30, close_reason="moved_away"),
    Past("fs.emilie", "Emilie", 8, S, 120, 1, 100, 90),
    Past("fs.kaja", "Kaja", 7, S, 100, 2, 85, 70),
    Past("fs.mons", "Mons", 10, S, 90),
    Past("fs.sofie", "Sofie", 11, S, 60, 3, 45, 35),
)


def load_demo_history(*, municipality: Municipality, today: datetime.date) -> None:
    from stafett.demo.services import birth_date_for, demo_uuid

    units = {name: _unit(municipality, name) for name in HISTORY_UNITS}
    staff = {
        KINDERGARTEN: _staff(
            municipality, units[KINDERGARTEN], "fjellheim.styrar", "Tone", "Fjell"
        ),
        SCHOOL: _staff(municipality, units[SCHOOL], "fjellheim.rektor", "Arne", "Heim"),
        "colleague": _staff(municipality, units[SCHOOL], "fjellheim.larar", "Randi", "Li"),
    }

    def at(days_ago: int, hour: int = 10) -> datetime.datetime:
        day = today - datetime.timedelta(days=days_ago)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

    def date(days_ago: int) -> datetime.date:
        return today - datetime.timedelta(days=days_ago)

    for past in HISTORY:
        subject_uuid = demo_uuid("history-subject", past.key)
        if Subject.objects.filter(uuid=subject_uuid).exists():
            continue
        unit, coordinator = units[past.unit], staff[past.unit]
        subject = Subject.objects.create(
            uuid=subject_uuid,
            municipality=municipality,
            first_name=past.first_name,
            last_name="Fjellheim",
            birth_date=birth_date_for(past.age, 1 + len(past.key) * 7 % 300, today),
        )
        log = None
        if past.log_level:
            log = _log(past, subject, unit, coordinator, at, date)
            log_uuid = demo_uuid("history-log", past.key)
            RelayLog.objects.filter(pk=log.pk).update(uuid=log_uuid)
        Concern.objects.create(
            uuid=demo_uuid("history-concern", past.key),
            municipality=municipality,
            unit=unit,
            author=coordinator,
            subject=subject,
            noticed="Ei undring frå kvardagen.",
            noticed_on=date(past.concern + 2),
            step="decide",
            status=Concern.Status.LOG if log is not None else Concern.Status.CLOSED,
            decide_by=date(past.concern - 14),
            created_at=at(past.concern),
            log=log,
            carried_at=at(past.activated) if log is not None else None,
        )
        if log is not None and past.handover:
            _handover(past, log, units, staff, at)


def _unit(municipality: Municipality, name: str) -> Unit:
    from stafett.demo.services import demo_uuid

    kind = ServiceKind.objects.get(
        municipality=municipality, name="Barnehage" if name == KINDERGARTEN else "Skule"
    )
    unit, _ = Unit.objects.update_or_create(
        municipality=municipality,
        name=name,
        defaults={
            "uuid": demo_uuid("unit", f"{municipality.name}/{name}"),
            "service_kind": kind,
            "is_active": True,
        },
    )
    return unit


def _staff(municipality: Municipality, unit: Unit, username: str, first: str, last: str) -> User:
    from stafett.demo.services import demo_uuid

    user, _ = User.objects.update_or_create(
        username=username,
        defaults={
            "uuid": demo_uuid("user", username),
            "first_name": first,
            "last_name": last,
            "email": f"{username}@{EMAIL_DOMAIN}",
            "municipality": municipality,
            "kind": User.Kind.STAFF,
            "is_demo": True,
            "is_active": True,
            "password": NO_LOGIN,
        },
    )
    Membership.objects.update_or_create(
        unit=unit,
        user=user,
        role=Membership.Role.EMPLOYEE,
        ended_at=None,
        defaults={
            "uuid": demo_uuid("membership", f"{unit.uuid}/{username}/employee"),
            "municipality": municipality,
            "title": "Pedagog",
        },
    )
    return user


def _entry(
    log: RelayLog, kind: str, when: datetime.datetime, author: User, **fields: object
) -> Entry:
    entry = Entry.objects.create(log=log, kind=kind, created_at=when, created_by=author)
    version = EntryVersion.objects.create(
        entry=entry,
        number=1,
        author=author,
        author_name=author.get_full_name(),
        author_role="coordinator",
        author_unit=log.unit,
        created_at=when,
        **fields,
    )
    entry.latest = version
    entry.version_count = 1
    entry.save(update_fields=["latest", "version_count"])
    return entry


def _log(
    past: Past, subject: Subject, unit: Unit, coordinator: User, at: object, date: object
) -> RelayLog:
    assert callable(at) and callable(date)
    closed = past.closed
    first_level = past.moves[0][1] if past.moves else past.log_level
    log = RelayLog.objects.create(
        municipality=unit.municipality,
        subject=subject,
        origin_unit=unit,
        unit=unit,
        coordinator=coordinator,
        level=past.moves[-1][2] if past.moves else first_level,
        step="measures",
        status=RelayLog.Status.CLOSED if closed else RelayLog.Status.ACTIVE,
        created_by=coordinator,
        created_at=at(past.activated + 3),
        activated_at=at(past.activated),
        closed_at=at(closed, 14) if closed else None,
        close_reason=past.close_reason if closed else "",
        updated_at=at(closed or past.activated),
    )
    consent = Consent.objects.create(
        municipality=unit.municipality,
        log=log,
        purpose="Samarbeid om tiltak i barnehagen og skulen.",
        valid_from=date(past.activated),
        valid_to=date(past.activated) + datetime.timedelta(days=365),
        method=Consent.Method.PAPER,
        requested_by=coordinator,
        created_at=at(past.activated + 3),
        completed_at=at(past.activated),
        withdrawn_at=at(past.withdrawn) if past.withdrawn else None,
    )
    ConsentUnit.objects.create(
        consent=consent,
        unit=unit,
        added_at=at(past.activated + 3),
        added_by=coordinator,
        confirmed_at=at(past.activated),
    )
    evaluate_on = past.measure - 42
    measure = _entry(
        log,
        EntryKind.MEASURE,
        at(past.measure),
        coordinator,
        title="Fast vaksen i overgangane",
        responsible=coordinator,
        responsible_unit=unit,
        start_date=date(past.measure),
        evaluation_date=date(evaluate_on),
        measure_status=MeasureStatus.EVALUATED if evaluate_on > 0 else MeasureStatus.RUNNING,
    )
    if evaluate_on > 0:
        # Evaluated the day before its date, or nine days late.
        written = evaluate_on - 9 if past.evaluated_late else evaluate_on + 1
        _entry(
            log,
            EntryKind.EVALUATION,
            at(max(written, 1)),
            coordinator,
            measure=measure,
            effect=Effect.BETTER,
            body="Tiltaket verkar.",
        )
    for days, from_level, to_level in past.moves:
        _entry(
            log,
            EntryKind.DECISION,
            at(days),
            coordinator,
            decision_kind=DecisionKind.LEVEL,
            from_level=from_level,
            to_level=to_level,
            from_step="evaluation",
            to_step="measures",
            body="Behova har endra seg.",
        )
    if closed:
        _entry(
            log,
            EntryKind.DECISION,
            at(closed, 14),
            coordinator,
            decision_kind=DecisionKind.CLOSE,
            close_reason=past.close_reason,
            body="Loggen er avslutta.",
        )
    return log


def _handover(
    past: Past, log: RelayLog, units: dict[str, Unit], staff: dict[str, User], at: object
) -> None:
    """The kindergarten hands the baton to the school; at the school, to a colleague."""
    assert callable(at)
    to_user = staff[SCHOOL] if past.unit == KINDERGARTEN else staff["colleague"]
    Handover.objects.create(
        log=log,
        from_user=log.coordinator,
        to_user=to_user,
        to_unit=units[SCHOOL],
        proposed_by=log.coordinator,
        message="Overgang til skulen.",
        proposed_at=at(past.handover + 5),
        expires_at=at(past.handover - 9),
        status=Handover.Status.ACCEPTED,
        answered_at=at(past.handover),
        answer_message="Takk, eg tek over.",
    )
    RelayLog.objects.filter(pk=log.pk).update(unit=units[SCHOOL], coordinator=to_user)
