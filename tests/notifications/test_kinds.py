"""Each kind of notification: who is told, that the e-mail says only that something
happened (no child, no unit, no text), and that the centre lists it."""

from __future__ import annotations

import datetime
from typing import Any

import icalendar
from django.utils import timezone

from stafett.consent.services import withdraw_consent
from stafett.logs.models import EntryKind
from stafett.logs.services import add_entry, answer_handover, edit_entry, propose_handover
from stafett.notifications.models import Delivery, Kind, Notification
from stafett.notifications.services import centre_url
from tests.logs.conftest import LogWorld
from tests.notifications.conftest import as_actor, assert_no_content


def _measure(lw: LogWorld, responsible: Any) -> Any:
    return add_entry(
        actor=as_actor(lw.world.employee),
        log=lw.log,
        kind=EntryKind.MEASURE,
        title="SECRET measure for Mia",
        body="SECRET",
        responsible=responsible,
        start_date=timezone.localdate(),
        evaluation_date=timezone.localdate() + datetime.timedelta(days=30),
    )


def test_a_measure_assigned_to_a_participant_emails_them_without_content(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    siri = active_log.world.school_employee
    with django_capture_on_commit_callbacks(execute=True):
        _measure(active_log, siri)
    assert [m.to for m in mailoutbox] == [[siri.email]]
    assert mailoutbox[0].subject == "Stafett: a measure is assigned to you"
    assert "You are now responsible for a measure in a relay log." in mailoutbox[0].body
    assert centre_url() in mailoutbox[0].body
    assert_no_content(mailoutbox)
    assert Notification.objects.get(recipient=siri).kind == Kind.MEASURE_ASSIGNED
    assert Delivery.objects.get(recipient=siri).status == Delivery.Status.SENT


def test_the_coordinator_is_not_told_of_a_measure_they_give_themselves(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _measure(active_log, active_log.world.employee)
    assert mailoutbox == []


def test_a_new_responsible_person_is_told_when_the_measure_changes_hands(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    world = active_log.world
    with django_capture_on_commit_callbacks(execute=True):
        measure = _measure(active_log, world.employee)
        edit_entry(
            actor=as_actor(world.employee),
            entry=measure,
            base_version=1,
            responsible=world.school_employee,
        )
        # A change that keeps the same person tells nobody again.
        edit_entry(
            actor=as_actor(world.employee), entry=measure, base_version=2, body="SECRET more"
        )
    assert [m.to for m in mailoutbox] == [[world.school_employee.email]]


def _ics(message: Any) -> icalendar.Calendar:
    attachments = [a for a in message.attachments if a[0] == "meeting.ics"]
    assert len(attachments) == 1
    assert attachments[0][2].startswith("text/calendar")
    return icalendar.Calendar.from_ical(attachments[0][1])


def _event(cal: icalendar.Calendar) -> Any:
    return next(iter(cal.walk("VEVENT")))


def _meeting(lw: LogWorld, starts_at: datetime.datetime, invited: list[Any]) -> Any:
    return add_entry(
        actor=as_actor(lw.world.employee),
        log=lw.log,
        kind=EntryKind.MEETING,
        meeting_kind="planning",
        starts_at=starts_at,
        place="Solsida barnehage, SECRET room",
        agenda="SECRET agenda about Mia",
        invited=invited,
    )


def test_a_meeting_invitation_change_and_cancellation_keep_one_uid_and_count_up(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    world = active_log.world
    coordinator = as_actor(world.employee)
    starts = timezone.make_aware(datetime.datetime(2030, 5, 6, 9, 0))
    invited = [world.employee, world.school_employee, world.guardian]
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _meeting(active_log, starts, invited)
    # Everyone invited but the coordinator who wrote it.
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [world.school_employee.email, world.guardian.email]
    )
    first = _ics(mailoutbox[0])
    assert first["METHOD"] == "REQUEST"
    uid = str(_event(first)["UID"])
    assert int(_event(first)["SEQUENCE"]) == 0
    assert_no_content(mailoutbox)

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        edit_entry(
            actor=coordinator,
            entry=meeting,
            base_version=1,
            starts_at=starts + datetime.timedelta(hours=2),
            invited=[world.employee, world.school_employee],
        )
    by_person = {m.to[0]: _ics(m) for m in mailoutbox}
    changed = by_person[world.school_employee.email]
    assert changed["METHOD"] == "REQUEST"
    assert str(_event(changed)["UID"]) == uid
    assert int(_event(changed)["SEQUENCE"]) == 1
    # The guardian is no longer invited: the event is cancelled in their calendar.
    removed = by_person[world.guardian.email]
    assert removed["METHOD"] == "CANCEL"
    assert str(_event(removed)["UID"]) == uid
    assert_no_content(mailoutbox)

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        edit_entry(actor=coordinator, entry=meeting, base_version=2, cancelled=True)
    assert [m.to for m in mailoutbox] == [[world.school_employee.email]]
    cancelled = _ics(mailoutbox[0])
    assert cancelled["METHOD"] == "CANCEL"
    assert str(_event(cancelled)["UID"]) == uid
    assert int(_event(cancelled)["SEQUENCE"]) == 2
    assert str(_event(cancelled)["STATUS"]) == "CANCELLED"


def test_minutes_written_after_a_meeting_send_no_new_invitation(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    world = active_log.world
    starts = timezone.now() + datetime.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _meeting(active_log, starts, [world.school_employee])
        edit_entry(actor=as_actor(world.employee), entry=meeting, base_version=1, minutes="SECRET")
    assert len(mailoutbox) == 1


def _utc_start(message: Any) -> datetime.datetime:
    """The meeting's start as a calendar reads it: the wall-clock time in DTSTART, put in
    the time zone the file itself describes (its VTIMEZONE, not this machine's rules)."""
    cal = _ics(message)
    zones = cal.walk("VTIMEZONE")
    assert len(zones) == 1, "the calendar file carries its time zone"
    start = _event(cal)["DTSTART"]
    assert start.params["TZID"] == "Europe/Oslo"
    wall = start.dt.replace(tzinfo=None)
    as_described: datetime.datetime = wall.replace(tzinfo=zones[0].to_tz())
    return as_described.astimezone(datetime.UTC)


def test_meetings_on_the_days_the_clocks_change_are_at_the_right_hour(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    world = active_log.world
    oslo = timezone.get_default_timezone()
    # Last Sunday of March 2030 (31st): summer time from 02:00; 10:00 is 08:00 UTC.
    march = datetime.datetime(2030, 3, 31, 10, 0, tzinfo=oslo)
    # Last Sunday of October 2030 (27th): winter time from 03:00; 10:00 is 09:00 UTC.
    october = datetime.datetime(2030, 10, 27, 10, 0, tzinfo=oslo)
    with django_capture_on_commit_callbacks(execute=True):
        _meeting(active_log, march, [world.school_employee])
    with django_capture_on_commit_callbacks(execute=True):
        _meeting(active_log, october, [world.school_employee])
    # And the Saturday before the October change, still summer time: 10:00 is 08:00 UTC.
    with django_capture_on_commit_callbacks(execute=True):
        _meeting(active_log, october - datetime.timedelta(days=1), [world.school_employee])
    assert _utc_start(mailoutbox[2]) == datetime.datetime(2030, 10, 26, 8, 0, tzinfo=datetime.UTC)
    assert _utc_start(mailoutbox[0]) == datetime.datetime(2030, 3, 31, 8, 0, tzinfo=datetime.UTC)
    assert _utc_start(mailoutbox[1]) == datetime.datetime(2030, 10, 27, 9, 0, tzinfo=datetime.UTC)
    # Written as Oslo wall-clock time, which the VTIMEZONE turns into the right instant.
    assert "DTSTART;TZID=Europe/Oslo:20301027T100000" in str(mailoutbox[1].attachments[0][1])


def test_a_handover_is_told_to_the_person_offered_the_baton_and_its_acceptance_to_the_old(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    world = active_log.world
    with django_capture_on_commit_callbacks(execute=True):
        handover = propose_handover(
            actor=as_actor(world.employee),
            log=active_log.log,
            to_user=world.school_employee,
            to_unit=world.school,
            message="SECRET: Mia starts school",
        )
    assert [m.to for m in mailoutbox] == [[world.school_employee.email]]
    assert mailoutbox[0].subject == "Stafett: you are offered the baton"
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer_handover(actor=as_actor(world.school_employee), handover=handover, accept=True)
    assert [m.to for m in mailoutbox] == [[world.employee.email]]
    assert mailoutbox[0].subject == "Stafett: a handover was accepted"
    assert_no_content(mailoutbox)


def test_a_bright_spot_is_told_to_everyone_on_the_log_but_its_writer(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    world = active_log.world
    with django_capture_on_commit_callbacks(execute=True):
        add_entry(
            actor=as_actor(world.guardian),
            log=active_log.log,
            kind=EntryKind.BRIGHT_SPOT,
            body="SECRET: Mia laughed all day",
        )
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [world.employee.email, world.school_employee.email]
    )
    assert_no_content(mailoutbox)


def test_withdrawn_consent_tells_each_participant_their_access_has_ended(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    world = active_log.world
    with django_capture_on_commit_callbacks(execute=True):
        withdraw_consent(actor=as_actor(world.guardian), log=active_log.log)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [world.employee.email, world.school_employee.email]
    )
    for message in mailoutbox:
        assert message.subject == "Stafett: your access has ended"
        assert "Your access to a relay log has ended" in message.body
    assert_no_content(mailoutbox)
    # Nobody else: the family withdrew it themselves.
    assert not Notification.objects.filter(recipient=world.guardian).exists()


def test_closing_the_log_cancels_its_coming_meetings_in_everyones_calendar(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    """Issue 11, item 12: a closed log left its meetings in everyone's calendars."""
    from stafett.logs.models import EntryVersion
    from stafett.logs.services import close_log

    world = active_log.world
    coming = timezone.now() + datetime.timedelta(days=10)
    invited = [world.employee, world.school_employee, world.guardian]
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _meeting(active_log, coming, invited)
        held = _meeting(active_log, coming, [world.school_employee])
        edit_entry(actor=as_actor(world.employee), entry=held, base_version=1, cancelled=True)
    uid = str(_event(_ics(mailoutbox[0]))["UID"])
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        close_log(
            actor=as_actor(world.employee),
            log=active_log.log,
            reason="Måla er nådde.",
            close_reason="goals_met",
        )
    # The invited (but the coordinator who closed it) get a cancellation with the same UID;
    # the meeting already cancelled is not cancelled twice.
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [world.school_employee.email, world.guardian.email]
    )
    for message in mailoutbox:
        cal = _ics(message)
        assert cal["METHOD"] == "CANCEL"
        assert str(_event(cal)["UID"]) == uid
        assert str(_event(cal)["STATUS"]) == "CANCELLED"
    assert_no_content(mailoutbox)
    meeting.refresh_from_db()
    latest = EntryVersion.objects.get(pk=meeting.latest_id)
    assert latest.cancelled and latest.number == 2
    assert latest.agenda == "SECRET agenda about Mia"  # the rest of the meeting is kept
    assert [v.cancelled for v in meeting.versions.order_by("number")] == [False, True]


def test_recording_a_meeting_that_was_held_invites_nobody(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    world = active_log.world
    held = timezone.now() - datetime.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        _meeting(active_log, held, [world.school_employee, world.guardian])
    assert mailoutbox == []
    assert not Notification.objects.filter(kind=Kind.MEETING).exists()


def test_every_kind_has_its_sentence_and_subject_in_each_language() -> None:
    """A kind added without its e-mail words would fail at send time: caught here."""
    from django.utils import translation

    from stafett.notifications.services import SENTENCES, SUBJECTS

    for kind in Kind.values:
        for language in ("en", "nn", "nb"):
            with translation.override(language):
                assert str(SENTENCES[kind]) and str(SUBJECTS[kind]), kind
