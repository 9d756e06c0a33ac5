"""The administrator's overview of the municipality and its settings."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stafett.organisation.models import EmergencyContact, Membership, Municipality
from tests import factories as f
from tests.conftest import World
from tests.organisation.conftest import messages_of

OVERVIEW = reverse("organisation:overview")
SETTINGS = reverse("organisation:settings")


def test_the_overview_shows_units_leaders_services_and_contacts(world: World, sign_in: Any) -> None:
    EmergencyContact.objects.create(municipality=world.municipality, name="Politiet", phone="02800")
    page = sign_in(world.admin).get(OVERVIEW).content.decode()
    assert "Solsida barnehage" in page
    assert "Testvik skule" in page
    assert "Lars Leiar" in page  # the kindergarten's leader
    assert "No leader" in page  # the school has none
    assert "Barnehage" in page
    assert "Politiet" in page
    assert reverse("organisation:unit_edit", kwargs={"unit": world.kindergarten.uuid}) in page


def test_the_overview_counts_only_current_employees(world: World, sign_in: Any) -> None:
    gone = f.make_user(world.municipality, first_name="Gone", last_name="Person")
    membership = f.add_membership(gone, world.kindergarten)
    membership.ended_at = membership.started_at
    membership.save()
    response = sign_in(world.admin).get(OVERVIEW)
    units = {unit.name: unit for unit in response.context["units"]}
    assert units["Solsida barnehage"].employee_count == 1
    assert units["Testvik skule"].employee_count == 1


def test_the_overview_takes_the_same_number_of_queries_for_fifty_units(
    world: World, sign_in: Any, django_assert_max_num_queries: Any
) -> None:
    client = sign_in(world.admin)
    client.get(OVERVIEW)  # warm up the session
    with CaptureQueriesContext(connection) as few_units:
        client.get(OVERVIEW)
    kind = world.kindergarten.service_kind
    for number in range(50):
        unit = f.make_unit(world.municipality, f"Eining {number:02}", kind)
        f.add_membership(
            f.make_user(world.municipality, first_name=f"Leiar {number}"),
            unit,
            Membership.Role.LEADER,
        )
        for _ in range(2):
            f.add_membership(f.make_user(world.municipality), unit)
        EmergencyContact.objects.create(
            municipality=world.municipality, name=f"Kontakt {number}", phone="1"
        )
        f.make_service_kind(world.municipality, f"Teneste {number}")
    with django_assert_max_num_queries(12) as many_units:
        response = client.get(OVERVIEW)
    assert response.status_code == 200
    assert len(many_units) == len(few_units)
    assert len(response.context["units"]) == 52
    assert "Leiar 49" in response.content.decode()


def test_the_administrator_changes_the_settings(world: World, sign_in: Any) -> None:
    response = sign_in(world.admin).post(
        SETTINGS,
        {
            "language": "nb",
            "consent_age": "16",
            "consent_validity_months": "6",
            "retention_years": "5",
            "level0_deadline_days": "21",
            # all_guardians_must_consent left unticked
        },
        follow=True,
    )
    assert "The settings are saved." in messages_of(response)
    m = Municipality.objects.get(id=world.municipality.id)
    assert (m.language, m.consent_age, m.consent_validity_months) == ("nb", 16, 6)
    assert (m.retention_years, m.level0_deadline_days) == (5, 21)
    assert m.all_guardians_must_consent is False
    assert m.name == "Testvik kommune"


def test_settings_out_of_range_are_refused_and_nothing_changes(world: World, sign_in: Any) -> None:
    response = sign_in(world.admin).post(
        SETTINGS,
        {
            "language": "en",
            "consent_age": "14",
            "consent_validity_months": "0",
            "retention_years": "500",
            "level0_deadline_days": "",
            "all_guardians_must_consent": "on",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {
        "language",
        "consent_age",
        "consent_validity_months",
        "retention_years",
        "level0_deadline_days",
    }
    page = response.content.decode()
    assert 'aria-invalid="true"' in page
    assert 'aria-describedby="id_consent_age_error' in page
    m = Municipality.objects.get(id=world.municipality.id)
    assert (m.language, m.consent_age, m.retention_years) == ("nn", 15, 10)


def test_the_settings_form_cannot_rename_the_municipality(world: World, sign_in: Any) -> None:
    sign_in(world.admin).post(
        SETTINGS,
        {
            "name": "Renamed",
            "language": "nn",
            "consent_age": "15",
            "consent_validity_months": "12",
            "retention_years": "10",
            "level0_deadline_days": "14",
        },
    )
    assert Municipality.objects.get(id=world.municipality.id).name == "Testvik kommune"


def test_another_municipalitys_settings_are_never_touched(world: World, sign_in: Any) -> None:
    sign_in(world.other_staff).post(
        SETTINGS,
        {
            "language": "nn",
            "consent_age": "16",
            "consent_validity_months": "12",
            "retention_years": "10",
            "level0_deadline_days": "14",
        },
    )
    assert Municipality.objects.get(id=world.other_municipality.id).consent_age == 16
    assert Municipality.objects.get(id=world.municipality.id).consent_age == 15
