"""The relay-log sections of the home page, by role (issue 4, item 9)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stafett.audit.models import AccessLogEntry, AccessLogSeal
from stafett.consent.models import Consent, ConsentGiver, ConsentUnit
from stafett.consent.services import request_consent, withdraw_consent
from stafett.home.models import LogVisit
from stafett.home.selectors import week_bounds
from stafett.home.services import mark_log_seen
from stafett.logs.models import (
    Entry,
    EntryKind,
    EntryVersion,
    MeasureStatus,
    MeetingKind,
    Participant,
    RelayLog,
)
from stafett.logs.services import add_entry, propose_handover, start_log
from stafett.people.models import Guardianship, Subject
from tests.conftest import World
from tests.logs.conftest import LogWorld, as_actor
from tests.logs.conftest import active_log as active_log  # the fixture

SECRET_TEXT = "Mia gret i garderoben og ville ikkje gå inn"


@dataclass
class Content:
    meeting: Entry
    overdue: Entry
    due: Entry
    note: Entry


@pytest.fixture
def content(active_log: LogWorld) -> Content:
    """A meeting this week, one overdue measure, one due soon, and a note."""
    w = active_log.world
    coordinator = as_actor(w.employee)
    today = timezone.localdate()
    start, _end = week_bounds(timezone.now())
    meeting = add_entry(
        actor=coordinator,
        log=active_log.log,
        kind=EntryKind.MEETING,
        meeting_kind=MeetingKind.EVALUATION,
        starts_at=start + datetime.timedelta(hours=10),
        place="Solsida barnehage",
        agenda="Evaluering",
        invited=[w.school_employee, w.guardian],
    )
    overdue = add_entry(
        actor=coordinator,
        log=active_log.log,
        kind=EntryKind.MEASURE,
        title="Fast vaksen ved levering",
        responsible=active_log.participant.user,
        start_date=today - datetime.timedelta(days=40),
        evaluation_date=today - datetime.timedelta(days=3),
        measure_status=MeasureStatus.RUNNING,
    )
    due = add_entry(
        actor=coordinator,
        log=active_log.log,
        kind=EntryKind.MEASURE,
        title="Besøk på skulen før skulestart",
        responsible=active_log.participant.user,
        start_date=today,
        evaluation_date=today + datetime.timedelta(days=5),
    )
    note = add_entry(actor=coordinator, log=active_log.log, kind=EntryKind.NOTE, body=SECRET_TEXT)
    return Content(meeting=meeting, overdue=overdue, due=due, note=note)


def page(login_as: Any, user: Any, **params: Any) -> str:
    """The home page in English (the texts these tests look for)."""
    client = login_as(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/", params)
    assert response.status_code == 200
    return str(response.content.decode())


def detail_url(log: RelayLog) -> str:
    return reverse("logs:detail", kwargs={"log": log.uuid})


# --- coordinator ----------------------------------------------------------------------


def test_the_coordinator_sees_the_log_with_its_state_and_dates(
    active_log: LogWorld, content: Content, login_as: Any
) -> None:
    html = page(login_as, active_log.world.employee)
    assert "Mia Mor" in html
    assert detail_url(active_log.log) in html
    today = timezone.localdate()
    # Next evaluation: the earliest open measure (the overdue one), flagged as overdue.
    assert (today - datetime.timedelta(days=3)).strftime("%d.%m.%Y") in html
    assert "Fast vaksen ved levering" in html  # in "evaluations due"
    assert "Besøk på skulen før skulestart" in html
    assert "badge--error" in html  # overdue
    assert "badge--ok" in html  # consent valid


def test_the_coordinator_sees_meetings_this_week(
    active_log: LogWorld, content: Content, login_as: Any
) -> None:
    html = page(login_as, active_log.world.employee)
    start, _ = week_bounds(timezone.now())
    when = timezone.localtime(start + datetime.timedelta(hours=10))
    assert when.strftime("%d.%m. %H:%M") in html
    assert "Solsida barnehage" in html


def test_a_meeting_next_week_is_not_this_week(active_log: LogWorld, login_as: Any) -> None:
    w = active_log.world
    _start, end = week_bounds(timezone.now())
    add_entry(
        actor=as_actor(w.employee),
        log=active_log.log,
        kind=EntryKind.MEETING,
        meeting_kind=MeetingKind.AD_HOC,
        starts_at=end + datetime.timedelta(hours=9),
        place="Rom 12 på skulen",
        invited=[w.school_employee],
    )
    html = page(login_as, w.employee)
    assert "Rom 12 på skulen" not in html


def test_the_coordinator_without_consent_sees_the_child_but_no_dates(
    active_log: LogWorld, content: Content, login_as: Any
) -> None:
    w = active_log.world
    withdraw_consent(actor=as_actor(w.guardian), log=active_log.log)
    html = page(login_as, w.employee)
    assert "Mia Mor" in html
    assert "Besøk på skulen før skulestart" not in html
    assert "Only renewing the consent or closing" in html or "fornye samtykket" in html


def test_staff_reads_on_the_home_page_are_logged(
    active_log: LogWorld, content: Content, login_as: Any
) -> None:
    w = active_log.world
    before = AccessLogEntry.objects.filter(subject_uuid=w.child.uuid).count()
    page(login_as, w.employee)
    rows = AccessLogEntry.objects.filter(subject_uuid=w.child.uuid).order_by("id")
    new = list(rows[before:])
    assert [(r.actor, r.role, r.action) for r in new] == [
        (w.employee, "coordinator", "home.log_list")
    ]


# --- participant ----------------------------------------------------------------------


def test_a_participant_sees_the_log_they_take_part_in_and_their_measures(
    active_log: LogWorld, content: Content, login_as: Any
) -> None:
    html = page(login_as, active_log.world.school_employee)
    assert "Mia Mor" in html
    assert "Fast vaksen ved levering" in html
    assert "Eva Tilsett" in html  # the coordinator


def test_a_participant_whose_consent_expired_sees_no_name_only_a_count(
    active_log: LogWorld, content: Content, login_as: Any
) -> None:
    Consent.objects.filter(log=active_log.log).update(
        valid_from=timezone.localdate() - datetime.timedelta(days=400),
        valid_to=timezone.localdate() - datetime.timedelta(days=1),
    )
    html = page(login_as, active_log.world.school_employee)
    assert "Mia" not in html
    assert "Fast vaksen ved levering" not in html
    assert "Solsida barnehage</span>" not in html  # the meeting is gone too
    assert "no longer have access to 1 relay log" in html or "1 stafettlogg" in html


def test_a_participant_whose_unit_left_the_consent_sees_nothing(
    active_log: LogWorld, content: Content, login_as: Any
) -> None:
    ConsentUnit.objects.filter(unit=active_log.world.school).update(removed_at=timezone.now())
    html = page(login_as, active_log.world.school_employee)
    assert "Mia" not in html


# --- handover -------------------------------------------------------------------------


def test_a_handover_waits_on_the_new_coordinators_home_with_a_link_to_answer(
    active_log: LogWorld, login_as: Any
) -> None:
    w = active_log.world
    handover = propose_handover(
        actor=as_actor(w.employee),
        log=active_log.log,
        to_user=w.school_employee,
        to_unit=w.school,
        message="Mia byrjar på skulen i august.",
    )
    html = page(login_as, w.school_employee)
    url = reverse(
        "logs:handover_answer", kwargs={"log": active_log.log.uuid, "handover": handover.uuid}
    )
    assert url in html
    assert "Mia byrjar på skulen i august." in html
    assert "M. M., " in html


def test_an_expired_handover_is_not_shown(active_log: LogWorld, login_as: Any) -> None:
    w = active_log.world
    handover = propose_handover(
        actor=as_actor(w.employee),
        log=active_log.log,
        to_user=w.school_employee,
        to_unit=w.school,
        message="Mia byrjar på skulen i august.",
    )
    type(handover).objects.filter(pk=handover.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert "Mia byrjar på skulen i august." not in page(login_as, w.school_employee)


# --- unit leader ----------------------------------------------------------------------


def test_the_leader_sees_metadata_but_no_content(
    active_log: LogWorld, content: Content, login_as: Any
) -> None:
    w = active_log.world
    html = page(login_as, w.leader)
    assert f"M. M., {w.child.birth_date.year}" in html
    assert "Eva Tilsett" in html  # coordinator
    assert "Mia Mor" not in html
    assert "Mia" not in html
    assert SECRET_TEXT not in html
    assert "Fast vaksen ved levering" not in html
    assert "Evaluation meeting" not in html
    assert detail_url(active_log.log) in html  # the header-only page
    rows = AccessLogEntry.objects.filter(
        subject_uuid=w.child.uuid, actor=w.leader, action="home.log_metadata"
    )
    assert rows.count() == 1


def test_a_leader_of_another_unit_does_not_see_the_log(active_log: LogWorld, login_as: Any) -> None:
    from tests import factories as f

    w = active_log.world
    other_leader = f.make_user(w.municipality, username="rektor")
    f.add_membership(other_leader, w.school, "leader")
    html = page(login_as, other_leader)
    assert "M. M.," not in html


# --- guardian and youth ---------------------------------------------------------------


def test_a_consent_waiting_for_the_guardian_comes_first_with_a_button(
    world: World, login_as: Any
) -> None:
    coordinator = as_actor(world.employee)
    log = start_log(actor=coordinator, subject=world.child, unit=world.kindergarten, level=1)
    request_consent(
        actor=coordinator,
        log=log,
        purpose="Samarbeid om Mia.",
        valid_from=timezone.localdate(),
        valid_to=None,
        units=[world.kindergarten],
        method=Consent.Method.DIGITAL,
    )
    html = page(login_as, world.guardian)
    url = reverse("logs:consent", kwargs={"log": log.uuid})
    assert url in html
    assert html.index(url) < html.index("Mia Mor")


def test_the_guardian_sees_the_log_next_meeting_and_what_is_new(
    active_log: LogWorld, content: Content, login_as: Any
) -> None:
    w = active_log.world
    html = page(login_as, w.guardian)
    assert "Mia Mor" in html
    assert "Eva Tilsett" in html
    assert detail_url(active_log.log) in html
    # Everything is new: the guardian has never opened the log; her own consent does not count.
    new = Entry.objects.filter(log=active_log.log).exclude(created_by=w.guardian).count()
    assert f"{new} new since your last visit" in html or f"{new} nye" in html


def test_new_since_last_visit_counts_only_others_entries_after_the_visit(
    active_log: LogWorld, login_as: Any
) -> None:
    w = active_log.world
    log = active_log.log
    mark_log_seen(user_id=w.guardian.id, log_id=log.id)
    html = page(login_as, w.guardian)
    assert "new since your last visit" not in html
    add_entry(actor=as_actor(w.guardian), log=log, kind=EntryKind.BRIGHT_SPOT, body="Mia song!")
    assert "new since your last visit" not in page(login_as, w.guardian)
    add_entry(actor=as_actor(w.employee), log=log, kind=EntryKind.NOTE, body="Eit notat.")
    assert "1 new since your last visit" in page(login_as, w.guardian)
    mark_log_seen(user_id=w.guardian.id, log_id=log.id)
    mark_log_seen(user_id=w.guardian.id, log_id=log.id)  # an upsert, not a second row
    assert "new since your last visit" not in page(login_as, w.guardian)


def test_opening_the_log_page_marks_it_seen(active_log: LogWorld, login_as: Any) -> None:
    w = active_log.world
    assert "new since your last visit" in page(login_as, w.guardian)
    client = login_as(w.guardian)
    assert client.get(detail_url(active_log.log)).status_code == 200
    assert "new since your last visit" not in page(login_as, w.guardian)
    # The leader's header-only view is not a visit of the content.
    leader = login_as(w.leader)
    assert leader.get(detail_url(active_log.log)).status_code == 200
    assert not LogVisit.objects.filter(user=w.leader).exists()


def test_family_reads_are_logged_in_one_row_per_child(
    active_log: LogWorld, content: Content, login_as: Any
) -> None:
    w = active_log.world
    before = AccessLogEntry.objects.filter(subject_uuid=w.child.uuid).count()
    page(login_as, w.guardian)
    rows = list(AccessLogEntry.objects.filter(subject_uuid=w.child.uuid).order_by("id")[before:])
    assert [(r.actor, r.role, r.action, r.reason) for r in rows] == [
        (w.guardian, "guardian", "subject.view_as_family", "home page")
    ]


def test_a_guardian_without_parental_responsibility_sees_no_log(
    active_log: LogWorld, login_as: Any
) -> None:
    html = page(login_as, active_log.world.guardian_without_responsibility)
    assert "Mia" not in html


def test_the_youth_sees_their_own_log_and_consent_request(world: World, login_as: Any) -> None:
    coordinator = as_actor(world.employee)
    log = start_log(
        actor=coordinator, subject=world.youth_subject, unit=world.kindergarten, level=1
    )
    request_consent(
        actor=coordinator,
        log=log,
        purpose="Samarbeid med Jonas.",
        valid_from=timezone.localdate(),
        valid_to=None,
        units=[world.kindergarten],
        method=Consent.Method.DIGITAL,
    )
    html = page(login_as, world.youth)
    assert reverse("logs:consent", kwargs={"log": log.uuid}) in html
    assert "Eva Tilsett" in html
    # A guardian is not the one to answer for a youth over the consent age.
    assert "Jonas" not in page(login_as, world.guardian)


def test_the_guardian_sees_each_child_separately(active_log: LogWorld, login_as: Any) -> None:
    from tests import factories as f

    w = active_log.world
    sibling = f.make_subject(w.municipality, age=9, first_name="Ola", last_name="Mor")
    f.add_guardian(sibling, w.guardian)
    html = page(login_as, w.guardian)
    assert "Mia Mor" in html and "Ola Mor" in html
    assert "No relay log" in html or "Ingen stafettlogg" in html


# --- a constant number of queries ----------------------------------------------------


def make_logs(w: World, n: int) -> list[RelayLog]:
    """`n` active logs coordinated by Eva, Siri taking part, Gro the guardian; each with
    a meeting this week and an overdue measure. Written in bulk for speed."""
    today = timezone.localdate()
    now = timezone.now()
    start, _ = week_bounds(now)
    subjects = Subject.objects.bulk_create(
        [
            Subject(
                municipality=w.municipality,
                first_name=f"Barn{i}",
                last_name="Bulk",
                birth_date=today - datetime.timedelta(days=3000 + i),
            )
            for i in range(n)
        ]
    )
    Guardianship.objects.bulk_create(
        [
            Guardianship(
                municipality=w.municipality, subject=s, guardian=w.guardian, relation="mother"
            )
            for s in subjects
        ]
    )
    logs = RelayLog.objects.bulk_create(
        [
            RelayLog(
                municipality=w.municipality,
                subject=s,
                origin_unit=w.kindergarten,
                unit=w.kindergarten,
                coordinator=w.employee,
                level=2,
                status=RelayLog.Status.ACTIVE,
                created_by=w.employee,
            )
            for s in subjects
        ]
    )
    consents = Consent.objects.bulk_create(
        [
            Consent(
                municipality=w.municipality,
                log=log,
                purpose="Bulk",
                valid_from=today - datetime.timedelta(days=10),
                valid_to=today + datetime.timedelta(days=200),
                method=Consent.Method.DIGITAL,
                requested_by=w.employee,
                completed_at=now,
            )
            for log in logs
        ]
    )
    ConsentGiver.objects.bulk_create(
        [ConsentGiver(consent=c, person=w.guardian, name="Gro", given_at=now) for c in consents]
    )
    ConsentUnit.objects.bulk_create(
        [
            ConsentUnit(consent=c, unit=unit, added_by=w.employee, confirmed_at=now)
            for c in consents
            for unit in (w.kindergarten, w.school)
        ]
    )
    participants = Participant.objects.bulk_create(
        [
            Participant(
                log=log, user=w.school_employee, unit=w.school, task="t", added_by=w.employee
            )
            for log in logs
        ]
    )
    entries = Entry.objects.bulk_create(
        [
            Entry(log=log, kind=kind, created_by=w.employee, version_count=1)
            for log in logs
            for kind in (EntryKind.MEETING, EntryKind.MEASURE)
        ]
    )
    versions = []
    for index, entry in enumerate(entries):
        participant = participants[index // 2]
        if entry.kind == EntryKind.MEETING:
            versions.append(
                EntryVersion(
                    entry=entry,
                    number=1,
                    author_name="Eva",
                    author_role="coordinator",
                    meeting_kind=MeetingKind.EVALUATION,
                    starts_at=start + datetime.timedelta(hours=10),
                    place="Rom",
                )
            )
        else:
            versions.append(
                EntryVersion(
                    entry=entry,
                    number=1,
                    author_name="Eva",
                    author_role="coordinator",
                    title="Tiltak",
                    responsible=participant.user,
                    start_date=today - datetime.timedelta(days=30),
                    evaluation_date=today - datetime.timedelta(days=1),
                    measure_status=MeasureStatus.RUNNING,
                )
            )
    versions = EntryVersion.objects.bulk_create(versions)
    for entry, version in zip(entries, versions, strict=True):
        entry.latest = version
    Entry.objects.bulk_update(entries, ["latest"])
    return logs


ACCESS_LOG_INSERT = f'INSERT INTO "{AccessLogEntry._meta.db_table}"'
# Tests seal each read's rows at once (tests/conftest.py): one bulk insert of seals too.
SEAL_INSERT = f'INSERT INTO "{AccessLogSeal._meta.db_table}"'


def count_queries(login_as: Any, user: Any) -> int:
    """Queries of one home page view. The access-log rows are one `bulk_create`, which
    SQLite's driver splits into batches of ~60 rows (its 999-variable limit) while
    PostgreSQL sends one statement: those inserts are counted apart."""
    client = login_as(user)
    client.get("/")  # warm the session
    rows_before = AccessLogEntry.objects.count()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    queries = [q["sql"] for q in ctx.captured_queries]
    inserts = [sql for sql in queries if sql.startswith(ACCESS_LOG_INSERT)]
    seals = [sql for sql in queries if sql.startswith(SEAL_INSERT)]
    rows = AccessLogEntry.objects.count() - rows_before
    batch = max(connection.ops.bulk_batch_size(["x"] * 16, []), 1)
    assert len(inserts) <= -(-rows // batch) + 2  # one bulk insert per kind of read
    seal_batch = max(connection.ops.bulk_batch_size(["x"] * 7, []), 1)
    assert len(seals) <= -(-rows // seal_batch) + 2
    return len(queries) - len(inserts) - len(seals)


def test_every_home_page_keeps_its_query_count_from_1_to_200_logs(
    world: World, login_as: Any
) -> None:
    make_logs(world, 1)
    roles = [world.employee, world.school_employee, world.leader, world.guardian]
    before = {user.username: count_queries(login_as, user) for user in roles}
    make_logs(world, 199)
    after = {user.username: count_queries(login_as, user) for user in roles}
    assert after == before


def test_the_coordinators_home_with_200_logs_is_paginated(world: World, login_as: Any) -> None:
    make_logs(world, 200)
    first = page(login_as, world.employee)
    assert "Page 1 of 4" in first
    # Long lists show the first 20 and say how many more there are.
    assert "And 180 more meetings this week." in first
    assert "And 180 more measures to evaluate." in first
    assert "200 overdue" in first
    last = page(login_as, world.employee, page=4)
    assert "Page 4 of 4" in last
