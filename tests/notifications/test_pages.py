"""The notification centre (unread marks, read once opened), the header's count, and
each person's e-mail choices."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stafett.audit.models import AccessLogEntry
from stafett.consent.models import Consent
from stafett.consent.services import give_consent, request_consent
from stafett.logs.models import EntryKind
from stafett.logs.services import add_entry, start_log
from stafett.notifications.models import (
    EmailSettings,
    Kind,
    Mode,
    Notification,
    NotificationPreference,
)
from tests import factories as f
from tests.logs.conftest import LogWorld
from tests.notifications.conftest import as_actor


def _bright_spots(lw: LogWorld, count: int) -> None:
    for number in range(count):
        add_entry(
            actor=as_actor(lw.world.guardian),
            log=lw.log,
            kind=EntryKind.BRIGHT_SPOT,
            body=f"SECRET {number}",
        )


def test_the_centre_marks_new_notifications_and_opening_it_reads_them(
    active_log: LogWorld, login_as: Any
) -> None:
    eva = active_log.world.employee
    _bright_spots(active_log, 2)
    client = login_as(eva)
    home = client.get("/").content.decode()
    assert 'href="/notifications/">Notifications <span class="badge">2' in home
    page = client.get("/notifications/").content.decode()
    assert page.count("A bright spot was added to a relay log.") == 2
    assert page.count(">New<") == 2
    assert "SECRET" not in page
    # Inside Stafett the child is named while Eva may open the log (the e-mails never
    # name anyone), and that read is in the access log, once per child.
    assert page.count("<strong>Mia Mor</strong>") == 2
    rows = AccessLogEntry.objects.filter(actor=eva, action="notifications.list")
    assert [r.object_uuid for r in rows] == [active_log.world.child.uuid]
    assert f"/logs/{active_log.log.uuid}/" in page
    assert not Notification.objects.filter(recipient=eva, read_at__isnull=True).exists()
    again = client.get("/notifications/").content.decode()
    assert ">New<" not in again
    assert 'class="badge">' not in client.get("/").content.decode().split("</nav>")[0]


def test_the_header_count_costs_the_same_whatever_the_number_of_notifications(
    active_log: LogWorld, login_as: Any
) -> None:
    eva = active_log.world.employee
    client = login_as(eva)
    _bright_spots(active_log, 1)
    with CaptureQueriesContext(connection) as few:
        client.get("/notifications/settings/")
    _bright_spots(active_log, 10)
    with CaptureQueriesContext(connection) as many:
        client.get("/notifications/settings/")
    assert len(few) == len(many)
    with CaptureQueriesContext(connection) as centre_few:
        client.get("/notifications/")
    _bright_spots(active_log, 10)
    with CaptureQueriesContext(connection) as centre_many:
        client.get("/notifications/")
    assert len(centre_few) == len(centre_many)


def test_access_ended_has_no_link_into_the_log(active_log: LogWorld, login_as: Any) -> None:
    from stafett.consent.services import withdraw_consent

    world = active_log.world
    withdraw_consent(actor=as_actor(world.guardian), log=active_log.log)
    page = login_as(world.school_employee).get("/notifications/").content.decode()
    assert "Your access to a relay log has ended" in page
    assert f"/logs/{active_log.log.uuid}/" not in page
    assert "Mia" not in page
    assert not AccessLogEntry.objects.filter(
        actor=world.school_employee, action="notifications.list"
    ).exists()


def test_a_participant_who_lost_access_no_longer_sees_the_child_or_the_link(
    active_log: LogWorld, login_as: Any
) -> None:
    from stafett.consent.services import withdraw_consent

    world = active_log.world
    _bright_spots(active_log, 1)
    client = login_as(world.school_employee)
    before = client.get("/notifications/").content.decode()
    assert "<strong>Mia Mor</strong>" in before
    assert f"/logs/{active_log.log.uuid}/" in before
    withdraw_consent(actor=as_actor(world.guardian), log=active_log.log)
    after = client.get("/notifications/").content.decode()
    assert "A bright spot was added to a relay log." in after
    assert "Mia" not in after.split("<main")[1]
    assert f"/logs/{active_log.log.uuid}/" not in after


def test_a_guardian_with_two_children_tells_their_notifications_apart(
    active_log: LogWorld, login_as: Any
) -> None:
    world = active_log.world
    brother = f.make_subject(world.municipality, first_name="Ola", last_name="Mor")
    f.add_guardian(brother, world.guardian)
    other = start_log(
        actor=as_actor(world.employee), subject=brother, unit=world.kindergarten, level=1
    )
    consent = request_consent(
        actor=as_actor(world.employee),
        log=other,
        purpose="Samarbeid",
        valid_from=timezone.localdate(),
        valid_to=timezone.localdate() + datetime.timedelta(days=180),
        units=[world.kindergarten],
        method=Consent.Method.DIGITAL,
    )
    give_consent(actor=as_actor(world.guardian), consent=consent)
    add_entry(actor=as_actor(world.employee), log=other, kind=EntryKind.BRIGHT_SPOT, body="x")
    add_entry(
        actor=as_actor(world.employee), log=active_log.log, kind=EntryKind.BRIGHT_SPOT, body="y"
    )
    page = login_as(world.guardian).get("/notifications/").content.decode()
    assert "<strong>Ola Mor</strong>" in page and "<strong>Mia Mor</strong>" in page
    assert f"/logs/{other.uuid}/" in page and f"/logs/{active_log.log.uuid}/" in page


def test_each_person_chooses_digest_or_at_once_per_kind_and_the_language(
    world: Any, login_as: Any
) -> None:
    client = login_as(world.guardian)
    page = client.get("/notifications/settings/").content.decode()
    assert "A bright spot is added" in page
    response = client.post(
        "/notifications/settings/",
        {"mode-bright_spot": "digest", "mode-meeting": "immediate", "language": "nb"},
    )
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=world.guardian, kind=Kind.BRIGHT_SPOT).mode == (
        Mode.DIGEST
    )
    assert EmailSettings.objects.get(user=world.guardian).language == "nb"
    page = client.get("/notifications/settings/").content.decode()
    assert 'name="mode-bright_spot" value="digest" checked' in page


@pytest.mark.municipality_language
def test_emails_are_in_the_persons_chosen_language_else_the_municipalitys(world: Any) -> None:
    from stafett.notifications.services import email_language

    assert email_language(world.employee) == world.municipality.language
    EmailSettings.objects.create(user=world.employee, language="en")
    assert email_language(world.employee) == "en"


def test_the_centre_writes_dates_as_the_rest_of_stafett(
    active_log: LogWorld, login_as: Any
) -> None:
    """One date format everywhere: 03.12.2026, never 3.12.2026 (issue 11, item 4)."""
    eva = active_log.world.employee
    _bright_spots(active_log, 1)
    early_in_month = timezone.make_aware(datetime.datetime(2026, 3, 4, 9, 5))
    Notification.objects.filter(recipient=eva).update(created_at=early_in_month)
    page = login_as(eva).get("/notifications/").content.decode()
    assert "04.03.2026 09:05" in page and " 4.3.2026" not in page


def test_the_family_chooses_only_among_what_they_can_be_told_and_may_choose_no_email(
    active_log: LogWorld, login_as: Any, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    """Issue 11, item 6: "The baton is offered to you" was among the family's choices."""
    gro = active_log.world.guardian
    client = login_as(gro)
    page = client.get("/notifications/settings/").content.decode()
    assert "The baton is offered to you" not in page and "A measure is assigned" not in page
    assert "A bright spot is added" in page and "No e-mail: only under Notifications" in page
    client.post("/notifications/settings/", {"mode-bright_spot": "none", "language": ""})
    assert NotificationPreference.objects.get(user=gro, kind=Kind.BRIGHT_SPOT).mode == Mode.NONE
    with django_capture_on_commit_callbacks(execute=True):
        add_entry(
            actor=as_actor(active_log.world.employee),
            log=active_log.log,
            kind=EntryKind.BRIGHT_SPOT,
            body="SECRET",
        )
    assert [m.to for m in mailoutbox if gro.email in m.to] == []
    assert Notification.objects.filter(recipient=gro, kind=Kind.BRIGHT_SPOT).exists()
