"""Writing in the log through the forms: each kind of content, bad input, double
submits, editing with versions, and two people editing the same measure."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stafett.logs.models import Entry, EntryKind, EntryVersion, MeasureStatus, RelayLog
from stafett.logs.services import add_entry, add_participant, close_log
from tests import factories as f
from tests.conftest import World
from tests.logs.conftest import LogWorld, as_actor
from tests.logs.test_content_pages import detail_url, english, login_as, make_youth_log


def add_url(log: RelayLog, kind: str) -> str:
    return reverse("logs:entry_add", kwargs={"log": log.uuid, "kind": kind})


def edit_url(log: RelayLog, entry: Entry) -> str:
    return reverse("logs:entry_edit", kwargs={"log": log.uuid, "entry": entry.uuid})


def iso(day: datetime.date) -> str:
    return day.isoformat()


TODAY = datetime.date(2030, 3, 1)


def measure_data(lw: LogWorld, **overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Leikegruppe to dagar i veka",
        "body": "Siri set opp ei lita gruppe.",
        "responsible": str(lw.participant.user.uuid),
        "start_date": iso(TODAY),
        "evaluation_date": iso(TODAY + datetime.timedelta(days=42)),
        "measure_status": MeasureStatus.PLANNED,
    }
    data.update(overrides)
    return data


def field_error(html: str, field: str, message: str) -> bool:
    """The message sits in the field's own error element, which the field points at."""
    marker = f'id="id_{field}_error"'
    if marker not in html:
        return False
    start = html.index(marker)
    return message in html[start : start + 400] and f'aria-describedby="id_{field}_error' in html


__all__ = ["login_as"]  # English pages, as in test_content_pages


@pytest.fixture
def client_for(login_as: Any) -> Any:
    return login_as


@pytest.fixture
def youth_log(world: World) -> RelayLog:
    return make_youth_log(world)


# --- Each kind --------------------------------------------------------------------------


