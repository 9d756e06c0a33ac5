"""Emergency contacts and service kinds, kept by the administrator."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from stafett.organisation.models import EmergencyContact, ServiceCategory, ServiceKind
from tests import factories as f
from tests.conftest import World
from tests.organisation.conftest import messages_of

CONTACTS = reverse("organisation:contacts")
KINDS = reverse("organisation:service_kinds")


def _contact(world: World, name: str = "Barnevernet") -> EmergencyContact:
    return EmergencyContact.objects.create(
        municipality=world.municipality, name=name, phone="12345678"
    )


def test_the_administrator_adds_an_emergency_contact(world: World, sign_in: Any) -> None:
    response = sign_in(world.admin).post(
        CONTACTS,
        {"name": "  Politiet  ", "phone": "02800", "description": "Not urgent", "position": "2"},
        follow=True,
    )
    assert "Politiet is added to the contacts." in messages_of(response)
    contact = EmergencyContact.objects.get(municipality=world.municipality)
    assert (contact.name, contact.phone, contact.position) == ("Politiet", "02800", 2)
    assert "Politiet" in response.content.decode()


def test_a_contact_without_a_phone_number_is_refused(world: World, sign_in: Any) -> None:
    response = sign_in(world.admin).post(CONTACTS, {"name": "Politiet", "position": "0"})
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    assert not EmergencyContact.objects.exists()


def test_the_administrator_changes_a_contact(world: World, sign_in: Any) -> None:
    contact = _contact(world)
    url = reverse("organisation:contact_edit", kwargs={"contact": contact.uuid})
    response = sign_in(world.admin).post(
        url, {"name": "Barnevernvakta", "phone": "116 111", "position": "1"}, follow=True
    )
    assert "The contact is saved." in messages_of(response)
    contact.refresh_from_db()
    assert (contact.name, contact.phone) == ("Barnevernvakta", "116 111")


def test_removing_a_contact_asks_first_and_then_removes_it(world: World, sign_in: Any) -> None:
    contact = _contact(world)
    url = reverse("organisation:contact_remove", kwargs={"contact": contact.uuid})
    client = sign_in(world.admin)
    confirm = client.get(url)
    assert "Yes, remove the contact" in confirm.content.decode()
    assert EmergencyContact.objects.filter(id=contact.id).exists()
    client.post(url)
    assert not EmergencyContact.objects.filter(id=contact.id).exists()
    # A second click finds nothing and changes nothing.
    assert client.post(url).status_code == 404


def test_another_municipalitys_contact_cannot_be_changed(world: World, sign_in: Any) -> None:
    theirs = EmergencyContact.objects.create(
        municipality=world.other_municipality, name="Nabo-politiet", phone="1"
    )
    client = sign_in(world.admin)
    edit = reverse("organisation:contact_edit", kwargs={"contact": theirs.uuid})
    remove = reverse("organisation:contact_remove", kwargs={"contact": theirs.uuid})
    assert client.post(edit, {"name": "Mine", "phone": "2", "position": "0"}).status_code == 404
    assert client.post(remove).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Nabo-politiet"


def test_the_administrator_adds_a_service(world: World, sign_in: Any) -> None:
    response = sign_in(world.admin).post(
        KINDS, {"name": "PPT", "category": ServiceCategory.HELP}, follow=True
    )
    assert "The service PPT is added." in messages_of(response)
    kind = ServiceKind.objects.get(municipality=world.municipality, name="PPT")
    assert kind.category == ServiceCategory.HELP
    assert kind.is_active


def test_a_service_name_already_in_use_is_refused_whatever_the_case(
    world: World, sign_in: Any
) -> None:
    response = sign_in(world.admin).post(
        KINDS, {"name": "barnehage ", "category": ServiceCategory.BASIS}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "__all__": ["There is already a service called “barnehage”."]
    }
    assert ServiceKind.objects.filter(municipality=world.municipality).count() == 2


def test_another_municipality_may_use_the_same_service_name(world: World, sign_in: Any) -> None:
    sign_in(world.other_staff).post(KINDS, {"name": "Skule", "category": ServiceCategory.BASIS})
    assert ServiceKind.objects.filter(municipality=world.other_municipality, name="Skule").exists()


def test_a_service_needs_a_known_category(world: World, sign_in: Any) -> None:
    response = sign_in(world.admin).post(KINDS, {"name": "NAV", "category": "other"})
    assert "category" in response.context["form"].errors
    assert not ServiceKind.objects.filter(name="NAV").exists()


def test_the_administrator_renames_a_service_and_takes_it_out_of_use(
    world: World, sign_in: Any
) -> None:
    kind = world.school.service_kind
    url = reverse("organisation:service_kind_edit", kwargs={"kind": kind.uuid})
    response = sign_in(world.admin).post(
        url, {"name": "Grunnskule", "category": ServiceCategory.BASIS}, follow=True
    )
    assert "The service is saved." in messages_of(response)
    kind.refresh_from_db()
    assert (kind.name, kind.is_active) == ("Grunnskule", False)
    # The unit keeps its service; new units cannot choose it.
    world.school.refresh_from_db()
    assert world.school.service_kind_id == kind.id
    choices = sign_in(world.admin).get(reverse("organisation:unit_create")).context["form"]
    assert kind not in choices.fields["service_kind"].queryset


def test_renaming_a_service_to_another_services_name_is_refused(world: World, sign_in: Any) -> None:
    kind = world.school.service_kind
    url = reverse("organisation:service_kind_edit", kwargs={"kind": kind.uuid})
    response = sign_in(world.admin).post(
        url, {"name": "Barnehage", "category": ServiceCategory.BASIS, "is_active": "on"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    kind.refresh_from_db()
    assert kind.name == "Skule"


def test_the_services_list_takes_the_same_number_of_queries_for_fifty_services(
    world: World, sign_in: Any, django_assert_max_num_queries: Any
) -> None:
    client = sign_in(world.admin)
    client.get(KINDS)
    for number in range(50):
        kind = f.make_service_kind(world.municipality, f"Teneste {number}")
        f.make_unit(world.municipality, f"Eining {number}", kind)
    with django_assert_max_num_queries(9):
        response = client.get(KINDS)
    assert len(response.context["service_kinds"]) == 52


def test_adding_the_same_contact_twice_makes_one_contact(world: World, sign_in: Any) -> None:
    client = sign_in(world.admin)
    data = {"name": "Politiet", "phone": "02800", "position": "0"}
    client.post(CONTACTS, data)
    second = client.post(CONTACTS, {**data, "name": "politiet"})
    assert second.context["form"].errors == {
        "__all__": ["There is already a contact called “politiet”."]
    }
    assert EmergencyContact.objects.filter(municipality=world.municipality).count() == 1
