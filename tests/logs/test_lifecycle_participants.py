"""The coordinator adds people from units in the consent and removes them with a message."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import reverse

from stafett.audit.models import AccessLogEntry
from stafett.logs.models import Participant
from stafett.organisation.models import Membership
from tests import factories as f
from tests.logs.conftest import LogWorld, as_actor


def login(client: Client, user: Any) -> Client:
    """Log in, and read the pages in English (the source language of the asserts)."""
    f.login(client, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _url(lw: LogWorld, name: str = "logs:participants", **kwargs: object) -> str:
    return reverse(name, kwargs={"log": lw.log.uuid, **kwargs})


def test_the_page_lists_current_participants_with_task_unit_and_rights(
    active_log: LogWorld, client: Client
) -> None:
    login(client, active_log.world.employee)
    page = client.get(_url(active_log)).content.decode()
    assert "Siri Lærar" in page
    assert "Kontaktlærar ved skulestart" in page
    assert "Testvik skule" in page
    assert "Read and write" in page
    assert AccessLogEntry.objects.filter(
        actor=active_log.world.employee, action="log.participants"
    ).exists()


def test_choosing_a_unit_shows_only_the_people_working_there_now(
    active_log: LogWorld, client: Client
) -> None:
    w = active_log.world
    former = f.make_user(w.municipality, username="former", first_name="Frida", last_name="Før")
    membership = f.add_membership(former, w.school)
    Membership.objects.filter(pk=membership.pk).update(ended_at=membership.started_at)
    colleague = f.make_user(w.municipality, username="col", first_name="Kari", last_name="Kollega")
    f.add_membership(colleague, w.school)
    login(client, w.employee)
    page = client.get(_url(active_log), {"unit": str(w.school.uuid)}).content.decode()
    assert "Kari Kollega" in page
    assert "Frida Før" not in page
    assert "Eva Tilsett" not in page.split("From Testvik skule")[1]


def test_the_coordinator_adds_a_read_only_participant(active_log: LogWorld, client: Client) -> None:
    w = active_log.world
    login(client, w.employee)
    response = client.post(
        _url(active_log),
        {
            "unit": str(w.kindergarten.uuid),
            "person": str(w.leader.uuid),
            "task": "Styrar, følgjer opp personalet",
            "can_write": "0",
        },
    )
    assert response.status_code == 302
    added = Participant.objects.get(user=w.leader, removed_at__isnull=True)
    assert added.can_write is False
    assert added.unit == w.kindergarten


def test_a_participant_from_a_unit_outside_the_consent_changes_nothing(
    active_log: LogWorld, client: Client
) -> None:
    w = active_log.world
    health = f.make_unit(w.municipality, "Testvik helsestasjon")
    nurse = f.make_user(w.municipality, username="nurse", first_name="Hanne", last_name="Helse")
    f.add_membership(nurse, health)
    login(client, w.employee)
    response = client.post(
        _url(active_log),
        {"unit": str(health.uuid), "person": str(nurse.uuid), "task": "Helse", "can_write": "1"},
    )
    assert response.status_code == 200
    assert "Ask the family to add the unit first." in response.content.decode()
    assert not Participant.objects.filter(user=nurse).exists()


def test_a_person_from_another_municipality_cannot_be_chosen(
    active_log: LogWorld, client: Client
) -> None:
    w = active_log.world
    login(client, w.employee)
    response = client.post(
        _url(active_log),
        {
            "unit": str(w.school.uuid),
            "person": str(w.other_staff.uuid),
            "task": "Nabo",
            "can_write": "1",
        },
    )
    assert "Choose a person who works in the chosen unit." in response.content.decode()
    assert not Participant.objects.filter(user=w.other_staff).exists()


def test_a_double_submit_adds_the_person_once(active_log: LogWorld, client: Client) -> None:
    w = active_log.world
    login(client, w.employee)
    data = {
        "unit": str(w.kindergarten.uuid),
        "person": str(w.leader.uuid),
        "task": "Styrar",
        "can_write": "1",
    }
    client.post(_url(active_log), data)
    response = client.post(_url(active_log), data)
    assert "already takes part" in response.content.decode()
    assert Participant.objects.filter(user=w.leader).count() == 1


def test_removing_a_participant_asks_first_and_ends_their_access(
    active_log: LogWorld, client: Client
) -> None:
    w, p = active_log.world, active_log.participant
    url = _url(active_log, "logs:participant_remove", participant=p.uuid)
    login(client, w.employee)
    page = client.get(url).content.decode()
    assert "Remove Siri Lærar from the log?" in page
    response = client.post(url, {"message": "Takk for hjelpa."}, follow=True)
    assert "no longer takes part" in response.content.decode()
    p.refresh_from_db()
    assert p.removed_at is not None
    assert p.removal_message == "Takk for hjelpa."
    # Former participants stay on the list.
    assert "Took part before" in client.get(_url(active_log)).content.decode()
    # No longer part of the log: to them it is as if it did not exist.
    login(client, w.school_employee)
    detail = reverse("logs:detail", kwargs={"log": active_log.log.uuid})
    assert client.get(detail).status_code == 404
    # A removed participant cannot be removed again.
    login(client, w.employee)
    assert client.get(url).status_code == 404


def test_a_malformed_unit_in_the_address_shows_the_page_without_people(
    active_log: LogWorld, client: Client
) -> None:
    login(client, active_log.world.employee)
    response = client.get(_url(active_log), {"unit": "not-a-uuid"})
    assert response.status_code == 200
    assert response.context["chosen_unit"] is None


def test_the_removed_person_gets_the_message_by_e_mail_without_the_child(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    from stafett.logs.services import remove_participant

    w = active_log.world
    with django_capture_on_commit_callbacks(execute=True):
        remove_participant(
            actor=as_actor(w.employee),
            participant=active_log.participant,
            message="Takk for hjelpa. Skulen følgjer opp no.",
        )
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [w.school_employee.email]
    assert "Takk for hjelpa. Skulen følgjer opp no." in mail.body
    assert "Testvik skule" in mail.body
    assert w.child.first_name not in mail.body and w.child.first_name not in mail.subject
    assert "/login/" in mail.body or "127.0.0.1" in mail.body


def test_a_failed_e_mail_does_not_undo_the_removal(
    active_log: LogWorld, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    from stafett.logs.services import remove_participant

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    w = active_log.world
    with django_capture_on_commit_callbacks(execute=True):
        remove_participant(
            actor=as_actor(w.employee), participant=active_log.participant, message="Takk."
        )
    assert Participant.objects.get(pk=active_log.participant.pk).removed_at is not None


def test_every_page_that_manages_the_log_leads_back_to_it(
    active_log: LogWorld, client: Client
) -> None:
    """Issue 11, item 16: the lifecycle pages had no link back to the log."""
    login(client, active_log.world.employee)
    back = f'href="{reverse("logs:detail", kwargs={"log": active_log.log.uuid})}"'
    for name in (
        "logs:participants",
        "logs:handover_propose",
        "logs:move",
        "logs:close",
        "logs:consent",
        "logs:consent_request",
    ):
        html = client.get(_url(active_log, name)).content.decode()
        assert f"{back}>← Back to the log for Mia" in html, name
