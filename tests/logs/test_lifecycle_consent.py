"""Consent pages: the coordinator asks, registers paper, renews and changes the scope;
the family gives, confirms and withdraws; both see the history."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stafett.audit.models import AccessLogEntry
from stafett.consent.models import Consent, ConsentState, ConsentUnit
from stafett.consent.services import request_consent
from stafett.logs.models import Participant, RelayLog
from stafett.logs.services import start_log
from stafett.organisation.models import Unit
from tests import factories as f
from tests.conftest import World
from tests.logs.conftest import LogWorld, as_actor

TODAY = timezone.localdate


def login(client: Client, user: Any) -> Client:
    """Log in, and read the pages in English (the source language of the asserts)."""
    f.login(client, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def draft_log(world: World) -> RelayLog:
    return start_log(
        actor=as_actor(world.employee), subject=world.child, unit=world.kindergarten, level=1
    )


def _pdf(content: bytes = b"%PDF-1.4 signed form") -> SimpleUploadedFile:
    return SimpleUploadedFile("samtykke Mia Mor.pdf", content, content_type="application/pdf")


def _request_data(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "purpose": "Samarbeid mellom barnehage og skule.",
        "valid_from": TODAY().isoformat(),
        "valid_to": (TODAY() + datetime.timedelta(days=365)).isoformat(),
        "units": [str(world.kindergarten.uuid)],
        "method": "digital",
        "seen": "",
    }
    data.update(overrides)
    return data


def _url(name: str, log: RelayLog, **kwargs: Any) -> str:
    return reverse(name, kwargs={"log": log.uuid, **kwargs})


def test_the_request_page_is_prefilled_with_plain_defaults(
    world: World, client: Client, draft_log: RelayLog
) -> None:
    world.municipality.consent_validity_months = 6
    world.municipality.save()
    login(client, world.employee)
    response = client.get(_url("logs:consent_request", draft_log))
    form = response.context["form"]
    assert form.initial["valid_from"] == TODAY()
    assert form.initial["valid_to"].month == (TODAY().month + 5) % 12 + 1
    assert "Mia" in form.initial["purpose"]
    assert form.initial["units"] == [world.kindergarten.uuid]


def test_a_paper_consent_with_an_uploaded_scan_activates_the_log(
    world: World, client: Client, draft_log: RelayLog
) -> None:
    login(client, world.employee)
    response = client.post(
        _url("logs:consent_request", draft_log),
        _request_data(world, method="paper", scanned_form=_pdf(), signed_by=["0"]),
    )
    assert response.status_code == 302
    draft_log.refresh_from_db()
    assert draft_log.status == RelayLog.Status.ACTIVE
    consent = Consent.objects.get(log=draft_log)
    assert consent.state() is ConsentState.VALID
    # The child's name in the browser's file name never reaches the disk.
    assert "Mia" not in consent.scanned_form.name
    assert consent.scanned_form.name.endswith(".pdf")


def test_a_paper_consent_with_no_one_ticked_changes_nothing(
    world: World, client: Client, draft_log: RelayLog
) -> None:
    login(client, world.employee)
    response = client.post(
        _url("logs:consent_request", draft_log),
        _request_data(world, method="paper", scanned_form=_pdf()),
    )
    assert response.status_code == 200
    assert "Tick who signed the paper form." in response.content.decode()
    assert not Consent.objects.exists()


def test_a_scan_that_is_not_a_pdf_jpeg_or_png_is_refused(
    world: World, client: Client, draft_log: RelayLog
) -> None:
    login(client, world.employee)
    response = client.post(
        _url("logs:consent_request", draft_log),
        _request_data(world, method="paper", scanned_form=_pdf(b"MZ not a pdf"), signed_by=["0"]),
    )
    assert "not a readable PDF, JPEG or PNG" in response.content.decode()
    assert not Consent.objects.exists()


def test_a_consent_ending_before_it_starts_changes_nothing(
    world: World, client: Client, draft_log: RelayLog
) -> None:
    login(client, world.employee)
    response = client.post(
        _url("logs:consent_request", draft_log),
        _request_data(world, valid_to=(TODAY() - datetime.timedelta(days=1)).isoformat()),
    )
    assert "The consent cannot end before it starts." in response.content.decode()
    assert not Consent.objects.exists()


def test_the_coordinators_unit_must_be_in_the_consent(
    world: World, client: Client, draft_log: RelayLog
) -> None:
    login(client, world.employee)
    response = client.post(
        _url("logs:consent_request", draft_log),
        _request_data(world, units=[str(world.school.uuid)]),
    )
    assert "where the coordinator works, must be in the consent" in response.content.decode()
    assert not Consent.objects.exists()


def test_a_double_submitted_paper_consent_is_registered_once(
    world: World, client: Client, draft_log: RelayLog
) -> None:
    login(client, world.employee)
    url = _url("logs:consent_request", draft_log)
    client.post(url, _request_data(world, method="paper", scanned_form=_pdf(), signed_by=["0"]))
    response = client.post(
        url, _request_data(world, method="paper", scanned_form=_pdf(), signed_by=["0"])
    )
    assert response.status_code == 200
    assert "perhaps the form was sent twice" in response.content.decode()
    assert Consent.objects.count() == 1


def test_digital_consent_given_by_the_guardian_activates_the_log(
    world: World, client: Client, draft_log: RelayLog
) -> None:
    login(client, world.employee)
    client.post(_url("logs:consent_request", draft_log), _request_data(world))
    consent = Consent.objects.get(log=draft_log)
    assert consent.state() is ConsentState.PENDING
    client.logout()
    login(client, world.guardian)
    page = client.get(_url("logs:consent", draft_log)).content.decode()
    assert "Yes, I consent" in page
    assert "Solsida barnehage" in page
    response = client.post(_url("logs:consent_give", draft_log, consent=consent.uuid), follow=True)
    assert "The consent is in force." in response.content.decode()
    draft_log.refresh_from_db()
    assert draft_log.status == RelayLog.Status.ACTIVE
    # A second press changes nothing.
    client.post(_url("logs:consent_give", draft_log, consent=consent.uuid))
    assert consent.givers.get().given_at is not None
    assert draft_log.entries.filter(latest__event_type="consent.given").count() == 1


def test_a_guardian_without_parental_responsibility_sees_nothing(
    world: World, client: Client, draft_log: RelayLog
) -> None:
    login(client, world.guardian_without_responsibility)
    assert client.get(_url("logs:consent", draft_log)).status_code == 404


def test_withdrawing_ends_the_participants_access_at_once(
    active_log: LogWorld, client: Client
) -> None:
    w, log = active_log.world, active_log.log
    login(client, w.guardian)
    page = client.get(_url("logs:consent_withdraw", log)).content.decode()
    assert "The services can no longer read or write in the log." in page
    response = client.post(_url("logs:consent_withdraw", log), follow=True)
    assert "The consent is withdrawn." in response.content.decode()
    client.logout()
    login(client, w.school_employee)
    assert client.get(reverse("logs:detail", kwargs={"log": log.uuid})).status_code == 403
    # The guardian still reads the history.
    client.logout()
    login(client, w.guardian)
    assert "Withdrawn" in client.get(_url("logs:consent", log)).content.decode()


def test_a_renewal_replaces_the_expiring_consent_and_the_history_is_kept(
    active_log: LogWorld, client: Client
) -> None:
    w, log = active_log.world, active_log.log
    Consent.objects.filter(pk=active_log.consent.pk).update(
        valid_from=TODAY() - datetime.timedelta(days=340),
        valid_to=TODAY() + datetime.timedelta(days=10),
    )
    login(client, w.employee)
    page = client.get(_url("logs:consent_request", log)).content.decode()
    assert "It stays in force until the new one is given" in page
    seen = str(active_log.consent.uuid)
    response = client.post(
        _url("logs:consent_request", log),
        _request_data(
            world=w,
            units=[str(w.kindergarten.uuid), str(w.school.uuid)],
            seen=seen,
        ),
    )
    assert response.status_code == 302
    renewal = Consent.objects.exclude(pk=active_log.consent.pk).get()
    # Until the family answers, the old consent keeps the log open.
    login(client, w.school_employee)
    assert client.get(reverse("logs:detail", kwargs={"log": log.uuid})).status_code == 200
    login(client, w.guardian)
    client.post(_url("logs:consent_give", log, consent=renewal.uuid))
    renewal.refresh_from_db()
    assert renewal.replaces_id == active_log.consent.pk
    page = client.get(_url("logs:consent", log)).content.decode()
    assert "Replaced by a renewal" in page
    assert page.count("lc-consent__head") == 2


def test_a_cancelled_renewal_does_not_block_the_next_one(
    active_log: LogWorld, client: Client
) -> None:
    w, log = active_log.world, active_log.log
    login(client, w.employee)
    data = _request_data(w, seen=str(active_log.consent.uuid))
    client.post(_url("logs:consent_request", log), data)
    response = client.post(_url("logs:consent_cancel", log), follow=True)
    assert "The request for consent is cancelled." in response.content.decode()
    response = client.post(_url("logs:consent_request", log), data)
    assert response.status_code == 302
    assert Consent.objects.filter(log=log).count() == 3


def test_a_wider_scope_needs_the_familys_confirmation_before_anyone_joins(
    active_log: LogWorld, client: Client
) -> None:
    w, log = active_log.world, active_log.log
    health = f.make_unit(w.municipality, "Testvik helsestasjon")
    nurse = f.make_user(w.municipality, username="nurse", first_name="Hanne", last_name="Helse")
    f.add_membership(nurse, health)
    login(client, w.employee)
    response = client.post(_url("logs:scope_add", log), {"unit": str(health.uuid)}, follow=True)
    assert "The family is asked to confirm" in response.content.decode()
    add = {"unit": str(health.uuid), "person": str(nurse.uuid), "task": "Helsesjukepleiar"}
    response = client.post(_url("logs:participants", log), {**add, "can_write": "1"})
    assert "is not in the family" in response.content.decode()
    assert not Participant.objects.filter(user=nurse).exists()
    # The guardian confirms; now the nurse can be added.
    login(client, w.guardian)
    page = client.get(_url("logs:consent", log)).content.decode()
    assert "May Testvik helsestasjon take part too?" in page
    client.post(_url("logs:scope_confirm", log, consent=active_log.consent.uuid, unit=health.uuid))
    assert ConsentUnit.objects.get(unit=health).confirmed_at is not None
    login(client, w.employee)
    client.post(_url("logs:participants", log), {**add, "can_write": "1"})
    assert Participant.objects.filter(user=nurse, removed_at__isnull=True).exists()


def test_narrowing_the_scope_removes_access_at_once(active_log: LogWorld, client: Client) -> None:
    w, log = active_log.world, active_log.log
    login(client, w.employee)
    response = client.post(_url("logs:scope_remove", log, unit=w.school.uuid), follow=True)
    assert "Its people lost access at once." in response.content.decode()
    login(client, w.school_employee)
    assert client.get(reverse("logs:detail", kwargs={"log": log.uuid})).status_code == 403


def test_the_coordinators_own_unit_cannot_leave_the_consent(
    active_log: LogWorld, client: Client
) -> None:
    w, log = active_log.world, active_log.log
    login(client, w.employee)
    response = client.post(_url("logs:scope_remove", log, unit=w.kindergarten.uuid), follow=True)
    assert "cannot leave the consent" in response.content.decode()
    assert ConsentUnit.objects.filter(unit=w.kindergarten, removed_at__isnull=True).exists()


def test_the_scanned_form_downloads_as_an_attachment_and_is_logged(
    world: World, client: Client, draft_log: RelayLog
) -> None:
    consent = request_consent(
        actor=as_actor(world.employee),
        log=draft_log,
        purpose="Samarbeid.",
        valid_from=TODAY(),
        valid_to=None,
        units=[world.kindergarten],
        method=Consent.Method.PAPER,
        scanned_form=_pdf(),
        signed_by=[0],
    )
    url = _url("logs:consent_scan", draft_log, consent=consent.uuid)
    for user in (world.employee, world.guardian):
        login(client, user)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert b"".join(response.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
        assert AccessLogEntry.objects.filter(
            actor=user, action="consent.scan", object_uuid=consent.uuid
        ).exists()


def test_reading_the_consent_page_is_in_the_access_log(
    active_log: LogWorld, client: Client
) -> None:
    w, log = active_log.world, active_log.log
    login(client, w.guardian)
    client.get(_url("logs:consent", log))
    entry = AccessLogEntry.objects.filter(actor=w.guardian, action="consent.view").get()
    assert entry.subject_uuid == w.child.uuid
    assert entry.role == "guardian"


def test_scope_units_are_addressed_by_uuids_not_ids(active_log: LogWorld, client: Client) -> None:
    w, log = active_log.world, active_log.log
    other_unit = Unit.objects.get(pk=w.other_unit.pk)
    login(client, w.guardian)
    url = _url("logs:scope_confirm", log, consent=active_log.consent.uuid, unit=other_unit.uuid)
    assert client.post(url).status_code == 404


def test_a_renewal_starts_from_the_consent_in_force_with_waiting_units(
    active_log: LogWorld, client: Client
) -> None:
    w, log = active_log.world, active_log.log
    health = f.make_unit(w.municipality, "Testvik helsestasjon")
    login(client, w.employee)
    client.post(_url("logs:scope_add", log), {"unit": str(health.uuid)})
    response = client.get(_url("logs:consent_request", log))
    form = response.context["form"]
    assert set(form.initial["units"]) == {w.kindergarten.uuid, w.school.uuid, health.uuid}
    assert form.initial["purpose"] == active_log.consent.purpose
