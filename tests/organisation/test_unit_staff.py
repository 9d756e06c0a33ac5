"""A unit leader keeps the unit's list of employees."""

from __future__ import annotations

from typing import Any

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from stafett.accounts.models import User
from stafett.audit.log import verify_chain
from stafett.audit.models import AccessLogEntry
from stafett.organisation.models import Membership
from tests import factories as f
from tests.conftest import World
from tests.organisation.conftest import messages_of


def _staff_url(world: World) -> str:
    return reverse("organisation:unit_staff", kwargs={"unit": world.kindergarten.uuid})


def _add_url(world: World) -> str:
    return reverse("organisation:employee_add", kwargs={"unit": world.kindergarten.uuid})


def _new_url(world: World) -> str:
    return reverse("organisation:employee_new", kwargs={"unit": world.kindergarten.uuid})


def _remove_url(world: World, person: User) -> str:
    return reverse(
        "organisation:employee_remove",
        kwargs={"unit": world.kindergarten.uuid, "person": person.uuid},
    )


def test_the_leader_sees_the_units_employees_with_title_and_start(
    world: World, sign_in: Any
) -> None:
    Membership.objects.filter(user=world.employee).update(title="Pedagogisk leiar")
    response = sign_in(world.leader).get(_staff_url(world))
    page = response.content.decode()
    assert "Eva Tilsett" in page
    assert "Pedagogisk leiar" in page
    assert "since" in page
    assert "Siri Lærar" not in [m.user.get_full_name() for m in response.context["employees"]]
    assert _remove_url(world, world.employee) in page


def test_the_leader_adds_a_colleague_from_another_unit(world: World, sign_in: Any) -> None:
    response = sign_in(world.leader).post(
        _add_url(world),
        {"existing-person": str(world.school_employee.uuid), "existing-title": "Assistent"},
        follow=True,
    )
    assert "Siri Lærar now works in the unit." in messages_of(response)
    # A person can work in several units.
    units = set(
        Membership.objects.current()
        .filter(user=world.school_employee, role=Membership.Role.EMPLOYEE)
        .values_list("unit__name", flat=True)
    )
    assert units == {"Solsida barnehage", "Testvik skule"}
    assert (
        Membership.objects.get(user=world.school_employee, unit=world.kindergarten).title
        == "Assistent"
    )


def test_the_new_colleague_sees_the_unit_on_their_home_page(world: World, sign_in: Any) -> None:
    sign_in(world.leader).post(
        _add_url(world), {"existing-person": str(world.school_employee.uuid)}
    )
    page = sign_in(world.school_employee).get("/").content.decode()
    assert "Solsida barnehage" in page


def test_adding_the_same_employee_twice_makes_one_membership(world: World, sign_in: Any) -> None:
    client = sign_in(world.leader)
    data = {"existing-person": str(world.school_employee.uuid)}
    client.post(_add_url(world), data)
    client.post(_add_url(world), data)
    assert (
        Membership.objects.filter(user=world.school_employee, unit=world.kindergarten).count() == 1
    )


def test_staff_of_another_municipality_cannot_be_added(world: World, sign_in: Any) -> None:
    response = sign_in(world.leader).post(
        _add_url(world), {"existing-person": str(world.other_staff.uuid)}
    )
    assert response.status_code == 200
    assert _english(response.context["existing_form"].errors["person"]) == [
        "Choose a person from the list: only staff of this municipality can be added."
    ]
    assert "only staff of this municipality can be added" in response.content.decode()
    assert not Membership.objects.filter(user=world.other_staff, unit=world.kindergarten).exists()


def test_citizens_cannot_be_added_as_employees(world: World, sign_in: Any) -> None:
    response = sign_in(world.leader).post(
        _add_url(world), {"existing-person": str(world.youth.uuid)}
    )
    assert response.context["existing_form"].errors
    assert not Membership.objects.filter(user=world.youth).exists()


