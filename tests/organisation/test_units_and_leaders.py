"""Units and their leaders, kept by the administrator."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from stafett.accounts.models import User
from stafett.organisation.models import Membership, Unit
from tests import factories as f
from tests.conftest import World
from tests.organisation.conftest import messages_of

NEW_UNIT = reverse("organisation:unit_create")


def _unit_data(world: World, **changes: Any) -> dict[str, Any]:
    data = {
        "name": "Nordli barnehage",
        "service_kind": str(world.kindergarten.service_kind.uuid),
        "email": "nordli@testvik.example",
        "phone": "12 34 56 78",
        "is_active": "on",
    }
    data.update(changes)
    return data


def _edit_url(unit: Unit) -> str:
    return reverse("organisation:unit_edit", kwargs={"unit": unit.uuid})


def _new_person(**changes: str) -> dict[str, str]:
    data = {
        "new-first_name": "Nora",
        "new-last_name": "Nyleiar",
        "new-email": "nora@testvik.example",
        "new-username": "nora",
    }
    data.update(changes)
    return data


def test_the_administrator_creates_a_unit_and_is_asked_to_add_a_leader(
    world: World, sign_in: Any
) -> None:
    response = sign_in(world.admin).post(NEW_UNIT, _unit_data(world), follow=True)
    unit = Unit.objects.get(municipality=world.municipality, name="Nordli barnehage")
    assert response.redirect_chain[-1][0] == _edit_url(unit)
    assert "Nordli barnehage is created. Now add the unit's leader." in messages_of(response)
    assert (unit.service_kind, unit.email, unit.is_active) == (
        world.kindergarten.service_kind,
        "nordli@testvik.example",
        True,
    )


def test_a_unit_name_already_in_use_is_refused(world: World, sign_in: Any) -> None:
    response = sign_in(world.admin).post(NEW_UNIT, _unit_data(world, name="solsida  BARNEHAGE"))
    assert response.status_code == 200
    assert "There is already a unit called" in str(response.context["form"].errors)
    assert Unit.objects.filter(municipality=world.municipality).count() == 2


def test_creating_the_same_unit_twice_makes_one_unit(world: World, sign_in: Any) -> None:
    client = sign_in(world.admin)
    client.post(NEW_UNIT, _unit_data(world))
    second = client.post(NEW_UNIT, _unit_data(world))
    assert second.status_code == 200
    assert Unit.objects.filter(name="Nordli barnehage").count() == 1


def test_another_municipality_may_have_a_unit_with_the_same_name(
    world: World, sign_in: Any
) -> None:
    kind = world.other_unit.service_kind
    sign_in(world.other_staff).post(
        NEW_UNIT, _unit_data(world, name="Solsida barnehage", service_kind=str(kind.uuid))
    )
    assert Unit.objects.filter(name="Solsida barnehage").count() == 2


def test_a_service_of_another_municipality_cannot_be_chosen_for_a_unit(
    world: World, sign_in: Any
) -> None:
    theirs = str(world.other_unit.service_kind.uuid)
    client = sign_in(world.admin)
    response = client.post(NEW_UNIT, _unit_data(world, service_kind=theirs))
    assert _english(response.context["form"].errors["service_kind"]) == [
        "Choose one of the municipality's services."
    ]
    assert not Unit.objects.filter(name="Nordli barnehage").exists()
    response = client.post(_edit_url(world.school), _unit_data(world, service_kind=theirs))
    assert response.status_code == 200
    world.school.refresh_from_db()
    assert world.school.service_kind.municipality_id == world.municipality.id
    assert world.school.name == "Testvik skule"


def test_the_administrator_changes_a_unit(world: World, sign_in: Any) -> None:
    data = _unit_data(world, name="Solsida fus barnehage", email="", phone="")
    del data["is_active"]
    response = sign_in(world.admin).post(_edit_url(world.kindergarten), data, follow=True)
    assert "The unit is saved." in messages_of(response)
    world.kindergarten.refresh_from_db()
    assert (world.kindergarten.name, world.kindergarten.is_active) == (
        "Solsida fus barnehage",
        False,
    )


def test_a_unit_cannot_take_another_units_name(world: World, sign_in: Any) -> None:
    response = sign_in(world.admin).post(
        _edit_url(world.kindergarten), _unit_data(world, name="Testvik skule")
    )
    assert response.status_code == 200
    # The page shows the unit as saved, with the form as it was sent.
    assert response.context["unit"].name == "Solsida barnehage"
    assert response.context["form"]["name"].value() == "Testvik skule"
    world.kindergarten.refresh_from_db()
    assert world.kindergarten.name == "Solsida barnehage"


def test_the_unit_page_lists_the_current_leaders(world: World, sign_in: Any) -> None:
    page = sign_in(world.admin).get(_edit_url(world.kindergarten)).content.decode()
    assert "Lars Leiar" in page
    remove = reverse(
        "organisation:leader_remove",
        kwargs={"unit": world.kindergarten.uuid, "person": world.leader.uuid},
    )
    assert remove in page


def test_the_administrator_makes_a_staff_member_leader(world: World, sign_in: Any) -> None:
    url = reverse("organisation:leader_add", kwargs={"unit": world.school.uuid})
    response = sign_in(world.admin).post(
        url, {"existing-person": str(world.school_employee.uuid)}, follow=True
    )
    assert "Siri Lærar now leads the unit." in messages_of(response)
    assert (
        Membership.objects.current()
        .filter(unit=world.school, user=world.school_employee, role=Membership.Role.LEADER)
        .exists()
    )
    # Leading does not end being an employee.
    assert (
        Membership.objects.current()
        .filter(unit=world.school, user=world.school_employee, role=Membership.Role.EMPLOYEE)
        .exists()
    )


def test_adding_the_same_leader_twice_changes_nothing(world: World, sign_in: Any) -> None:
    url = reverse("organisation:leader_add", kwargs={"unit": world.school.uuid})
    client = sign_in(world.admin)
    data = {"existing-person": str(world.school_employee.uuid)}
    client.post(url, data)
    second = client.post(url, data)
    # The second time the person is no longer among the choices: a message, no new row.
    assert second.status_code == 200
    assert second.context["existing_form"].errors["person"]
    assert Membership.objects.filter(unit=world.school, role=Membership.Role.LEADER).count() == 1


def test_staff_of_another_municipality_cannot_be_made_leader(world: World, sign_in: Any) -> None:
    url = reverse("organisation:leader_add", kwargs={"unit": world.school.uuid})
    response = sign_in(world.admin).post(url, {"existing-person": str(world.other_staff.uuid)})
    assert response.status_code == 200
    assert _english(response.context["existing_form"].errors["person"]) == [
        "Choose a person from the list: only staff of this municipality can be added."
    ]
    assert not Membership.objects.filter(user=world.other_staff, unit=world.school).exists()


def test_a_guardian_cannot_be_made_leader(world: World, sign_in: Any) -> None:
    url = reverse("organisation:leader_add", kwargs={"unit": world.school.uuid})
    response = sign_in(world.admin).post(url, {"existing-person": str(world.guardian.uuid)})
    assert response.context["existing_form"].errors
    assert not Membership.objects.filter(user=world.guardian).exists()


def test_a_new_leader_is_created_and_invited_by_e_mail(world: World, sign_in: Any) -> None:
    url = reverse("organisation:leader_new", kwargs={"unit": world.school.uuid})
    response = sign_in(world.admin).post(url, _new_person(), follow=True)
    assert (
        "Nora Nyleiar now leads the unit and has been sent an invitation to "
        "nora@testvik.example." in messages_of(response)
    )
    nora = User.objects.get(username="nora")
    assert (nora.municipality, nora.kind, nora.has_usable_password()) == (
        world.municipality,
        User.Kind.STAFF,
        False,
    )
    assert (
        Membership.objects.current()
        .filter(unit=world.school, user=nora, role=Membership.Role.LEADER)
        .exists()
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nora@testvik.example"]
    assert settings.STAFETT_BASE_URL in mail.outbox[0].body


def test_a_new_leader_with_a_taken_username_is_refused_and_nothing_is_created(
    world: World, sign_in: Any
) -> None:
    url = reverse("organisation:leader_new", kwargs={"unit": world.school.uuid})
    response = sign_in(world.admin).post(url, _new_person(**{"new-username": "LEADER"}))
    assert response.status_code == 200
    assert response.context["new_form"].errors["username"] == [
        "This username is taken. Choose another."
    ]
    assert not User.objects.filter(email="nora@testvik.example").exists()
    assert mail.outbox == []


def test_a_new_leader_with_the_e_mail_of_a_colleague_is_refused(world: World, sign_in: Any) -> None:
    url = reverse("organisation:leader_new", kwargs={"unit": world.school.uuid})
    response = sign_in(world.admin).post(url, _new_person(**{"new-email": world.employee.email}))
    assert "email" in response.context["new_form"].errors
    assert not User.objects.filter(username="nora").exists()
    assert mail.outbox == []


def test_removing_a_leader_asks_first_and_keeps_the_history(world: World, sign_in: Any) -> None:
    url = reverse(
        "organisation:leader_remove",
        kwargs={"unit": world.kindergarten.uuid, "person": world.leader.uuid},
    )
    client = sign_in(world.admin)
    assert "Yes, remove as leader" in client.get(url).content.decode()
    assert Membership.objects.current().filter(user=world.leader).exists()
    response = client.post(url, follow=True)
    assert "Lars Leiar no longer leads Solsida barnehage." in messages_of(response)
    membership = Membership.objects.get(user=world.leader, unit=world.kindergarten)
    assert membership.ended_at is not None
    assert membership.ended_by == world.admin
    # A second click is harmless.
    response = client.post(url, follow=True)
    assert (
        "That person no longer has this role in the unit, so there was nothing to remove."
        in messages_of(response)
    )
    assert Membership.objects.filter(user=world.leader).count() == 1


def test_a_removed_leader_loses_the_unit_pages_at_once(world: World, sign_in: Any) -> None:
    leader_client = f.login(f.english_client(), world.leader)
    staff_page = reverse("organisation:unit_staff", kwargs={"unit": world.kindergarten.uuid})
    assert leader_client.get(staff_page).status_code == 200
    sign_in(world.admin).post(
        reverse(
            "organisation:leader_remove",
            kwargs={"unit": world.kindergarten.uuid, "person": world.leader.uuid},
        )
    )
    assert leader_client.get(staff_page).status_code == 403


def test_a_leader_can_be_chosen_again_after_being_removed(world: World, sign_in: Any) -> None:
    client = sign_in(world.admin)
    unit = world.kindergarten
    client.post(
        reverse(
            "organisation:leader_remove", kwargs={"unit": unit.uuid, "person": world.leader.uuid}
        )
    )
    client.post(
        reverse("organisation:leader_add", kwargs={"unit": unit.uuid}),
        {"existing-person": str(world.leader.uuid)},
    )
    rows = Membership.objects.filter(user=world.leader, unit=unit, role=Membership.Role.LEADER)
    assert rows.count() == 2
    assert rows.filter(ended_at__isnull=True).count() == 1


def test_the_leader_choice_lists_only_active_staff_of_the_municipality(
    world: World, sign_in: Any
) -> None:
    gone = f.make_user(world.municipality, first_name="Slutta", is_active=False)
    response = sign_in(world.admin).get(_edit_url(world.kindergarten))
    choices = set(response.context["existing_form"].fields["person"].queryset)
    assert world.employee in choices
    assert world.leader not in choices  # already leads it
    assert world.other_staff not in choices
    assert world.guardian not in choices
    assert gone not in choices


def _english(errors: Any) -> list[str]:
    # Error messages are lazy; read them in English after the request has ended.
    with translation.override("en"):
        return [str(e) for e in errors]
