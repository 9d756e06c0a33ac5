"""Who reaches which organisation page: the administrator's pages, the leader's pages.

Staff of the municipality without the right get 403; citizens and the other
municipality's staff get 404, as if the pages did not exist for them.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from stafett.organisation.models import EmergencyContact
from tests.conftest import World


def _admin_urls(world: World) -> list[str]:
    contact = EmergencyContact.objects.create(
        municipality=world.municipality, name="Barnevernet", phone="12345678"
    )
    unit = world.kindergarten
    return [
        reverse("organisation:overview"),
        reverse("organisation:settings"),
        reverse("organisation:contacts"),
        reverse("organisation:contact_edit", kwargs={"contact": contact.uuid}),
        reverse("organisation:contact_remove", kwargs={"contact": contact.uuid}),
        reverse("organisation:service_kinds"),
        reverse("organisation:service_kind_edit", kwargs={"kind": unit.service_kind.uuid}),
        reverse("organisation:unit_create"),
        reverse("organisation:unit_edit", kwargs={"unit": unit.uuid}),
        reverse(
            "organisation:leader_remove", kwargs={"unit": unit.uuid, "person": world.leader.uuid}
        ),
    ]


def _leader_urls(world: World) -> list[str]:
    unit = world.kindergarten
    return [
        reverse("organisation:unit_staff", kwargs={"unit": unit.uuid}),
        reverse(
            "organisation:employee_remove",
            kwargs={"unit": unit.uuid, "person": world.employee.uuid},
        ),
    ]


def _statuses(client: Any, urls: list[str]) -> dict[str, int]:
    return {url: client.get(url).status_code for url in urls}


def test_the_administrator_opens_every_administrator_page(world: World, sign_in: Any) -> None:
    urls = _admin_urls(world)
    assert _statuses(sign_in(world.admin), urls) == dict.fromkeys(urls, 200)


@pytest.mark.parametrize("persona", ["leader", "employee"])
def test_staff_without_the_role_are_forbidden_the_administrator_pages(
    world: World, sign_in: Any, persona: str
) -> None:
    urls = _admin_urls(world)
    assert _statuses(sign_in(world.persona(persona)), urls) == dict.fromkeys(urls, 403)


@pytest.mark.parametrize("persona", ["guardian", "youth"])
def test_citizens_do_not_find_the_administrator_pages(
    world: World, sign_in: Any, persona: str
) -> None:
    urls = _admin_urls(world)
    assert _statuses(sign_in(world.persona(persona)), urls) == dict.fromkeys(urls, 404)


def test_another_municipalitys_administrator_does_not_find_our_objects(
    world: World, sign_in: Any
) -> None:
    # Pages without an id show the outsider's own municipality; pages with our ids are hidden.
    urls = [url for url in _admin_urls(world) if any(ch.isdigit() for ch in url)]
    assert _statuses(sign_in(world.other_staff), urls) == dict.fromkeys(urls, 404)


def test_another_municipalitys_administrator_sees_only_their_own_overview(
    world: World, sign_in: Any
) -> None:
    page = sign_in(world.other_staff).get(reverse("organisation:overview")).content.decode()
    assert "Nabovik barnehage" in page
    assert "Solsida barnehage" not in page
    assert "Testvik" not in page


def test_the_leader_opens_their_unit_staff_pages(world: World, sign_in: Any) -> None:
    urls = _leader_urls(world)
    assert _statuses(sign_in(world.leader), urls) == dict.fromkeys(urls, 200)


@pytest.mark.parametrize("persona", ["admin", "employee", "school_employee"])
def test_staff_who_do_not_lead_the_unit_are_forbidden_its_staff_pages(
    world: World, sign_in: Any, persona: str
) -> None:
    urls = _leader_urls(world)
    assert _statuses(sign_in(world.persona(persona)), urls) == dict.fromkeys(urls, 403)


@pytest.mark.parametrize("persona", ["guardian", "youth", "other_staff"])
def test_outsiders_do_not_find_the_unit_staff_pages(
    world: World, sign_in: Any, persona: str
) -> None:
    urls = _leader_urls(world)
    assert _statuses(sign_in(world.persona(persona)), urls) == dict.fromkeys(urls, 404)


def test_a_leader_does_not_find_another_municipalitys_unit(world: World, sign_in: Any) -> None:
    url = reverse("organisation:unit_staff", kwargs={"unit": world.other_unit.uuid})
    assert sign_in(world.leader).get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(world: World, client: Any) -> None:
    for url in _admin_urls(world) + _leader_urls(world):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_changes_are_refused_the_same_way_as_pages(world: World, sign_in: Any) -> None:
    unit = world.kindergarten
    add_leader = reverse("organisation:leader_add", kwargs={"unit": unit.uuid})
    add_employee = reverse("organisation:employee_add", kwargs={"unit": unit.uuid})
    data = {"existing-person": str(world.school_employee.uuid)}
    assert sign_in(world.employee).post(add_leader, data).status_code == 403
    assert sign_in(world.other_staff).post(add_leader, data).status_code == 404
    assert sign_in(world.admin).post(add_employee, data).status_code == 403
    assert sign_in(world.guardian).post(add_employee, data).status_code == 404
    assert not world.school_employee.memberships.filter(unit=unit).exists()


def test_changes_need_a_post(world: World, sign_in: Any) -> None:
    unit = world.kindergarten
    client = sign_in(world.admin)
    assert (
        client.get(reverse("organisation:leader_add", kwargs={"unit": unit.uuid})).status_code
        == 405
    )
    client = sign_in(world.leader)
    assert (
        client.get(reverse("organisation:employee_new", kwargs={"unit": unit.uuid})).status_code
        == 405
    )
