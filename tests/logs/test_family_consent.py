"""Consent in the family's hands (issue 6, item 2): renewing it themselves, asking the
coordinator to add or take out a unit (the coordinator sees the request and answers),
and the municipality's consent texts in the languages families read."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from stafett.consent.models import Consent, ConsentText, ScopeChangeRequest
from stafett.consent.services import (
    answer_scope_change,
    ask_scope_change,
    renew_by_family,
    save_consent_text,
    withdraw_consent,
)
from stafett.organisation.models import ServiceCategory
from stafett.policy import current_consent, log_facts
from tests import factories as f
from tests.logs.conftest import LogWorld, as_actor


def consent_url(lw: LogWorld, **query: str) -> str:
    url = reverse("logs:consent", kwargs={"log": lw.log.uuid})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def health_unit(lw: LogWorld) -> Any:
    m = lw.world.municipality
    return f.make_unit(
        m, "Testvik helsestasjon", f.make_service_kind(m, "Helsestasjon", ServiceCategory.BASIS)
    )


# --- Renewing ---------------------------------------------------------------------------


def test_the_guardian_renews_and_the_renewal_replaces_the_consent(active_log: LogWorld) -> None:
    w, log, old = active_log.world, active_log.log, active_log.consent
    renewal = renew_by_family(actor=as_actor(w.guardian), log=log)
    assert renewal.completed_at is not None
    assert renewal.replaces_id == old.id
    assert renewal.purpose == old.purpose
    assert set(renewal.scope.values_list("unit_id", flat=True)) == {w.kindergarten.id, w.school.id}
    consent, state = current_consent(log)
    assert consent.id == renewal.id and state.grants_access


def test_with_two_guardians_the_old_consent_counts_until_both_have_renewed(
    active_log: LogWorld,
) -> None:
    w, log = active_log.world, active_log.log
    father = f.make_user(w.municipality, kind="citizen", first_name="Far", last_name="Mor")
    f.add_guardian(w.child, father)
    renewal = renew_by_family(actor=as_actor(w.guardian), log=log)
    assert renewal.completed_at is None
    consent, _state = current_consent(log)
    assert consent.id == active_log.consent.id  # still the old one
    with pytest.raises(ValidationError):
        renew_by_family(actor=as_actor(w.guardian), log=log)  # one renewal at a time


def test_only_the_people_whose_consent_counts_renew(active_log: LogWorld, login_as: Any) -> None:
    w, log = active_log.world, active_log.log
    with pytest.raises(PermissionDenied):
        renew_by_family(actor=as_actor(w.employee), log=log)
    url = reverse("logs:consent_renew", kwargs={"log": log.uuid})
    assert login_as(w.school_employee).post(url).status_code == 403
    assert login_as(w.guardian_without_responsibility).post(url).status_code == 404
    withdraw_consent(actor=as_actor(w.guardian), log=log)
    with pytest.raises(ValidationError):
        renew_by_family(actor=as_actor(w.guardian), log=log)


def test_the_consent_page_summarises_before_the_family_renews(
    active_log: LogWorld, login_as: Any
) -> None:
    client = login_as(active_log.world.guardian)
    html = client.get(consent_url(active_log)).content.decode()
    assert "What it is for" in html and "Solsida barnehage" in html and "Testvik skule" in html
    assert "Renew your consent" in html
    response = client.post(reverse("logs:consent_renew", kwargs={"log": active_log.log.uuid}))
    assert response.status_code == 302
    assert Consent.objects.filter(log=active_log.log).count() == 2


# --- Asking to change the scope -------------------------------------------------------------


def test_the_family_asks_to_add_a_unit_and_the_coordinator_adds_it(
    active_log: LogWorld, login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    health = health_unit(active_log)
    client = login_as(w.guardian)
    response = client.post(
        reverse("logs:scope_ask", kwargs={"log": log.uuid}),
        {"kind": "add", "unit": str(health.uuid), "message": "Helsesjukepleiaren kjenner Mia."},
    )
    assert response.status_code == 302
    request = ScopeChangeRequest.objects.get(log=log)
    assert request.status == ScopeChangeRequest.Status.OPEN
    # The coordinator sees it on the log page, the consent page and the home page.
    coordinator = login_as(w.employee)
    for url in (reverse("logs:detail", kwargs={"log": log.uuid}), consent_url(active_log), "/"):
        html = coordinator.get(url).content.decode()
        assert "Testvik helsestasjon" in html and "may take part" in html, url
    response = coordinator.post(
        reverse("logs:scope_answer", kwargs={"log": log.uuid, "request_id": request.uuid}),
        {"accept": "1"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == ScopeChangeRequest.Status.DONE
    # Gro asked for it and is the only one who must consent: it counts at once.
    facts = log_facts(as_actor(w.employee), log)
    assert health.id in facts.scope_unit_ids


def test_the_family_asks_to_take_a_unit_out_and_its_people_lose_access(
    active_log: LogWorld, login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    request = ask_scope_change(
        actor=as_actor(w.guardian), log=log, unit=w.school, kind="remove", message=""
    )
    assert login_as(w.school_employee).get(f"/logs/{log.uuid}/").status_code == 200
    answer_scope_change(actor=as_actor(w.employee), request=request, accept=True)
    assert login_as(w.school_employee).get(f"/logs/{log.uuid}/").status_code == 403


def test_saying_no_needs_a_reason_the_family_then_reads(
    active_log: LogWorld, login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    request = ask_scope_change(actor=as_actor(w.guardian), log=log, unit=w.school, kind="remove")
    with pytest.raises(ValidationError):
        answer_scope_change(actor=as_actor(w.employee), request=request, accept=False)
    answer_scope_change(
        actor=as_actor(w.employee),
        request=request,
        accept=False,
        answer="Skulen treng å vere med til sommaren.",
    )
    html = login_as(w.guardian).get(consent_url(active_log)).content.decode()
    assert "Skulen treng å vere med til sommaren." in html and "Not done" in html


def test_requests_that_make_no_sense_are_refused(active_log: LogWorld) -> None:
    w, log = active_log.world, active_log.log
    gro = as_actor(w.guardian)
    with pytest.raises(ValidationError):
        ask_scope_change(actor=gro, log=log, unit=w.school, kind="add")  # already in
    with pytest.raises(ValidationError):
        ask_scope_change(actor=gro, log=log, unit=w.kindergarten, kind="remove")  # coordinator's
    with pytest.raises(ValidationError):
        ask_scope_change(actor=gro, log=log, unit=w.other_unit, kind="add")  # other municipality
    ask_scope_change(actor=gro, log=log, unit=w.school, kind="remove")
    with pytest.raises(ValidationError):
        ask_scope_change(actor=gro, log=log, unit=w.school, kind="remove")  # asked already
    with pytest.raises(PermissionDenied):
        ask_scope_change(actor=as_actor(w.school_employee), log=log, unit=w.school, kind="remove")


def test_only_the_coordinator_answers(active_log: LogWorld, login_as: Any) -> None:
    w, log = active_log.world, active_log.log
    request = ask_scope_change(actor=as_actor(w.guardian), log=log, unit=w.school, kind="remove")
    url = reverse("logs:scope_answer", kwargs={"log": log.uuid, "request_id": request.uuid})
    assert login_as(w.school_employee).post(url, {"accept": "1"}).status_code == 403
    assert login_as(w.guardian).post(url, {"accept": "1"}).status_code == 403
    request.refresh_from_db()
    assert request.status == ScopeChangeRequest.Status.OPEN


# --- Consent texts in more languages -------------------------------------------------------


def test_the_administrator_adds_a_text_the_family_reads_right_to_left(
    active_log: LogWorld, login_as: Any
) -> None:
    w = active_log.world
    admin = login_as(w.admin)
    response = admin.post(
        reverse("organisation:consent_texts"),
        {
            "language": "ar",
            "information": "سجل التتابع هو ...",
            "consent_statement": "أوافق على ...",
            "withdraw_text": "إذا سحبت موافقتك ...",
        },
    )
    assert response.status_code == 302
    text = ConsentText.objects.get(municipality=w.municipality, language="ar")
    html = login_as(w.guardian).get(consent_url(active_log)).content.decode()
    assert "Read about consent in your language" in html
    assert 'lang="ar" hreflang="ar" dir="rtl"' in html
    html = login_as(w.guardian).get(consent_url(active_log, text="ar")).content.decode()
    assert 'lang="ar" dir="rtl"' in html and "سجل التتابع" in html and "أوافق على" in html
    assert '<html lang="en"' in html  # the interface stays in its own language
    withdraw = reverse("logs:consent_withdraw", kwargs={"log": active_log.log.uuid})
    html = login_as(w.guardian).get(withdraw + "?text=ar").content.decode()
    assert "إذا سحبت موافقتك" in html
    assert text.direction == "rtl"


def test_one_text_per_language_and_only_the_administrator_writes_them(
    active_log: LogWorld, login_as: Any
) -> None:
    w = active_log.world
    admin = as_actor(w.admin)
    text = save_consent_text(
        actor=admin,
        municipality=w.municipality,
        language="pl",
        information="Informacja",
        consent_statement="Zgadzam się",
    )
    with pytest.raises(ValidationError):
        save_consent_text(
            actor=admin,
            municipality=w.municipality,
            language="pl",
            information="Jeszcze raz",
            consent_statement="Zgadzam się",
        )
    with pytest.raises(PermissionDenied):
        save_consent_text(
            actor=as_actor(w.employee),
            municipality=w.municipality,
            language="uk",
            information="Інформація",
            consent_statement="Я згоден",
        )
    edit = reverse("organisation:consent_text_edit", kwargs={"text": text.uuid})
    assert login_as(w.employee).get(edit).status_code == 403
    assert login_as(w.other_staff).get(edit).status_code == 404
    assert login_as(w.admin).get(edit).status_code == 200
    remove = reverse("organisation:consent_text_remove", kwargs={"text": text.uuid})
    assert login_as(w.admin).post(remove).status_code == 302
    assert not ConsentText.objects.filter(pk=text.pk).exists()


def test_a_consent_asked_for_shows_the_text_next_to_the_button(world: Any, login_as: Any) -> None:
    from stafett.consent.services import request_consent
    from stafett.logs.services import start_log

    eva = as_actor(world.employee)
    log = start_log(actor=eva, subject=world.child, unit=world.kindergarten, level=1)
    today = timezone.localdate()
    request_consent(
        actor=eva,
        log=log,
        purpose="Samarbeid.",
        valid_from=today,
        valid_to=today + datetime.timedelta(days=90),
        units=[world.kindergarten],
        method=Consent.Method.DIGITAL,
    )
    save_consent_text(
        actor=as_actor(world.admin),
        municipality=world.municipality,
        language="uk",
        information="Інформація про згоду",
        consent_statement="Я погоджуюся, щоб служби співпрацювали.",
    )
    url = reverse("logs:consent", kwargs={"log": log.uuid}) + "?text=uk"
    html = login_as(world.guardian).get(url).content.decode()
    assert "You are asked to consent" in html
    assert html.index("Я погоджуюся") < html.index("Yes, I consent")
    consent = Consent.objects.get(log=log)
    response = login_as(world.guardian).post(
        reverse("logs:consent_give", kwargs={"log": log.uuid, "consent": consent.uuid}),
        {"text": "uk"},
    )
    assert response.status_code == 302 and response["Location"].endswith("?text=uk")


def test_withdrawing_after_a_renewal_leaves_the_replaced_consent_replaced(
    active_log: LogWorld,
) -> None:
    w, log, old = active_log.world, active_log.log, active_log.consent
    renewal = renew_by_family(actor=as_actor(w.guardian), log=log)
    withdraw_consent(actor=as_actor(w.guardian), log=log)
    old.refresh_from_db()
    renewal.refresh_from_db()
    assert renewal.withdrawn_at is not None
    assert old.withdrawn_at is None
    _consent, state = current_consent(log)
    assert not state.grants_access


def test_a_closed_log_is_not_renewed_nor_changed(active_log: LogWorld, login_as: Any) -> None:
    from stafett.logs.services import close_log

    w, log = active_log.world, active_log.log
    close_log(actor=as_actor(w.employee), log=log, reason="Ferdig.", close_reason="goals_met")
    with pytest.raises(PermissionDenied):
        renew_by_family(actor=as_actor(w.guardian), log=log)
    with pytest.raises(PermissionDenied):
        ask_scope_change(actor=as_actor(w.guardian), log=log, unit=w.school, kind="remove")
    html = login_as(w.guardian).get(consent_url(active_log)).content.decode()
    assert "Renew your consent" not in html and "Change who takes part" not in html


def test_a_guardian_of_a_youth_who_consents_alone_is_told_so(world: Any, login_as: Any) -> None:
    from stafett.consent.services import give_consent, request_consent, share_with_guardians
    from stafett.logs.services import start_log

    f.add_guardian(world.youth_subject, world.guardian)
    eva = as_actor(world.employee)
    log = start_log(actor=eva, subject=world.youth_subject, unit=world.kindergarten, level=1)
    today = timezone.localdate()
    consent = request_consent(
        actor=eva,
        log=log,
        purpose="Samarbeid om Jonas.",
        valid_from=today,
        valid_to=today + datetime.timedelta(days=90),
        units=[world.kindergarten],
        method=Consent.Method.DIGITAL,
    )
    give_consent(actor=as_actor(world.youth), consent=consent)
    url = reverse("logs:consent", kwargs={"log": log.uuid})
    # Until Jonas shares the log with her, his mother sees nothing of it (issue 10).
    assert login_as(world.guardian).get(url).status_code == 404
    share_with_guardians(
        actor=as_actor(world.youth), log=log, guardian_uuids=[str(world.guardian.uuid)]
    )
    html = login_as(world.guardian).get(url).content.decode()
    assert "From the age of 15, Jonas decides about the consent alone." in html
    assert "Renew your consent" not in html and "Withdraw my consent" not in html
    html = login_as(world.youth).get(url).content.decode()
    assert "decides about the consent alone" not in html
    assert "Renew your consent" in html and "Change who takes part" in html


def test_the_family_takes_back_a_request_not_yet_answered(
    active_log: LogWorld, login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    request = ask_scope_change(actor=as_actor(w.guardian), log=log, unit=w.school, kind="remove")
    url = reverse("logs:scope_take_back", kwargs={"log": log.uuid, "request_id": request.uuid})
    assert login_as(w.employee).post(url).status_code == 403
    assert login_as(w.guardian).post(url).status_code == 302
    request.refresh_from_db()
    assert request.status == ScopeChangeRequest.Status.WITHDRAWN
    html = login_as(w.employee).get(consent_url(active_log)).content.decode()
    assert "The family asks to change the consent" not in html
    with pytest.raises(ValidationError):
        answer_scope_change(actor=as_actor(w.employee), request=request, accept=True)
