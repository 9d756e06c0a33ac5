"""Handing the baton over: the old coordinator keeps it until the new one accepts; a
transfer to a unit outside the consent waits for the family."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import reverse

from stafett.consent.models import ConsentUnit
from stafett.logs.models import Handover, RelayLog
from stafett.logs.services import propose_handover
from tests import factories as f
from tests.logs.conftest import LogWorld, as_actor


def login(client: Client, user: Any) -> Client:
    """Log in, and read the pages in English (the source language of the asserts)."""
    f.login(client, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _propose_url(lw: LogWorld) -> str:
    return reverse("logs:handover_propose", kwargs={"log": lw.log.uuid})


def _answer_url(lw: LogWorld, handover: Handover) -> str:
    return reverse("logs:handover_answer", kwargs={"log": lw.log.uuid, "handover": handover.uuid})


def _data(unit: Any, person: Any, message: str = "Kan du ta over stafettpinnen?") -> dict[str, str]:
    return {"unit": str(unit.uuid), "person": str(person.uuid), "message": message}


def test_an_accepted_handover_moves_the_baton(active_log: LogWorld, client: Client) -> None:
    w = active_log.world
    login(client, w.employee)
    response = client.post(_propose_url(active_log), _data(w.school, w.school_employee))
    assert response.status_code == 302
    handover = Handover.objects.get()
    page = client.get(_propose_url(active_log)).content.decode()
    assert "Waiting for an answer" in page
    login(client, w.school_employee)
    page = client.get(_answer_url(active_log, handover)).content.decode()
    assert "Kan du ta over stafettpinnen?" in page
    assert "Mia Mor" in page
    response = client.post(
        _answer_url(active_log, handover), {"answer": "accept", "message": "Gjerne."}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("logs:detail", kwargs={"log": active_log.log.uuid})
    log = RelayLog.objects.get(pk=active_log.log.pk)
    assert log.coordinator == w.school_employee
    assert log.unit == w.school


def test_a_declined_handover_leaves_the_baton(active_log: LogWorld, client: Client) -> None:
    w = active_log.world
    handover = propose_handover(
        actor=as_actor(w.employee),
        log=active_log.log,
        to_user=w.school_employee,
        to_unit=w.school,
        message="Kan du ta over?",
    )
    login(client, w.school_employee)
    response = client.post(
        _answer_url(active_log, handover), {"answer": "decline", "message": "Ikkje no."}
    )
    assert response.status_code == 302
    log = RelayLog.objects.get(pk=active_log.log.pk)
    assert log.coordinator == w.employee
    handover.refresh_from_db()
    assert handover.status == Handover.Status.DECLINED
    assert handover.answer_message == "Ikkje no."


def test_a_transfer_to_a_unit_outside_the_consent_waits_for_the_family(
    active_log: LogWorld, client: Client
) -> None:
    w = active_log.world
    school2 = f.make_unit(w.municipality, "Nordvik skule")
    teacher = f.make_user(w.municipality, username="t2", first_name="Tor", last_name="Lærar")
    f.add_membership(teacher, school2)
    login(client, w.employee)
    response = client.post(_propose_url(active_log), _data(school2, teacher), follow=True)
    assert "the family is asked to confirm it" in response.content.decode()
    handover = Handover.objects.get()
    login(client, teacher)
    response = client.post(_answer_url(active_log, handover), {"answer": "accept"})
    assert response.status_code == 200
    assert "The family has not yet confirmed" in response.content.decode()
    assert RelayLog.objects.get(pk=active_log.log.pk).coordinator == w.employee
    # The guardian confirms the school; then the teacher can accept.
    login(client, w.guardian)
    client.post(
        reverse(
            "logs:scope_confirm",
            kwargs={
                "log": active_log.log.uuid,
                "consent": active_log.consent.uuid,
                "unit": school2.uuid,
            },
        )
    )
    assert ConsentUnit.objects.get(unit=school2).confirmed_at is not None
    login(client, teacher)
    client.post(_answer_url(active_log, handover), {"answer": "accept"})
    log = RelayLog.objects.get(pk=active_log.log.pk)
    assert (log.coordinator, log.unit) == (teacher, school2)


def test_the_unit_leader_may_propose_a_transfer_when_the_coordinator_leaves(
    active_log: LogWorld, client: Client
) -> None:
    w = active_log.world
    school2 = f.make_unit(w.municipality, "Nordvik skule")
    teacher = f.make_user(w.municipality, username="t2", first_name="Tor", last_name="Lærar")
    f.add_membership(teacher, school2)
    login(client, w.leader)
    response = client.post(_propose_url(active_log), _data(school2, teacher))
    assert response.status_code == 302
    assert Handover.objects.get().proposed_by == w.leader
    assert ConsentUnit.objects.filter(unit=school2, confirmed_at__isnull=True).exists()


def test_a_handover_to_someone_in_another_municipality_changes_nothing(
    active_log: LogWorld, client: Client
) -> None:
    w = active_log.world
    login(client, w.employee)
    response = client.post(_propose_url(active_log), _data(w.other_unit, w.other_staff))
    assert response.status_code == 200
    assert "Choose a unit in this municipality." in response.content.decode()
    response = client.post(_propose_url(active_log), _data(w.school, w.other_staff))
    assert "in this municipality" in response.content.decode()
    assert not Handover.objects.exists()


def test_a_double_submitted_proposal_is_made_once(active_log: LogWorld, client: Client) -> None:
    w = active_log.world
    login(client, w.employee)
    client.post(_propose_url(active_log), _data(w.school, w.school_employee))
    response = client.post(_propose_url(active_log), _data(w.school, w.school_employee))
    assert response.status_code == 200
    assert Handover.objects.count() == 1


def test_the_coordinator_cancels_a_pending_handover(active_log: LogWorld, client: Client) -> None:
    w = active_log.world
    handover = propose_handover(
        actor=as_actor(w.employee),
        log=active_log.log,
        to_user=w.school_employee,
        to_unit=w.school,
        message="Kan du ta over?",
    )
    login(client, w.employee)
    url = reverse(
        "logs:handover_cancel", kwargs={"log": active_log.log.uuid, "handover": handover.uuid}
    )
    response = client.post(url, follow=True)
    assert "The handover is cancelled." in response.content.decode()
    handover.refresh_from_db()
    assert handover.status == Handover.Status.CANCELLED
    login(client, w.school_employee)
    assert client.get(_answer_url(active_log, handover)).status_code == 403
