"""Sending: retries with back-off, bounced and invalid addresses, lost access, and a
worker killed in the middle of a batch. The e-mail backend here fails on demand."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from stafett.consent.services import narrow_scope
from stafett.logs.models import EntryKind
from stafett.logs.services import add_entry, remove_participant
from stafett.notifications.models import Delivery, Kind, Notification
from stafett.notifications.services import MAX_ATTEMPTS, deliver, send_due
from tests.logs.conftest import LogWorld
from tests.notifications.conftest import DOWN, REFUSED, as_actor, fail_next

FLAKY = "tests.notifications.conftest.FlakyBackend"


@pytest.fixture(autouse=True)
def _flaky_backend(settings: Any) -> Any:
    settings.EMAIL_BACKEND = FLAKY
    fail_next()
    yield
    fail_next()


def _bright_spot(lw: LogWorld, capture: Any) -> None:
    with capture(execute=True):
        add_entry(
            actor=as_actor(lw.world.guardian),
            log=lw.log,
            kind=EntryKind.BRIGHT_SPOT,
            body="SECRET",
        )


def _delivery_of(user: Any) -> Delivery:
    return Delivery.objects.get(recipient=user)


def test_a_failed_send_is_tried_again_with_growing_pauses_until_it_gets_through(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    eva = active_log.world.employee
    fail_next(DOWN, DOWN)  # Eva's and Siri's first tries
    _bright_spot(active_log, django_capture_on_commit_callbacks)
    delivery = _delivery_of(eva)
    assert delivery.status == Delivery.Status.RETRYING
    assert delivery.attempts == 1
    assert delivery.last_error == "SMTPServerDisconnected"
    first_pause = delivery.next_attempt_at - timezone.now()
    assert datetime.timedelta(seconds=50) < first_pause <= datetime.timedelta(minutes=1)
    assert mailoutbox == []

    # Not due yet: nothing is tried.
    assert send_due(timezone.now()) == 0
    # Due: tried again, fails again, and waits four times as long.
    fail_next(DOWN)
    due = delivery.next_attempt_at
    assert deliver(delivery.id, now=due) == Delivery.Status.RETRYING
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at == due + datetime.timedelta(minutes=4)

    later = delivery.next_attempt_at + datetime.timedelta(seconds=1)
    assert send_due(later) == 2  # Eva's third try and Siri's second
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [eva.email, active_log.world.school_employee.email]
    )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 3)
    assert send_due(later + datetime.timedelta(days=1)) == 0


def test_a_send_that_keeps_failing_gives_up_and_shows_on_the_administrators_page(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, login_as: Any
) -> None:
    world = active_log.world
    fail_next(*[DOWN] * (2 * MAX_ATTEMPTS))
    _bright_spot(active_log, django_capture_on_commit_callbacks)
    now = timezone.now()
    for _ in range(MAX_ATTEMPTS):
        now += datetime.timedelta(days=1)
        send_due(now)
    delivery = _delivery_of(world.employee)
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, MAX_ATTEMPTS)

    page = login_as(world.admin).get("/notifications/failed-emails/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Eva Tilsett" in text
    assert "SMTPServerDisconnected" in text
    assert "Mia" not in text and "SECRET" not in text
    # Another municipality's administrator sees none of it.
    other = login_as(world.other_staff).get("/notifications/failed-emails/")
    assert "Eva Tilsett" not in other.content.decode()


def test_a_bounced_address_fails_at_once_and_the_event_stays_in_the_centre(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, mailoutbox: Any, login_as: Any
) -> None:
    eva = active_log.world.employee
    fail_next(REFUSED)
    _bright_spot(active_log, django_capture_on_commit_callbacks)
    delivery = _delivery_of(eva)
    assert (delivery.status, delivery.last_error) == (
        Delivery.Status.FAILED,
        "SMTPRecipientsRefused",
    )
    # Siri's e-mail went out all the same.
    assert [m.to for m in mailoutbox] == [[active_log.world.school_employee.email]]
    page = login_as(eva).get("/notifications/")
    assert "A bright spot was added to a relay log." in page.content.decode()


def test_an_invalid_address_is_not_tried_and_is_listed_as_failed(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    eva = active_log.world.employee
    eva.email = "not an address"
    eva.save(update_fields=["email"])
    _bright_spot(active_log, django_capture_on_commit_callbacks)
    delivery = _delivery_of(eva)
    assert (delivery.status, delivery.last_error) == (Delivery.Status.FAILED, "invalid address")
    assert len(mailoutbox) == 1
    assert Notification.objects.filter(recipient=eva, kind=Kind.BRIGHT_SPOT).exists()


def test_a_person_who_lost_access_before_the_send_is_not_told(
    active_log: LogWorld, mailoutbox: Any
) -> None:
    world = active_log.world
    # Recorded, but the worker has not sent it yet (on_commit not run).
    add_entry(
        actor=as_actor(world.guardian), log=active_log.log, kind=EntryKind.BRIGHT_SPOT, body="x"
    )
    # The family takes the school out of the consent: Siri's access ends.
    narrow_scope(actor=as_actor(world.guardian), log=active_log.log, unit=world.school)
    assert send_due() == 2
    assert [m.to for m in mailoutbox] == [[world.employee.email]]
    skipped = _delivery_of(world.school_employee)
    assert (skipped.status, skipped.last_error) == (Delivery.Status.SKIPPED, "no access")


def test_a_removed_participant_is_not_told_of_what_happens_after(
    active_log: LogWorld, mailoutbox: Any
) -> None:
    world = active_log.world
    add_entry(
        actor=as_actor(world.guardian), log=active_log.log, kind=EntryKind.BRIGHT_SPOT, body="x"
    )
    remove_participant(
        actor=as_actor(world.employee), participant=active_log.participant, message=""
    )
    mailoutbox.clear()
    send_due()
    assert world.school_employee.email not in [m.to[0] for m in mailoutbox]


class Killed(BaseException):
    """The worker process dies (SIGKILL) while the SMTP server is being talked to."""


def test_a_worker_killed_in_the_middle_of_a_batch_sends_nothing_twice_and_skips_nothing(
    active_log: LogWorld, mailoutbox: Any
) -> None:
    world = active_log.world
    for text in ("one", "two", "three"):
        add_entry(
            actor=as_actor(world.guardian),
            log=active_log.log,
            kind=EntryKind.BRIGHT_SPOT,
            body=text,
        )
    assert Delivery.objects.filter(status=Delivery.Status.PENDING).count() == 6
    # The batch: two e-mails go out, the worker dies during the third.
    from tests.notifications.conftest import Failures, FlakyBackend

    sent_before = FlakyBackend.send_messages

    calls = {"n": 0}

    def dying(self: Any, messages: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise Killed
        return sent_before(self, messages)

    FlakyBackend.send_messages = dying  # type: ignore[method-assign]
    try:
        with pytest.raises(Killed):
            send_due()
    finally:
        FlakyBackend.send_messages = sent_before  # type: ignore[method-assign]
    assert len(mailoutbox) == 2
    statuses = sorted(Delivery.objects.values_list("status", flat=True))
    assert statuses.count(Delivery.Status.SENT) == 2
    assert statuses.count(Delivery.Status.SENDING) == 1  # cut off mid-send
    assert statuses.count(Delivery.Status.PENDING) == 3
    assert Failures.queue == []

    # The worker restarts at once: the rest goes out; the cut-off one waits for its lease.
    send_due()
    assert len(mailoutbox) == 5
    # Later the cut-off one is sent again (same Message-ID, so a copy can be dropped).
    cut = Delivery.objects.get(status=Delivery.Status.SENDING)
    send_due(timezone.now() + datetime.timedelta(minutes=11))
    assert len(mailoutbox) == 6
    assert mailoutbox[-1].extra_headers["Message-ID"] == f"<delivery-{cut.uuid}@stafett>"
    # Each of the six deliveries went out exactly once, and running again sends nothing.
    assert sorted(m.extra_headers["Message-ID"] for m in mailoutbox) == sorted(
        f"<delivery-{u}@stafett>" for u in Delivery.objects.values_list("uuid", flat=True)
    )
    send_due(timezone.now() + datetime.timedelta(days=1))
    assert len(mailoutbox) == 6


def test_a_person_without_an_address_is_not_sent_anything_but_sees_it_in_the_centre(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    eva = active_log.world.employee
    eva.email = ""
    eva.save(update_fields=["email"])
    _bright_spot(active_log, django_capture_on_commit_callbacks)
    delivery = _delivery_of(eva)
    assert (delivery.status, delivery.last_error) == (Delivery.Status.SKIPPED, "no address")
    assert Notification.objects.filter(recipient=eva, read_at__isnull=True).count() == 1


@pytest.mark.municipality_language
def test_emails_are_written_in_the_persons_language(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    from stafett.notifications.models import EmailSettings

    world = active_log.world
    EmailSettings.objects.create(user=world.school_employee, language="en")
    _bright_spot(active_log, django_capture_on_commit_callbacks)
    body = {m.to[0]: m.body for m in mailoutbox}
    # Testvik writes nynorsk; Siri chose English.
    assert body[world.employee.email].startswith("Hei, Eva!")
    assert body[world.school_employee.email].startswith("Hello Siri,")


def test_an_error_of_stafetts_own_while_writing_an_email_is_tried_again_not_for_ever(
    active_log: LogWorld, monkeypatch: Any
) -> None:
    from stafett.notifications import services

    def broken(delivery: Delivery) -> Any:
        raise ValueError("a template is broken")

    monkeypatch.setattr(services, "build_message", broken)
    add_entry(
        actor=as_actor(active_log.world.guardian),
        log=active_log.log,
        kind=EntryKind.BRIGHT_SPOT,
        body="x",
    )
    now = timezone.now()
    send_due(now)
    delivery = _delivery_of(active_log.world.employee)
    assert (delivery.status, delivery.last_error) == (Delivery.Status.RETRYING, "ValueError")
    for _ in range(MAX_ATTEMPTS):
        now += datetime.timedelta(days=1)
        send_due(now)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, MAX_ATTEMPTS)