def test_a_new_employee_is_created_and_invited_by_e_mail(world: World, sign_in: Any) -> None:
    response = sign_in(world.leader).post(
        _new_url(world),
        {
            "new-first_name": " Ola ",
            "new-last_name": "Nykomar",
            "new-email": "ola@testvik.example",
            "new-username": "ola.nykomar",
            "new-title": "Barnehagelærar",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == _staff_url(world)
    ola = User.objects.get(username="ola.nykomar")
    assert (ola.first_name, ola.municipality, ola.is_staff_member) == (
        "Ola",
        world.municipality,
        True,
    )
    membership = Membership.objects.get(user=ola)
    assert (membership.unit, membership.role, membership.title) == (
        world.kindergarten,
        Membership.Role.EMPLOYEE,
        "Barnehagelærar",
    )
    assert [message.to for message in mail.outbox] == [["ola@testvik.example"]]
    assert "Ola Nykomar" in response.content.decode()


def test_a_new_employee_needs_a_valid_e_mail_and_username(world: World, sign_in: Any) -> None:
    response = sign_in(world.leader).post(
        _new_url(world),
        {
            "new-first_name": "Ola",
            "new-last_name": "Nykomar",
            "new-email": "not an address",
            "new-username": "ola nykomar!",
        },
    )
    assert set(response.context["new_form"].errors) == {"email", "username"}
    assert not User.objects.filter(first_name="Ola").exists()
    assert mail.outbox == []


def test_removing_an_employee_asks_first(world: World, sign_in: Any) -> None:
    page = sign_in(world.leader).get(_remove_url(world, world.employee)).content.decode()
    assert "Remove Eva Tilsett from Solsida barnehage?" in page
    assert 'method="post"' in page
    assert Membership.objects.current().filter(user=world.employee).exists()


def test_removing_an_employee_ends_the_membership_and_keeps_the_row(
    world: World, sign_in: Any
) -> None:
    response = sign_in(world.leader).post(_remove_url(world, world.employee), follow=True)
    assert "Eva Tilsett no longer works in Solsida barnehage." in messages_of(response)
    membership = Membership.objects.get(user=world.employee, unit=world.kindergarten)
    assert membership.ended_at is not None
    assert membership.ended_by == world.leader
    assert "Eva Tilsett" not in [m.user.get_full_name() for m in response.context["employees"]]


def test_a_removed_employees_old_session_loses_the_role_at_once(world: World, sign_in: Any) -> None:
    employee_client = f.login(f.english_client(), world.employee)
    assert "Solsida barnehage" in employee_client.get("/").content.decode()
    sign_in(world.leader).post(_remove_url(world, world.employee))
    # The same session, the very next request: no employee role, the unit is gone.
    response = employee_client.get("/")
    assert "employee" not in response.context["roles"]
    assert "Solsida barnehage" not in response.content.decode()
    assert employee_client.get(_staff_url(world)).status_code == 403


def test_removing_twice_is_harmless(world: World, sign_in: Any) -> None:
    client = sign_in(world.leader)
    client.post(_remove_url(world, world.employee))
    response = client.post(_remove_url(world, world.employee), follow=True)
    assert (
        "That person no longer has this role in the unit, so there was nothing to remove."
        in messages_of(response)
    )
    assert Membership.objects.filter(user=world.employee).count() == 1
    # There is nothing left to confirm.
    assert client.get(_remove_url(world, world.employee)).status_code == 404


def test_removing_from_one_unit_keeps_the_others(world: World, sign_in: Any) -> None:
    f.add_membership(world.school_employee, world.kindergarten)
    sign_in(world.leader).post(_remove_url(world, world.school_employee))
    assert (
        Membership.objects.current().filter(user=world.school_employee, unit=world.school).exists()
    )
    page = sign_in(world.school_employee).get("/").content.decode()
    assert "Testvik skule" in page


def test_a_leader_cannot_remove_someone_from_a_unit_they_do_not_lead(
    world: World, sign_in: Any
) -> None:
    url = reverse(
        "organisation:employee_remove",
        kwargs={"unit": world.school.uuid, "person": world.school_employee.uuid},
    )
    assert sign_in(world.leader).post(url).status_code == 403
    assert Membership.objects.current().filter(user=world.school_employee).exists()


def test_the_leader_page_does_not_remove_leaders(world: World, sign_in: Any) -> None:
    sign_in(world.leader).post(_remove_url(world, world.leader))
    assert (
        Membership.objects.current().filter(user=world.leader, role=Membership.Role.LEADER).exists()
    )


def test_the_staff_list_takes_the_same_number_of_queries_for_fifty_employees(
    world: World, sign_in: Any, django_assert_max_num_queries: Any
) -> None:
    client = sign_in(world.leader)
    client.get(_staff_url(world))
    with CaptureQueriesContext(connection) as few:
        client.get(_staff_url(world))
    for number in range(50):
        person = f.make_user(world.municipality, first_name=f"Tilsett {number:02}")
        membership = f.add_membership(person, world.kindergarten)
        membership.title = "Assistent"
        membership.save()
        f.make_user(world.municipality, first_name=f"Kollega {number:02}")
    with django_assert_max_num_queries(12) as many:
        response = client.get(_staff_url(world))
    assert len(many) == len(few)
    assert len(response.context["employees"]) == 51
    page = response.content.decode()
    assert "Tilsett 49" in page
    assert "Kollega 49" in page  # in the list of people who can be added


def test_adding_and_removing_an_employee_is_written_to_the_access_log(
    world: World, sign_in: Any
) -> None:
    client = sign_in(world.leader)
    client.post(_add_url(world), {"existing-person": str(world.school_employee.uuid)})
    client.post(_remove_url(world, world.school_employee))
    rows = list(AccessLogEntry.objects.filter(action__startswith="membership.").order_by("id"))
    assert [(row.action, row.actor, row.unit_name) for row in rows] == [
        ("membership.added", world.leader, "Solsida barnehage"),
        ("membership.ended", world.leader, "Solsida barnehage"),
    ]
    assert str(world.school_employee.uuid) in rows[0].reason
    assert verify_chain(world.municipality.id) is None


def test_when_the_invitation_cannot_be_sent_nobody_is_added(
    world: World, sign_in: Any, monkeypatch: Any
) -> None:
    def broken_mail(*args: Any, **kwargs: Any) -> int:
        raise OSError("mail server down")

    monkeypatch.setattr("stafett.accounts.services.send_mail", broken_mail)
    response = sign_in(world.leader).post(
        _new_url(world),
        {
            "new-first_name": "Ola",
            "new-last_name": "Nykomar",
            "new-email": "ola@testvik.example",
            "new-username": "ola.nykomar",
        },
    )
    assert response.status_code == 200
    assert "The invitation could not be sent, so nobody was added." in response.content.decode()
    assert not User.objects.filter(username="ola.nykomar").exists()
    assert not AccessLogEntry.objects.filter(action__in=["membership.added", "account.invited"])


def _english(errors: Any) -> list[str]:
    # Error messages are lazy; read them in English after the request has ended.
    with translation.override("en"):
        return [str(e) for e in errors]
