"""The administrator's log-in page: national identity numbers (checked, stored only as a
keyed hash and a masked form), staff link requests (approve, refuse), query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stafett.audit.models import AccessLogEntry
from stafett.signin import pid
from stafett.signin.models import ExternalIdentity, LinkRequest, Provider
from tests import factories as f
from tests.conftest import World
from tests.factories import login
from tests.signin.helpers import GUARDIAN_PID, YOUTH_PID

MANAGE = reverse("signin:manage")


def admin_client(world: World) -> Client:
    client = f.english_client()
    login(client, world.admin)
    return client


def register(client: Client, person: Any, number: str) -> Any:
    return client.post(MANAGE, {"form": "national_id", "id-person": person.pk, "id-number": number})


# --- the national identity number ------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        (GUARDIAN_PID, True),
        ("010190 100 46", True),
        ("01019010047", False),  # last check digit wrong
        ("01019010036", False),  # first check digit wrong
        ("0101901004", False),  # ten digits
        ("0101901004x", False),
        ("٠١٠١٩٠١٠٠٤٦", False),  # Arabic-Indic digits are digits, but not ours
    ],
)
def test_the_national_identity_number_checksum(number: str, valid: bool) -> None:
    if valid:
        assert pid.validate(number) == GUARDIAN_PID
    else:
        with pytest.raises(ValidationError):
            pid.validate(number)


def test_the_hash_is_keyed(settings: Any) -> None:
    first = pid.keyed_hash(GUARDIAN_PID)
    settings.STAFETT_PID_KEY = "another-key-another-key-another-key"
    assert pid.keyed_hash(GUARDIAN_PID) != first
    assert GUARDIAN_PID not in first and len(first) == 64


@pytest.mark.django_db
def test_the_administrator_registers_a_guardians_number(world: World) -> None:
    client = admin_client(world)
    response = register(client, world.guardian, "010190-10046")
    assert response.status_code == 302
    world.guardian.refresh_from_db()
    assert world.guardian.pid_hash == pid.keyed_hash(GUARDIAN_PID)
    assert world.guardian.pid_masked == "010190 *****"
    page = client.get(MANAGE).content.decode()
    assert "Gro Mor (010190 *****)" in page
    assert GUARDIAN_PID not in page
    row = AccessLogEntry.objects.get(action="signin.national_id_registered")
    assert row.object_uuid == world.guardian.uuid and GUARDIAN_PID not in row.reason


@pytest.mark.django_db
def test_a_wrong_check_digit_gets_a_clear_message_and_changes_nothing(world: World) -> None:
    response = register(admin_client(world), world.guardian, "01019010047")
    assert response.status_code == 200
    body = response.content.decode()
    assert "This is not a valid national identity number: the check digits do not match" in body
    world.guardian.refresh_from_db()
    assert world.guardian.pid_hash == "" and world.guardian.pid_masked == ""
    assert not AccessLogEntry.objects.filter(action="signin.national_id_registered").exists()


@pytest.mark.django_db
def test_a_number_registered_for_someone_else_is_refused(world: World) -> None:
    client = admin_client(world)
    register(client, world.guardian, GUARDIAN_PID)
    response = register(client, world.youth, GUARDIAN_PID)
    assert "already registered for another person" in response.content.decode()
    world.youth.refresh_from_db()
    assert world.youth.pid_hash == ""
    assert register(client, world.youth, YOUTH_PID).status_code == 302


@pytest.mark.django_db
def test_only_guardians_and_youth_of_the_municipality_can_be_chosen(world: World) -> None:
    client = admin_client(world)
    for person in (world.employee, world.other_staff):
        response = register(client, person, GUARDIAN_PID)
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
    world.employee.refresh_from_db()
    assert world.employee.pid_hash == ""


# --- staff link requests ---------------------------------------------------------------


def _link(world: World, subject: str = "sub-1", municipality: Any = None) -> LinkRequest:
    m = municipality or world.municipality
    provider, _ = Provider.objects.get_or_create(
        municipality=m,
        kind=Provider.Kind.FEIDE,
        defaults={"issuer": f"https://feide.test/{m.pk}", "client_id": "c"},
    )
    return LinkRequest.objects.create(
        municipality=m, provider=provider, issuer=provider.issuer, subject=subject, name=subject
    )


@pytest.mark.django_db
def test_approving_with_another_municipalitys_account_changes_nothing(world: World) -> None:
    link = _link(world)
    response = admin_client(world).post(
        reverse("signin:link_decide", kwargs={"link": link.uuid}),
        {"decision": "approve", f"{link.uuid}-account": world.other_staff.pk},
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.status == LinkRequest.Status.PENDING
    assert not ExternalIdentity.objects.exists()


@pytest.mark.django_db
def test_a_request_is_answered_once(world: World) -> None:
    link = _link(world)
    client = admin_client(world)
    url = reverse("signin:link_decide", kwargs={"link": link.uuid})
    client.post(url, {"decision": "refuse"})
    response = client.post(
        url, {"decision": "approve", f"{link.uuid}-account": world.employee.pk}, follow=True
    )
    assert "This request has already been answered. Nothing was changed." in (
        response.content.decode()
    )
    link.refresh_from_db()
    assert link.status == LinkRequest.Status.REFUSED
    assert not ExternalIdentity.objects.exists()


@pytest.mark.django_db
def test_another_municipalitys_request_is_not_found(world: World) -> None:
    link = _link(world, municipality=world.other_municipality)
    response = admin_client(world).post(
        reverse("signin:link_decide", kwargs={"link": link.uuid}), {"decision": "refuse"}
    )
    assert response.status_code == 404
    link.refresh_from_db()
    assert link.status == LinkRequest.Status.PENDING


@pytest.mark.django_db
def test_the_page_takes_the_same_number_of_queries_for_many_requests_and_people(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = admin_client(world)
    _link(world)
    client.get(MANAGE)  # warm up the session
    with CaptureQueriesContext(connection) as few:
        client.get(MANAGE)
    for number in range(30):
        _link(world, subject=f"sub-{number + 2}")
        f.make_user(world.municipality, first_name=f"Tilsett {number}")
        f.make_user(world.municipality, kind="citizen", first_name=f"Føresett {number}")
    with django_assert_max_num_queries(len(few)) as many:
        response = client.get(MANAGE)
    body = response.content.decode()
    assert "sub-31" in body and "Tilsett 29" in body and "Føresett 29" in body
    assert len(many) == len(few)


def test_production_refuses_to_start_without_its_own_pid_key() -> None:
    from tests.test_settings_startup import _start

    result = _start(STAFETT_PRODUCTION="1", STAFETT_PID_KEY="")
    assert result.returncode != 0
    assert "STAFETT_PID_KEY must be set in production" in result.stderr


@pytest.mark.django_db
def test_the_operator_marks_a_break_glass_account(world: World) -> None:
    from django.core.management import call_command

    call_command("signin_break_glass", "admin")
    world.admin.refresh_from_db()
    assert world.admin.is_break_glass
    assert AccessLogEntry.objects.filter(action="signin.break_glass_on").exists()
    call_command("signin_break_glass", "admin", "--off")
    world.admin.refresh_from_db()
    assert not world.admin.is_break_glass


@pytest.mark.django_db
def test_the_operator_sets_up_a_provider(world: World) -> None:
    from django.core.management import call_command

    slug = world.municipality.slug
    call_command(
        "signin_provider", slug, "idporten", "--issuer", "https://idporten.no", "--client-id", "x"
    )
    provider = Provider.objects.get(municipality=world.municipality)
    assert (provider.issuer, provider.client_id, provider.required_acr, provider.is_active) == (
        "https://idporten.no",
        "x",
        "idporten-loa-high",
        True,
    )
    call_command("signin_provider", slug, "idporten", "--off")
    provider.refresh_from_db()
    assert not provider.is_active
