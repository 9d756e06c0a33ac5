"""The log page, the versions page and the printable view, for every kind of person."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from stafett.audit.models import AccessLogEntry
from stafett.consent.models import Consent
from stafett.consent.services import give_consent, narrow_scope, request_consent, withdraw_consent
from stafett.logs.models import Entry, EntryKind, MeasureStatus, RelayLog
from stafett.logs.services import (
    add_entry,
    add_participant,
    edit_entry,
    propose_handover,
    start_log,
)
from tests import factories as f
from tests.conftest import World
from tests.logs.conftest import LogWorld, as_actor

SECRET_GOAL = "Mia trives i leiken"
SECRET_MEASURE = "Fast vaksen i frileiken"
SECRET_BRIGHT = "Mia song heime!"


@pytest.fixture
def login_as(login_as: Any, settings: Any) -> Any:
    """Log in, and read the pages in English (the messages the tests look for)."""

    def _login(user: Any) -> Client:
        client: Client = login_as(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _login


def english(client: Client) -> Client:
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def detail_url(log: RelayLog) -> str:
    return reverse("logs:detail", kwargs={"log": log.uuid})


def versions_url(log: RelayLog, entry: Entry) -> str:
    return reverse("logs:entry_versions", kwargs={"log": log.uuid, "entry": entry.uuid})


def print_url(log: RelayLog) -> str:
    return reverse("logs:print", kwargs={"log": log.uuid})


def reads_of(log: RelayLog, user: Any, reason: str | None = None) -> int:
    rows = AccessLogEntry.objects.filter(
        subject_uuid=log.subject.uuid, actor=user, action="log.view", outcome="allowed"
    )
    if reason is not None:
        rows = rows.filter(reason=reason)
    return rows.count()


def fill_log(lw: LogWorld) -> dict[str, Entry]:
    """A goal, an overdue measure for the school participant, a meeting in three days
    and the guardian's bright spot."""
    w, log = lw.world, lw.log
    coordinator = as_actor(w.employee)
    today = timezone.localdate()
    goal = add_entry(actor=coordinator, log=log, kind=EntryKind.GOAL, title=SECRET_GOAL)
    measure = add_entry(
        actor=coordinator,
        log=log,
        kind=EntryKind.MEASURE,
        title=SECRET_MEASURE,
        body="Ein vaksen er med Mia i frileiken kvar dag.",
        responsible=lw.participant.user,
        start_date=today - datetime.timedelta(days=40),
        evaluation_date=today - datetime.timedelta(days=2),
        measure_status=MeasureStatus.RUNNING,
    )
    meeting = add_entry(
        actor=coordinator,
        log=log,
        kind=EntryKind.MEETING,
        meeting_kind="start_up",
        starts_at=timezone.now() + datetime.timedelta(days=3),
        place="Solsida, møterom 2",
        agenda="Kva ser vi?",
        invited=[w.employee, w.school_employee, w.guardian],
    )
    bright = add_entry(
        actor=as_actor(w.guardian), log=log, kind=EntryKind.BRIGHT_SPOT, body=SECRET_BRIGHT
    )
    return {"goal": goal, "measure": measure, "meeting": meeting, "bright": bright}


@pytest.fixture
def filled(active_log: LogWorld) -> dict[str, Entry]:
    return fill_log(active_log)


@pytest.fixture
def youth_log(world: World) -> RelayLog:
    return make_youth_log(world)


def make_youth_log(world: World) -> RelayLog:
    """Jonas (16, with his own user) has a log at the school; he consented himself."""
    coordinator = as_actor(world.school_employee)
    log = start_log(actor=coordinator, subject=world.youth_subject, unit=world.school, level=1)
    consent = request_consent(
        actor=coordinator,
        log=log,
        purpose="Samarbeid om Jonas.",
        valid_from=timezone.localdate(),
        valid_to=timezone.localdate() + datetime.timedelta(days=180),
        units=[world.school],
        method=Consent.Method.DIGITAL,
    )
    give_consent(actor=as_actor(world.youth), consent=consent)
    log.refresh_from_db()
    return log


def _content_shown(html: str) -> bool:
    return SECRET_GOAL in html or SECRET_MEASURE in html or SECRET_BRIGHT in html


# --- Who sees what --------------------------------------------------------------------


