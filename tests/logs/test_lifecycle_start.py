"""Starting a relay log: find the child by exact details, or register them, then ask
for consent."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stafett.audit.models import AccessLogEntry
from stafett.logs.models import RelayLog
from stafett.people.models import Subject
from tests import factories as f
from tests.conftest import World


def login(client: Client, user: Any) -> Client:
    """Log in, and read the pages in English (the source language of the asserts)."""
    f.login(client, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _start_data(world: World, **overrides: Any) -> dict[str, Any]:
    data = {
        "unit": str(world.kindergarten.uuid),
        "level": "2",
        "kind": "child",
        "first_name": world.child.first_name,
        "last_name": world.child.last_name,
        "birth_date": world.child.birth_date.isoformat(),
    }
    data.update(overrides)
    return data


def test_an_employee_starts_a_log_for_a_known_child_and_is_asked_for_consent_next(
    world: World, client: Client
) -> None:
    login(client, world.employee)
    response = client.post(reverse("logs:start"), _start_data(world))
    log = RelayLog.objects.get(subject=world.child)
    assert response.status_code == 302
    assert response["Location"] == reverse("logs:consent_request", kwargs={"log": log.uuid})
    assert log.coordinator == world.employee
    assert log.origin_unit == world.kindergarten
    assert log.level == 2
    assert log.status == RelayLog.Status.DRAFT
    # Finding the child by name and birth date is in the access log.
    assert AccessLogEntry.objects.filter(
        actor=world.employee, action="subject.find", subject_uuid=world.child.uuid
    ).exists()


def test_names_are_matched_whole_never_searched(world: World, client: Client) -> None:
    login(client, world.employee)
    response = client.post(
        reverse("logs:start"), _start_data(world, first_name="Mi", last_name="Mo")
    )
    assert response.status_code == 200
    assert "No one is registered with exactly this name and birth date." in (
        response.content.decode()
    )
    assert world.child.full_name not in response.content.decode()
    assert not RelayLog.objects.exists()
    assert Subject.objects.filter(first_name="Mi").count() == 0


def test_an_unknown_child_is_registered_only_when_the_employee_asks(
    world: World, client: Client
) -> None:
    login(client, world.employee)
    data = _start_data(
        world, first_name="Ola", last_name="Ny", birth_date="2019-03-04", kind="child"
    )
    client.post(reverse("logs:start"), data)
    assert not Subject.objects.filter(first_name="Ola", last_name="Ny").exists()
    response = client.post(reverse("logs:start"), {**data, "register": "1"})
    subject = Subject.objects.get(first_name="Ola", last_name="Ny")
    assert subject.municipality == world.municipality
    assert subject.birth_date == datetime.date(2019, 3, 4)
    assert response.status_code == 302
    assert RelayLog.objects.filter(subject=subject, coordinator=world.employee).exists()


def test_a_child_with_an_open_log_gets_a_clear_message_and_nothing_changes(
    world: World, client: Client
) -> None:
    login(client, world.employee)
    client.post(reverse("logs:start"), _start_data(world))
    client.logout()
    login(client, world.leader)
    response = client.post(reverse("logs:start"), _start_data(world))
    assert response.status_code == 200
    assert "This child already has an open relay log." in response.content.decode()
    assert RelayLog.objects.filter(subject=world.child).count() == 1


def test_a_double_submit_starts_one_log(world: World, client: Client) -> None:
    login(client, world.employee)
    client.post(reverse("logs:start"), _start_data(world))
    response = client.post(reverse("logs:start"), _start_data(world))
    assert "already has an open relay log" in response.content.decode()
    assert RelayLog.objects.count() == 1


def test_a_log_starts_only_in_a_unit_the_employee_works_in(world: World, client: Client) -> None:
    login(client, world.employee)
    response = client.post(reverse("logs:start"), _start_data(world, unit=str(world.school.uuid)))
    assert response.status_code == 200
    assert "Choose a unit you work in." in response.content.decode()
    assert not RelayLog.objects.exists()


def test_a_birth_date_in_the_future_is_refused(world: World, client: Client) -> None:
    login(client, world.employee)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        reverse("logs:start"),
        _start_data(world, first_name="Ny", birth_date=tomorrow.isoformat(), register="1"),
    )
    assert "The birth date cannot be in the future." in response.content.decode()
    assert not Subject.objects.filter(first_name="Ny").exists()


def test_a_child_in_another_municipality_is_never_found(world: World, client: Client) -> None:
    login(client, world.employee)
    other = world.other_child
    response = client.post(
        reverse("logs:start"),
        _start_data(
            world,
            first_name=other.first_name,
            last_name=other.last_name,
            birth_date=other.birth_date.isoformat(),
        ),
    )
    assert "No one is registered with exactly this name" in response.content.decode()
    assert not RelayLog.objects.exists()


def test_start_a_log_end_to_end_with_a_paper_consent(
    world: World, client: Client, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    login(client, world.employee)
    response = client.post(reverse("logs:start"), _start_data(world), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert "Gro Mor" in page  # who may sign
    log = RelayLog.objects.get(subject=world.child)
    form = response.context["form"]
    response = client.post(
        reverse("logs:consent_request", kwargs={"log": log.uuid}),
        {
            "purpose": form.initial["purpose"],
            "valid_from": timezone.localdate().isoformat(),
            "valid_to": (timezone.localdate() + datetime.timedelta(days=365)).isoformat(),
            "units": [str(world.kindergarten.uuid)],
            "method": "paper",
            "scanned_form": SimpleUploadedFile(
                "samtykke.pdf", b"%PDF-1.7 signed", content_type="application/pdf"
            ),
            "signed_by": ["0"],
            "seen": "",
        },
    )
    assert response.status_code == 302
    log.refresh_from_db()
    assert log.status == RelayLog.Status.ACTIVE