def test_the_coordinator_writes_every_kind_of_content(
    active_log: LogWorld, client_for: Any
) -> None:
    w, log = active_log.world, active_log.log
    client: Client = client_for(w.employee)
    posts: list[tuple[str, dict[str, Any]]] = [
        ("understanding", {"body": "Mia er mykje åleine i leiken."}),
        ("goal", {"title": "Mia har ein venn å leike med", "body": ""}),
        ("measure", measure_data(active_log)),
        (
            "meeting",
            {
                "meeting_kind": "start_up",
                "date": iso(TODAY),
                "time": "14:00",
                "place": "Solsida",
                "invited": [str(w.guardian.uuid), str(w.school_employee.uuid)],
                "agenda": "1. Kva ser vi?",
            },
        ),
        ("note", {"body": "Ringde mor."}),
        ("bright_spot", {"body": "Mia lo mykje i dag."}),
        ("child_voice", {"body": "Eg vil leike med Ola."}),
    ]
    for kind, data in posts:
        response = client.get(add_url(log, kind))
        assert response.status_code == 200, kind
        response = client.post(add_url(log, kind), data)
        assert response.status_code == 302, (kind, response.content.decode()[:3000])
        entry = Entry.objects.filter(log=log, kind=kind).latest("created_at")
        assert response["Location"] == f"{detail_url(log)}#entry-{entry.uuid}"
    measure = Entry.objects.get(log=log, kind=EntryKind.MEASURE)
    assert measure.latest is not None and measure.latest.responsible == active_log.participant.user
    meeting = Entry.objects.get(log=log, kind=EntryKind.MEETING).latest
    assert meeting is not None and meeting.starts_at is not None
    assert timezone.localtime(meeting.starts_at).strftime("%H:%M") == "14:00"
    assert set(meeting.invited.all()) == {w.guardian, w.school_employee}
    voice = Entry.objects.get(log=log, kind=EntryKind.CHILD_VOICE).latest
    assert voice is not None and voice.voice_mode == "recorded"
    # Evaluating the measure marks it evaluated.
    response = client.get(add_url(log, "evaluation"), {"measure": str(measure.uuid)})
    assert f'value="{measure.uuid}" selected' in response.content.decode()
    response = client.post(
        add_url(log, "evaluation"),
        {
            "measure": str(measure.uuid),
            "body": "Mia har leika med to andre.",
            "effect": "better",
            "next_steps": "Held fram.",
        },
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.latest is not None
    assert measure.latest.measure_status == MeasureStatus.EVALUATED


def test_an_unknown_kind_or_a_system_kind_is_not_found(
    active_log: LogWorld, client_for: Any
) -> None:
    client = client_for(active_log.world.employee)
    for kind in ("decision", "event", "nonsense"):
        assert client.get(add_url(active_log.log, kind)).status_code == 404


def test_forms_label_every_field(active_log: LogWorld, client_for: Any) -> None:
    client = client_for(active_log.world.employee)
    html = client.get(add_url(active_log.log, "measure")).content.decode()
    for name in ("title", "body", "responsible", "start_date", "evaluation_date"):
        assert f'for="id_{name}"' in html, name
    html = client.get(add_url(active_log.log, "meeting")).content.decode()
    assert "<legend>Invited</legend>" in html


# --- Bad input: a clear message next to the field, nothing changed -----------------------


def test_a_measure_with_a_responsible_outside_the_log_is_refused(
    active_log: LogWorld,
    youth_log: RelayLog,
    client_for: Any,
) -> None:
    w, log = active_log.world, active_log.log
    outsider = add_participant(
        actor=as_actor(w.school_employee),
        log=youth_log,
        user=f.add_membership(f.make_user(w.municipality), w.school).user,
        unit=w.school,
        task="Helsesjukepleiar",
    )
    before = Entry.objects.count()
    response = client_for(w.employee).post(
        add_url(log, "measure"), measure_data(active_log, responsible=str(outsider.uuid))
    )
    assert response.status_code == 200
    assert field_error(
        response.content.decode(), "responsible", "The responsible person must take part"
    )
    assert Entry.objects.count() == before


def test_a_measure_evaluated_before_it_starts_is_refused(
    active_log: LogWorld, client_for: Any
) -> None:
    before = Entry.objects.count()
    response = client_for(active_log.world.employee).post(
        add_url(active_log.log, "measure"),
        measure_data(active_log, evaluation_date=iso(TODAY - datetime.timedelta(days=1))),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert field_error(html, "evaluation_date", "cannot be before the start date")
    assert "Leikegruppe to dagar i veka" in html  # what was typed is kept
    assert Entry.objects.count() == before


def test_evaluating_a_measure_of_another_log_is_refused(
    active_log: LogWorld,
    youth_log: RelayLog,
    client_for: Any,
) -> None:
    w, log = active_log.world, active_log.log
    # The youth log's coordinator has no participant row to be responsible, so add one.
    helper = add_participant(
        actor=as_actor(w.school_employee),
        log=youth_log,
        user=f.add_membership(f.make_user(w.municipality), w.school).user,
        unit=w.school,
        task="Miljøarbeidar",
    )
    foreign = add_entry(
        actor=as_actor(w.school_employee),
        log=youth_log,
        kind=EntryKind.MEASURE,
        title="Jonas sitt tiltak",
        responsible=helper.user,
        start_date=TODAY,
        evaluation_date=TODAY + datetime.timedelta(days=10),
    )
    before = EntryVersion.objects.count()
    response = client_for(w.employee).post(
        add_url(log, "evaluation"),
        {"measure": str(foreign.uuid), "body": "Gjekk bra", "effect": "better"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert field_error(html, "measure", "Choose a measure in this log to evaluate.")
    assert "Jonas sitt tiltak" not in html  # the other log's measure is never offered
    assert EntryVersion.objects.count() == before
    foreign.refresh_from_db()
    assert foreign.latest is not None and foreign.latest.measure_status == MeasureStatus.PLANNED


def test_a_meeting_needs_a_place_or_a_video_link_and_only_people_in_the_log(
    active_log: LogWorld, client_for: Any
) -> None:
    w, log = active_log.world, active_log.log
    client = client_for(w.employee)
    data = {"meeting_kind": "planning", "date": iso(TODAY), "time": "09:00"}
    response = client.post(add_url(log, "meeting"), data)
    assert field_error(response.content.decode(), "place", "Give a place or a video link.")
    data |= {"place": "Skulen", "invited": [str(w.leader.uuid)]}
    response = client.post(add_url(log, "meeting"), data)
    assert "Only people in this log can be invited" in response.content.decode()
    assert not Entry.objects.filter(log=log, kind=EntryKind.MEETING).exists()


def test_a_double_submit_adds_the_entry_once(active_log: LogWorld, client_for: Any) -> None:
    client = client_for(active_log.world.employee)
    url = add_url(active_log.log, "note")
    first = client.post(url, {"body": "Ringde mor om møtet."})
    second = client.post(url, {"body": "Ringde mor om møtet."})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Entry.objects.filter(log=active_log.log, kind=EntryKind.NOTE).count() == 1


def test_changes_are_post_only_and_need_the_csrf_token(active_log: LogWorld) -> None:
    client = english(Client(enforce_csrf_checks=True))
    f.login(client, active_log.world.employee)
    response = client.post(add_url(active_log.log, "note"), {"body": "Utan token"})
    assert response.status_code == 403
    assert not Entry.objects.filter(log=active_log.log, kind=EntryKind.NOTE).exists()


# --- Editing --------------------------------------------------------------------------


def _measure(lw: LogWorld) -> Entry:
    return add_entry(
        actor=as_actor(lw.world.employee),
        log=lw.log,
        kind=EntryKind.MEASURE,
        title="Fast vaksen i frileiken",
        responsible=lw.participant.user,
        start_date=TODAY,
        evaluation_date=TODAY + datetime.timedelta(days=30),
    )


def test_editing_makes_a_new_version_and_keeps_the_old_one_visible(
    active_log: LogWorld, client_for: Any
) -> None:
    w, log = active_log.world, active_log.log
    measure = _measure(active_log)
    client = client_for(w.employee)
    form = client.get(edit_url(log, measure)).content.decode()
    assert 'name="base_version" value="1"' in form
    assert "Fast vaksen i frileiken" in form
    response = client.post(
        edit_url(log, measure),
        measure_data(active_log, title="Fast vaksen i all leik", base_version="1"),
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.version_count == 2
    versions = client.get(
        reverse("logs:entry_versions", kwargs={"log": log.uuid, "entry": measure.uuid})
    ).content.decode()
    assert "Fast vaksen i all leik" in versions and "Fast vaksen i frileiken" in versions


def test_two_people_editing_the_same_measure_the_second_gets_a_conflict(
    active_log: LogWorld, login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    measure = _measure(active_log)
    coordinator, responsible = english(Client()), english(Client())
    f.login(coordinator, w.employee)
    f.login(responsible, w.school_employee)
    # Both open the form at version 1.
    for client in (coordinator, responsible):
        assert (
            'name="base_version" value="1"' in client.get(edit_url(log, measure)).content.decode()
        )
    first = coordinator.post(
        edit_url(log, measure),
        measure_data(active_log, title="Fast vaksen – frå coordinator", base_version="1"),
    )
    assert first.status_code == 302
    second = responsible.post(
        edit_url(log, measure),
        measure_data(
            active_log,
            title="Fast vaksen – frå Siri",
            measure_status=MeasureStatus.RUNNING,
            base_version="1",
        ),
    )
    assert second.status_code == 200
    html = second.content.decode()
    assert "Someone else saved a change to this entry while you were editing." in html
    assert "Someone else saved first" in html
    # The current version is shown, and Siri's text is kept in the form.
    assert "Fast vaksen – frå coordinator" in html and "Fast vaksen – frå Siri" in html
    assert 'name="base_version" value="2"' in html
    measure.refresh_from_db()
    assert measure.version_count == 2
    assert measure.latest is not None and measure.latest.title == "Fast vaksen – frå coordinator"


def test_a_double_submitted_edit_is_saved_once_without_a_conflict(
    active_log: LogWorld, client_for: Any
) -> None:
    measure = _measure(active_log)
    client = client_for(active_log.world.employee)
    data = measure_data(active_log, title="Fast vaksen, ny tekst", base_version="1")
    assert client.post(edit_url(active_log.log, measure), data).status_code == 302
    assert client.post(edit_url(active_log.log, measure), data).status_code == 302
    measure.refresh_from_db()
    assert measure.version_count == 2


def test_a_meeting_gets_minutes_and_attendance_by_editing(
    active_log: LogWorld, client_for: Any
) -> None:
    w, log = active_log.world, active_log.log
    held = timezone.localtime().replace(second=0, microsecond=0)
    meeting = add_entry(
        actor=as_actor(w.employee),
        log=log,
        kind=EntryKind.MEETING,
        meeting_kind="start_up",
        starts_at=held,
        place="Solsida",
        invited=[w.employee, w.guardian],
    )
    client = client_for(w.employee)
    form = client.get(edit_url(log, meeting)).content.decode()
    assert 'name="minutes"' in form and 'name="attended"' in form
    response = client.post(
        edit_url(log, meeting),
        {
            "base_version": "1",
            "meeting_kind": "start_up",
            # The meeting was held at the time it was planned: writing its minutes
            # afterwards asks no question about a time that has passed.
            "date": iso(held.date()),
            "time": held.strftime("%H:%M"),
            "place": "Solsida",
            "invited": [str(w.employee.uuid), str(w.guardian.uuid)],
            "attended": [str(w.guardian.uuid)],
            "minutes": "Vi snakka om leiken.",
            "decisions": "Siri blir med frå hausten.",
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    latest = meeting.latest
    assert latest is not None and latest.minutes == "Vi snakka om leiken."
    assert list(latest.attended.all()) == [w.guardian]
    html = client.get(detail_url(log)).content.decode()
    assert "Siri blir med frå hausten." in html


def test_people_may_edit_only_what_they_may_change(active_log: LogWorld, login_as: Any) -> None:
    w, log = active_log.world, active_log.log
    goal = add_entry(actor=as_actor(w.employee), log=log, kind=EntryKind.GOAL, title="Eit mål")
    bright = add_entry(
        actor=as_actor(w.guardian), log=log, kind=EntryKind.BRIGHT_SPOT, body="Fin dag"
    )
    guardian = login_as(w.guardian)
    assert guardian.get(edit_url(log, goal)).status_code == 403
    assert (
        guardian.post(edit_url(log, goal), {"title": "Mitt", "base_version": "1"}).status_code
        == 403
    )
    assert guardian.get(edit_url(log, bright)).status_code == 200
    participant = login_as(w.school_employee)
    response = participant.get(edit_url(log, goal))
    assert response.status_code == 403
    assert "Only the person who wrote this" in response.content.decode()
    goal.refresh_from_db()
    assert goal.version_count == 1


def test_nothing_in_a_closed_log_can_be_written_or_changed(
    active_log: LogWorld, login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    goal = add_entry(actor=as_actor(w.employee), log=log, kind=EntryKind.GOAL, title="Eit mål")
    close_log(actor=as_actor(w.employee), log=log, reason="Måla er nådde", close_reason="goals_met")
    client = login_as(w.employee)
    html = client.get(detail_url(log)).content.decode()
    assert "It can be read, but not changed." in html
    assert add_url(log, "note") not in html and edit_url(log, goal) not in html
    response = client.get(edit_url(log, goal))
    assert response.status_code == 403 and "The log is closed" in response.content.decode()
    assert client.post(add_url(log, "note"), {"body": "x"}).status_code == 403


def test_the_coordinator_can_be_responsible_for_a_measure(
    active_log: LogWorld, client_for: Any
) -> None:
    w, log = active_log.world, active_log.log
    client = client_for(w.employee)
    form = client.get(add_url(log, "measure")).content.decode()
    # The coordinator is offered first, with their unit, then the participants.
    assert form.index("Eva Tilsett (Solsida barnehage)") < form.index("Siri Lærar (Testvik skule)")
    response = client.post(
        add_url(log, "measure"), measure_data(active_log, responsible=str(w.employee.uuid))
    )
    assert response.status_code == 302
    version = Entry.objects.get(log=log, kind=EntryKind.MEASURE).latest
    assert version is not None
    assert version.responsible == w.employee
    assert version.responsible_unit == w.kindergarten
    page = client.get(detail_url(log)).content.decode()
    assert "Eva Tilsett (Solsida barnehage)" in page


def test_someone_outside_the_log_cannot_be_made_responsible(active_log: LogWorld) -> None:
    w, log = active_log.world, active_log.log
    with pytest.raises(ValidationError):
        add_entry(
            actor=as_actor(w.employee),
            log=log,
            kind=EntryKind.MEASURE,
            title="Tiltak",
            responsible=w.leader,
            start_date=TODAY,
            evaluation_date=TODAY,
        )
    assert not Entry.objects.filter(log=log, kind=EntryKind.MEASURE).exists()


def _meeting_data(day: datetime.date, time: str, **extra: Any) -> dict[str, Any]:
    return {"meeting_kind": "planning", "date": iso(day), "time": time, "place": "Solsida", **extra}


def test_a_meeting_in_the_past_is_saved_only_when_the_coordinator_says_it_was_held(
    active_log: LogWorld, client_for: Any, mailoutbox: Any
) -> None:
    """Issue 11, item 13: a meeting in January was saved without a word and e-mailed."""
    w, log = active_log.world, active_log.log
    client = client_for(w.employee)
    url = reverse("logs:entry_add", kwargs={"log": log.uuid, "kind": "meeting"})
    last_month = timezone.localdate() - datetime.timedelta(days=30)
    data = _meeting_data(last_month, "09:00", invited=[str(w.guardian.uuid)])
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "This time has passed." in html
    assert 'name="confirm_past"' in html
    assert not Entry.objects.filter(log=log, kind=EntryKind.MEETING).exists()
    response = client.post(url, {**data, "confirm_past": "on"})
    assert response.status_code == 302
    meeting = Entry.objects.get(log=log, kind=EntryKind.MEETING)
    assert meeting.latest is not None and meeting.latest.starts_at is not None
    assert timezone.localtime(meeting.latest.starts_at).date() == last_month
    assert mailoutbox == []  # nobody is invited to a meeting that was held


def test_a_coming_meeting_asks_nothing(active_log: LogWorld, client_for: Any) -> None:
    client = client_for(active_log.world.employee)
    url = reverse("logs:entry_add", kwargs={"log": active_log.log.uuid, "kind": "meeting"})
    soon = timezone.localdate() + datetime.timedelta(days=7)
    response = client.post(url, _meeting_data(soon, "09:00"))
    assert response.status_code == 302


def test_an_evaluation_date_that_has_passed_is_saved_only_when_confirmed(
    active_log: LogWorld, client_for: Any
) -> None:
    w, log = active_log.world, active_log.log
    client = client_for(w.employee)
    url = reverse("logs:entry_add", kwargs={"log": log.uuid, "kind": "measure"})
    today = timezone.localdate()
    data = {
        "title": "Fast vaksen i frileiken",
        "responsible": str(w.employee.uuid),
        "start_date": iso(today - datetime.timedelta(days=20)),
        "evaluation_date": iso(today - datetime.timedelta(days=2)),
        "measure_status": "planned",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "The evaluation date has passed." in response.content.decode()
    assert not Entry.objects.filter(log=log, kind=EntryKind.MEASURE).exists()
    assert client.post(url, {**data, "confirm_past": "on"}).status_code == 302
    measure = Entry.objects.get(log=log, kind=EntryKind.MEASURE)
    # Editing that measure later (its date kept) asks nothing again.
    edit = reverse("logs:entry_edit", kwargs={"log": log.uuid, "entry": measure.uuid})
    response = client.post(edit, {**data, "base_version": "1", "measure_status": "running"})
    assert response.status_code == 302