def test_the_coordinator_sees_the_header_and_the_whole_timeline(
    active_log: LogWorld, filled: dict[str, Entry], login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    response = login_as(w.employee).get(detail_url(log))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mia Mor" in html
    assert SECRET_GOAL in html and SECRET_MEASURE in html and SECRET_BRIGHT in html
    assert "Kontaktlærar ved skulestart" in html  # the participant's task
    with translation.override("en"):
        assert log.step_help in html
    assert "Solsida barnehage" in html  # the coordinator's unit
    # The overdue measure is flagged in the header, from its date.
    assert "1 overdue" in html
    # The meeting in three days is the next meeting.
    local = timezone.localtime(filled["meeting"].latest.starts_at)  # type: ignore[union-attr]
    assert local.strftime("%d.%m.%Y %H:%M") in html
    # Each entry shows author, role and unit.
    assert "Gro Mor, guardian" in html
    assert "Eva Tilsett, coordinator, Solsida barnehage" in html
    assert reverse("logs:entry_add", kwargs={"log": log.uuid, "kind": "goal"}) in html


def test_a_participant_reads_the_log_and_the_read_is_recorded_with_the_unit(
    active_log: LogWorld, filled: dict[str, Entry], login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    response = login_as(w.school_employee).get(detail_url(log))
    assert response.status_code == 200
    assert _content_shown(response.content.decode())
    row = AccessLogEntry.objects.get(actor=w.school_employee, action="log.view")
    assert row.subject_uuid == log.subject.uuid
    assert row.role == "participant"
    assert row.unit_name == "Testvik skule"
    assert row.object_uuid == log.uuid


def test_the_guardian_reads_everything_and_may_add_a_bright_spot_but_not_a_goal(
    active_log: LogWorld, filled: dict[str, Entry], login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    client = login_as(w.guardian)
    html = client.get(detail_url(log)).content.decode()
    assert SECRET_GOAL in html and SECRET_MEASURE in html
    assert reads_of(log, w.guardian) == 1
    bright = reverse("logs:entry_add", kwargs={"log": log.uuid, "kind": "bright_spot"})
    goal = reverse("logs:entry_add", kwargs={"log": log.uuid, "kind": "goal"})
    assert bright in html and goal not in html
    response = client.post(bright, {"body": "Mia sykla til barnehagen!"})
    assert response.status_code == 302
    assert Entry.objects.filter(log=log, kind=EntryKind.BRIGHT_SPOT).count() == 2
    assert client.get(goal).status_code == 403
    response = client.post(goal, {"title": "Eit mål frå mor"})
    assert response.status_code == 403
    assert "bright spots" in response.content.decode()
    assert not Entry.objects.filter(log=log, kind=EntryKind.GOAL, latest__title="Eit mål frå mor")


def test_the_youth_reads_their_own_log_and_writes_in_their_own_voice(
    youth_log: RelayLog, world: World, login_as: Any
) -> None:
    client = login_as(world.youth)
    response = client.get(detail_url(youth_log))
    assert response.status_code == 200
    assert reads_of(youth_log, world.youth) == 1
    url = reverse("logs:entry_add", kwargs={"log": youth_log.uuid, "kind": "child_voice"})
    form = client.get(url).content.decode()
    assert "What do you want to say?" in form
    assert client.post(url, {"body": "Eg vil ha fleire friminutt."}).status_code == 302
    html = client.get(detail_url(youth_log)).content.decode()
    assert "Eg vil ha fleire friminutt." in html
    assert "Written by the youth" in html
    row = AccessLogEntry.objects.filter(actor=world.youth, action="log.view").first()
    assert row is not None and row.role == "youth"


def test_an_adult_records_what_the_child_said_marked_as_such(
    active_log: LogWorld, login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    client = login_as(w.employee)
    url = reverse("logs:entry_add", kwargs={"log": log.uuid, "kind": "child_voice"})
    assert "What did the child say?" in client.get(url).content.decode()
    assert client.post(url, {"body": "Eg liker å byggje med klossar."}).status_code == 302
    html = client.get(detail_url(log)).content.decode()
    assert "What the child said, written down by an adult" in html


def test_a_participant_whose_unit_the_consent_no_longer_covers_gets_403_with_a_reason(
    active_log: LogWorld, filled: dict[str, Entry], login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    narrow_scope(actor=as_actor(w.employee), log=log, unit=w.school)
    client = login_as(w.school_employee)
    for url in (detail_url(log), versions_url(log, filled["goal"]), print_url(log)):
        response = client.get(url)
        assert response.status_code == 403, url
        html = response.content.decode()
        assert "the consent no longer covers your unit" in html
        assert not _content_shown(html)
    assert reads_of(log, w.school_employee) == 0
    # The refusals are in the access log (they are not rolled back with the page).
    assert AccessLogEntry.objects.filter(actor=w.school_employee, outcome="refused").count() == 3


def test_the_unit_leader_sees_the_header_only(
    active_log: LogWorld, filled: dict[str, Entry], login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    client = login_as(w.leader)
    response = client.get(detail_url(log))
    assert response.status_code == 200
    html = response.content.decode()
    assert "You see where the log stands, but not what is written in it." in html
    assert "Mia Mor" in html and "1 overdue" in html
    assert not _content_shown(html)
    assert "Kva ser vi?" not in html  # the meeting's agenda
    assert reads_of(log, w.leader) == 0
    for url in (versions_url(log, filled["goal"]), print_url(log)):
        assert client.get(url).status_code == 403


def test_the_summary_shows_only_level_step_coordinator_and_dates_never_the_tasks(
    active_log: LogWorld, filled: dict[str, Entry], login_as: Any
) -> None:
    """Issue 10 item 6: the page tells the unit's leader and the person offered the baton
    that they see the level, the step, the coordinator and the dates. The tasks of the
    people who take part (what each service does for the child) are the log's content."""
    w, log = active_log.world, active_log.log
    coordinator = as_actor(w.employee)
    nurse = f.make_user(w.municipality, username="nurse", first_name="Hanne", last_name="Helse")
    f.add_membership(nurse, w.school)
    add_participant(
        actor=coordinator,
        log=log,
        user=nurse,
        unit=w.school,
        task="Helsesjukepleiar – høyrsel og språk",
    )
    offeree = f.make_user(w.municipality, username="next", first_name="Nina", last_name="Neste")
    f.add_membership(offeree, w.school)
    propose_handover(
        actor=coordinator, log=log, to_user=offeree, to_unit=w.school, message="Ta over?"
    )
    log.refresh_from_db()
    for user in (w.leader, offeree):
        response = login_as(user).get(detail_url(log))
        assert response.status_code == 200
        html = response.content.decode()
        # What the page promises ...
        assert "Level 2 – two services together" in html
        assert "Start and assessment" in html
        assert "Eva Tilsett" in html  # the coordinator
        assert active_log.consent.valid_to.strftime("%d.%m.%Y") in html
        # ... and nothing of who does what for the child.
        assert "Helsesjukepleiar – høyrsel og språk" not in html, user
        assert "Kontaktlærar ved skulestart" not in html, user
        assert "Hanne Helse" not in html and "Who takes part" not in html, user
        assert not _content_shown(html)


def test_the_coordinator_without_valid_consent_sees_how_to_renew_it(
    active_log: LogWorld, filled: dict[str, Entry], login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    Consent.objects.filter(pk=active_log.consent.pk).update(
        valid_from=timezone.localdate() - datetime.timedelta(days=400),
        valid_to=timezone.localdate() - datetime.timedelta(days=1),
    )
    response = login_as(w.employee).get(detail_url(log))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The consent has expired – renew it to see and write in the log." in html
    assert "Expired" in html
    assert not _content_shown(html)
    add = reverse("logs:entry_add", kwargs={"log": log.uuid, "kind": "note"})
    assert login_as(w.employee).get(add).status_code == 403


def test_the_proposed_new_coordinator_sees_the_header_and_can_answer(
    active_log: LogWorld, filled: dict[str, Entry], login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    newcomer = f.make_user(w.municipality, first_name="Nora", last_name="Ny")
    f.add_membership(newcomer, w.school)
    handover = propose_handover(
        actor=as_actor(w.employee),
        log=log,
        to_user=newcomer,
        to_unit=w.school,
        message="Mia byrjar på skulen.",
    )
    client = login_as(newcomer)
    response = client.get(detail_url(log))
    assert response.status_code == 200
    html = response.content.decode()
    assert "You have been asked to take over as coordinator." in html
    assert (
        reverse("logs:handover_answer", kwargs={"log": log.uuid, "handover": handover.uuid}) in html
    )
    assert not _content_shown(html)
    assert reads_of(log, newcomer) == 0


def test_after_withdrawal_the_coordinator_is_told_so_and_the_guardian_still_reads(
    active_log: LogWorld, filled: dict[str, Entry], login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    withdraw_consent(actor=as_actor(w.guardian), log=log)
    html = login_as(w.employee).get(detail_url(log)).content.decode()
    assert "The family has withdrawn their consent." in html
    assert not _content_shown(html)
    assert login_as(w.school_employee).get(detail_url(log)).status_code == 403
    html = login_as(w.guardian).get(detail_url(log)).content.decode()
    assert _content_shown(html) and "Withdrawn" in html


@pytest.mark.parametrize("persona", ["other_staff", "admin", "guardian_without_responsibility"])
def test_outsiders_get_404_on_every_content_page(
    active_log: LogWorld, filled: dict[str, Entry], login_as: Any, persona: str
) -> None:
    w, log = active_log.world, active_log.log
    client = login_as(getattr(w, persona))
    goal = filled["goal"]
    urls = [
        detail_url(log),
        versions_url(log, goal),
        print_url(log),
        reverse("logs:entry_edit", kwargs={"log": log.uuid, "entry": goal.uuid}),
        reverse("logs:entry_add", kwargs={"log": log.uuid, "kind": "bright_spot"}),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(urls[-1], {"body": "x"}).status_code == 404
    assert not _content_shown(client.get(urls[0]).content.decode())


def test_anonymous_visitors_are_sent_to_log_in(active_log: LogWorld, client: Client) -> None:
    response = english(client).get(detail_url(active_log.log))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_an_entry_of_another_log_is_not_found_through_this_log(
    active_log: LogWorld, youth_log: RelayLog, login_as: Any
) -> None:
    w = active_log.world
    other = add_entry(
        actor=as_actor(w.school_employee), log=youth_log, kind=EntryKind.NOTE, body="Jonas"
    )
    client = login_as(w.school_employee)
    url = reverse("logs:entry_versions", kwargs={"log": active_log.log.uuid, "entry": other.uuid})
    assert client.get(url).status_code == 404


# --- The timeline -----------------------------------------------------------------------


def test_the_timeline_is_newest_first_and_filters_by_kind(
    active_log: LogWorld, filled: dict[str, Entry], login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    client = login_as(w.employee)
    html = client.get(detail_url(log)).content.decode()
    assert html.index(SECRET_BRIGHT) < html.index(SECRET_GOAL)
    html = client.get(detail_url(log), {"kind": "measure"}).content.decode()
    timeline = html[html.index('id="timeline"') :]
    assert SECRET_MEASURE in timeline and SECRET_BRIGHT not in timeline
    assert 'aria-current="page">Measure<' in timeline
    # An unknown kind shows everything.
    html = client.get(detail_url(log), {"kind": "nonsense"}).content.decode()
    assert SECRET_BRIGHT in html[html.index('id="timeline"') :]


def test_htmx_swaps_only_the_timeline_and_the_read_is_still_recorded(
    active_log: LogWorld, filled: dict[str, Entry], login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    response = login_as(w.guardian).get(
        detail_url(log),
        {"kind": "bright_spot"},
        headers={"HX-Request": "true", "HX-Target": "timeline"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="timeline"')
    assert "<html" not in html and SECRET_BRIGHT in html and SECRET_GOAL not in html
    assert reads_of(log, w.guardian) == 1


def test_an_edited_entry_links_to_its_versions_and_the_old_version_stays_visible(
    active_log: LogWorld, filled: dict[str, Entry], login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    goal = filled["goal"]
    edit_entry(
        actor=as_actor(w.employee), entry=goal, base_version=1, title="Mia leikar med fleire"
    )
    client = login_as(w.guardian)
    html = client.get(detail_url(log)).content.decode()
    assert "Mia leikar med fleire" in html
    assert versions_url(log, goal) in html
    html = client.get(versions_url(log, goal)).content.decode()
    assert "Mia leikar med fleire" in html and SECRET_GOAL in html
    assert html.index("Mia leikar med fleire") < html.index(SECRET_GOAL)
    assert reads_of(log, w.guardian, reason="versions") == 1


def test_the_printable_view_has_the_whole_log_oldest_first_and_is_a_recorded_read(
    active_log: LogWorld, filled: dict[str, Entry], login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    response = login_as(w.school_employee).get(print_url(log))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(SECRET_GOAL) < html.index(SECRET_BRIGHT)
    assert "Kva ser vi?" in html
    assert reads_of(log, w.school_employee, reason="print") == 1


def test_every_content_page_writes_one_access_log_row(
    active_log: LogWorld, filled: dict[str, Entry], login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    goal = filled["goal"]
    client = login_as(w.employee)
    urls = [
        detail_url(log),
        versions_url(log, goal),
        print_url(log),
        reverse("logs:entry_edit", kwargs={"log": log.uuid, "entry": goal.uuid}),
        reverse("logs:entry_add", kwargs={"log": log.uuid, "kind": "evaluation"}),
    ]
    for number, url in enumerate(urls, start=1):
        assert client.get(url).status_code == 200, url
        assert reads_of(log, w.employee) == number, url


def test_dates_are_shown_as_day_month_year_in_oslo_time(
    active_log: LogWorld, login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    starts = datetime.datetime(2031, 1, 15, 7, 30, tzinfo=datetime.UTC)  # 08:30 in Oslo
    add_entry(
        actor=as_actor(w.employee),
        log=log,
        kind=EntryKind.MEETING,
        meeting_kind="planning",
        starts_at=starts,
        video_link="https://meet.example.test/abc",
    )
    html = login_as(w.employee).get(detail_url(log)).content.decode()
    assert "15.01.2031 08:30" in html


def test_content_views_fetch_logs_only_through_the_policy() -> None:
    source = (Path(__file__).parents[2] / "src/stafett/logs/views_content.py").read_text()
    forbidden = [r"RelayLog\.objects", r"get_object_or_404", r"Entry\.objects"]
    for pattern in forbidden:
        assert not re.search(pattern, source), pattern
