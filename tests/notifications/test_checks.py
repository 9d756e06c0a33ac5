"""The scheduled checks: expiring and expired consent, overdue evaluations, daily digests.
Each runs twice in these tests: the second run sends nothing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from stafett.consent.models import Consent
from stafett.logs.models import EntryKind
from stafett.logs.services import add_entry
from stafett.notifications.models import Delivery, Kind, Mode, Notification, NotificationPreference
from stafett.notifications.services import (
    check_consents,
    check_evaluations,
    run_checks,
    send_digests,
)
from tests.logs.conftest import LogWorld
from tests.notifications.conftest import as_actor, assert_no_content

OSLO = timezone.get_default_timezone()


@pytest.fixture
def run(django_capture_on_commit_callbacks: Any) -> Any:
    """Run a check as the worker does: its e-mails go out when its transactions commit."""

    def _run(check: Any, *args: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return check(*args)

    return _run


def _ends_in(lw: LogWorld, days: int) -> datetime.date:
    today = timezone.localdate()
    Consent.objects.filter(pk=lw.consent.pk).update(valid_to=today + datetime.timedelta(days=days))
    return today


def test_consent_ending_in_30_and_in_7_days_is_told_once_each_to_coordinator_and_family(
    active_log: LogWorld, mailoutbox: Any, run: Any, django_assert_max_num_queries: Any
) -> None:
    world = active_log.world
    today = _ends_in(active_log, 25)
    assert run(check_consents, today) == 2
    with django_assert_max_num_queries(5):  # a repeat run only reads (consents of the logs too)
        assert run(check_consents, today) == 0  # twice: nothing new
    assert run(check_consents, today + datetime.timedelta(days=5)) == 0  # still the 30-day notice
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [world.employee.email, world.guardian.email]
    )
    assert "ends in 30 days or less" in mailoutbox[0].body
    # The participant is not told: renewing is not theirs to do.
    assert world.school_employee.email not in [m.to[0] for m in mailoutbox]
    assert_no_content(mailoutbox)

    mailoutbox.clear()
    week_before = today + datetime.timedelta(days=18)
    assert run(check_consents, week_before) == 2
    assert run(check_consents, week_before) == 0
    assert len(mailoutbox) == 2
    assert "ends in 7 days or less" in mailoutbox[0].body


def test_expired_consent_tells_the_professionals_their_access_has_ended_once(
    active_log: LogWorld, mailoutbox: Any, run: Any
) -> None:
    world = active_log.world
    today = timezone.localdate()
    Consent.objects.filter(pk=active_log.consent.pk).update(
        valid_from=today - datetime.timedelta(days=100),
        valid_to=today - datetime.timedelta(days=1),
    )
    assert run(check_consents, today) == 2
    assert run(check_consents, today) == 0
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [world.employee.email, world.school_employee.email]
    )
    assert all(m.subject == "Stafett: your access has ended" for m in mailoutbox)
    assert_no_content(mailoutbox)


def _overdue_measure(lw: LogWorld) -> Any:
    world = lw.world
    today = timezone.localdate()
    return add_entry(
        actor=as_actor(world.employee),
        log=lw.log,
        kind=EntryKind.MEASURE,
        title="SECRET",
        responsible=world.school_employee,
        start_date=today - datetime.timedelta(days=40),
        evaluation_date=today - datetime.timedelta(days=1),
    )


def test_an_evaluation_date_passed_without_evaluation_tells_responsible_and_coordinator_once(
    active_log: LogWorld, mailoutbox: Any, run: Any
) -> None:
    world = active_log.world
    _overdue_measure(active_log)
    today = timezone.localdate()
    assert run(check_evaluations, today) == 2
    assert run(check_evaluations, today) == 0
    assert run(check_evaluations, today + datetime.timedelta(days=3)) == 0
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [world.employee.email, world.school_employee.email]
    )
    assert_no_content(mailoutbox)


def test_an_evaluated_measure_is_not_overdue(
    active_log: LogWorld, mailoutbox: Any, run: Any
) -> None:
    world = active_log.world
    measure = _overdue_measure(active_log)
    add_entry(
        actor=as_actor(world.school_employee),
        log=active_log.log,
        kind=EntryKind.EVALUATION,
        measure=measure,
        body="SECRET",
        effect="better",
    )
    assert run(check_evaluations, timezone.localdate()) == 0


def test_digest_mode_sends_one_email_a_day_with_everything_and_never_twice(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    world = active_log.world
    for kind in (Kind.BRIGHT_SPOT, Kind.MEASURE_ASSIGNED):
        NotificationPreference.objects.create(user=world.employee, kind=kind, mode=Mode.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        for text in ("SECRET one", "SECRET two"):
            add_entry(
                actor=as_actor(world.guardian),
                log=active_log.log,
                kind=EntryKind.BRIGHT_SPOT,
                body=text,
            )
    # Siri gets hers at once; Eva chose the digest.
    assert {m.to[0] for m in mailoutbox} == {world.school_employee.email}
    assert Notification.objects.filter(recipient=world.employee, mode=Mode.DIGEST).count() == 2
    mailoutbox.clear()

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    early = datetime.datetime.combine(tomorrow, datetime.time(6, 0), tzinfo=OSLO)
    assert send_digests(early) == []  # before the digest hour
    morning = datetime.datetime.combine(tomorrow, datetime.time(7, 5), tzinfo=OSLO)
    assert len(send_digests(morning)) == 1
    assert send_digests(morning + datetime.timedelta(hours=3)) == []
    assert [m.to for m in mailoutbox] == [[world.employee.email]]
    digest = mailoutbox[0]
    assert digest.subject == "Stafett: your daily summary"
    assert digest.body.count("A bright spot was added to a relay log.") == 2
    assert "one e-mail a day" in digest.body
    assert_no_content(mailoutbox)
    assert Delivery.objects.get(mode=Mode.DIGEST).status == Delivery.Status.SENT


def test_the_scheduler_runs_the_checks_through_the_task_queue(
    active_log: LogWorld, mailoutbox: Any
) -> None:
    _ends_in(active_log, 20)
    call_command("stafett_scheduler", "--once")
    call_command("stafett_scheduler", "--once")
    assert len(mailoutbox) == 2
    assert run_checks()["consents"] == 0


def test_a_repeat_run_of_the_evaluation_check_costs_the_same_for_many_measures(
    active_log: LogWorld, run: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(8):
        _overdue_measure(active_log)
    assert run(check_evaluations, timezone.localdate()) == 16
    with django_assert_max_num_queries(2):
        assert check_evaluations(timezone.localdate()) == 0


def test_the_digest_on_the_morning_the_clocks_go_back_goes_out_once_after_seven_oslo_time(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    world = active_log.world
    NotificationPreference.objects.create(
        user=world.employee, kind=Kind.BRIGHT_SPOT, mode=Mode.DIGEST
    )
    with django_capture_on_commit_callbacks(execute=True):
        add_entry(
            actor=as_actor(world.guardian), log=active_log.log, kind=EntryKind.BRIGHT_SPOT, body="x"
        )
    mailoutbox.clear()
    utc = datetime.UTC
    # 31 October 2027: at 03:00 summer time the clocks go back to 02:00 (01:00 UTC).
    assert send_digests(datetime.datetime(2027, 10, 31, 5, 30, tzinfo=utc)) == []  # 06:30
    assert len(send_digests(datetime.datetime(2027, 10, 31, 6, 0, tzinfo=utc))) == 1  # 07:00
    assert send_digests(datetime.datetime(2027, 10, 31, 22, 59, tzinfo=utc)) == []  # 23:59
    assert len(mailoutbox) == 1
