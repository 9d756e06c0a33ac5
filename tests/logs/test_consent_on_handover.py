"""A change of coordinator may ask the family to renew their consent: the municipality
chooses (DESIGN.md §1, issue 4 item 2). The consent in force keeps counting until the
family has answered, so the help does not break off while the baton changes hands."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from stafett.consent import services as consent_services
from stafett.consent.models import Consent, ConsentState, ConsentUnit
from stafett.consent.services import (
    confirm_scope,
    give_consent,
    request_consent,
    widen_scope,
    withdraw_consent,
)
from stafett.core.dates import add_months
from stafett.logs.events import line
from stafett.logs.models import Entry, EntryKind, Handover, Participant, RelayLog
from stafett.logs.services import add_participant, answer_handover, propose_handover
from stafett.organisation.models import Municipality
from stafett.people.models import Guardianship
from stafett.policy import Decision, current_consent, decide, log_facts
from tests import factories as f
from tests.family.conftest import jonas_log  # noqa: F401 (a fixture: Jonas consents alone)
from tests.logs.conftest import LogWorld, as_actor
from tests.markup_checks import visible_text

SETTINGS = reverse("organisation:settings")


def login(client: Client, user: Any) -> Client:
    """Log in, and read the pages in English (the source language of the asserts)."""
    f.login(client, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _renew_on_handover(lw: LogWorld, on: bool = True) -> None:
    Municipality.objects.filter(pk=lw.world.municipality.pk).update(renew_consent_on_handover=on)


def _log(lw: LogWorld) -> RelayLog:
    return RelayLog.objects.get(pk=lw.log.pk)


def _pending(lw: LogWorld) -> list[Consent]:
    return list(
        Consent.objects.filter(log=lw.log, completed_at__isnull=True, withdrawn_at__isnull=True)
    )


def _events(lw: LogWorld, event_type: str) -> int:
    return Entry.objects.filter(
        log=lw.log, kind=EntryKind.EVENT, latest__event_type=event_type
    ).count()


def _hand_over(lw: LogWorld, from_user: Any, to_user: Any, to_unit: Any) -> Handover:
    return propose_handover(
        actor=as_actor(from_user),
        log=_log(lw),
        to_user=to_user,
        to_unit=to_unit,
        message="Kan du ta over stafettpinnen?",
    )


def _to_school(lw: LogWorld, *, accept: bool = True) -> Handover:
    """Eva (kindergarten) hands the baton to Siri (school), who answers."""
    w = lw.world
    handover = _hand_over(lw, w.employee, w.school_employee, w.school)
    return answer_handover(actor=as_actor(w.school_employee), handover=handover, accept=accept)


def _scope_ids(consent: Consent) -> set[int]:
    return set(
        ConsentUnit.objects.filter(consent=consent, removed_at__isnull=True).values_list(
            "unit_id", flat=True
        )
    )


# --- The behaviour --------------------------------------------------------------------


def test_with_the_setting_off_a_handover_asks_for_nothing(active_log: LogWorld) -> None:
    _to_school(active_log)
    assert _log(active_log).coordinator == active_log.world.school_employee
    assert _pending(active_log) == []
    assert _events(active_log, "consent.renewal_on_handover") == 0
    assert Consent.objects.filter(log=active_log.log).count() == 1


def test_an_accepted_handover_asks_the_family_to_renew(active_log: LogWorld) -> None:
    w = active_log.world
    _renew_on_handover(active_log)
    handover = _to_school(active_log)
    [renewal] = _pending(active_log)
    today = timezone.localdate()
    assert renewal.purpose == active_log.consent.purpose
    assert _scope_ids(renewal) == {w.kindergarten.id, w.school.id}
    assert renewal.valid_from == today
    assert renewal.valid_to == add_months(today, w.municipality.consent_validity_months)
    assert renewal.method == Consent.Method.DIGITAL
    assert renewal.requested_by == w.school_employee
    assert renewal.after_handover == handover
    assert renewal.replaces is None  # linked only once the family has given it
    givers = list(renewal.givers.all())
    assert [(g.person, g.given_at) for g in givers] == [(w.guardian, None)]
    # The history says why the family is asked again.
    assert _events(active_log, "consent.renewal_on_handover") == 1
    assert _events(active_log, "consent.requested") == 2  # the first consent, the renewal


def test_the_consent_in_force_still_grants_access_while_the_renewal_waits(
    active_log: LogWorld,
) -> None:
    w = active_log.world
    _renew_on_handover(active_log)
    _to_school(active_log)
    log = _log(active_log)
    consent, state = current_consent(log)
    assert consent == active_log.consent
    assert state.grants_access
    coordinator = as_actor(w.school_employee)
    assert decide(coordinator, "log.view", log_facts(coordinator, log)) is Decision.ALLOW
    # The new coordinator can bring in a participant from a unit the old consent covers,
    # and that participant reads the log.
    participant = add_participant(
        actor=coordinator, log=log, user=w.employee, unit=w.kindergarten, task="Kjenner Mia"
    )
    eva = as_actor(w.employee)
    facts = log_facts(eva, log)
    assert facts.participant == participant
    assert facts.participant_covered
    assert decide(eva, "log.view", facts) is Decision.ALLOW


def test_the_family_gives_the_renewal_and_it_replaces_the_old_consent(
    active_log: LogWorld,
) -> None:
    w = active_log.world
    _renew_on_handover(active_log)
    _to_school(active_log)
    [renewal] = _pending(active_log)
    give_consent(actor=as_actor(w.guardian), consent=renewal)
    renewal.refresh_from_db()
    assert renewal.completed_at is not None
    assert renewal.replaces == active_log.consent
    log = _log(active_log)
    consent, state = current_consent(log)
    assert consent == renewal
    assert state is ConsentState.VALID
    facts = log_facts(as_actor(w.school_employee), log)
    assert facts.scope_unit_ids == {w.kindergarten.id, w.school.id}
    assert facts.consent_open
    # History is kept: the old consent is still there, shown as replaced.
    old = Consent.objects.get(pk=active_log.consent.pk)
    assert old.state(replaced=True) is ConsentState.REPLACED
    assert Consent.objects.filter(log=log).count() == 2


def test_a_declined_handover_asks_for_nothing(active_log: LogWorld) -> None:
    _renew_on_handover(active_log)
    _to_school(active_log, accept=False)
    assert _log(active_log).coordinator == active_log.world.employee
    assert _pending(active_log) == []
    assert _events(active_log, "consent.renewal_on_handover") == 0


def test_a_renewal_already_waiting_is_not_asked_for_twice(active_log: LogWorld) -> None:
    w = active_log.world
    _renew_on_handover(active_log)
    by_hand = request_consent(
        actor=as_actor(w.employee),
        log=_log(active_log),
        purpose="Fornya samtykke.",
        valid_from=timezone.localdate(),
        valid_to=None,
        units=[w.kindergarten, w.school],
        method=Consent.Method.DIGITAL,
    )
    _to_school(active_log)
    assert _pending(active_log) == [by_hand]
    assert by_hand.after_handover is None
    assert _events(active_log, "consent.renewal_on_handover") == 0


def test_a_second_handover_while_the_renewal_waits_asks_for_no_second_one(
    active_log: LogWorld,
) -> None:
    w = active_log.world
    _renew_on_handover(active_log)
    first = _to_school(active_log)
    # Siri hands the baton back to Eva before the family has answered.
    back = _hand_over(active_log, w.school_employee, w.employee, w.kindergarten)
    answer_handover(actor=as_actor(w.employee), handover=back, accept=True)
    assert _log(active_log).coordinator == w.employee
    [renewal] = _pending(active_log)
    assert renewal.after_handover == first
    assert _events(active_log, "consent.renewal_on_handover") == 1


def test_a_transfer_to_a_new_unit_renews_with_that_unit(
    active_log: LogWorld, client: Client
) -> None:
    """The new unit is confirmed by the family before the baton can be accepted, so it
    counts, and the renewal includes it. A widening that still waits for the family
    (here the PPT office) goes into the renewal too, marked as new for the family."""
    w = active_log.world
    _renew_on_handover(active_log)
    school2 = f.make_unit(w.municipality, "Nordvik skule")
    ppt = f.make_unit(w.municipality, "PPT")
    teacher = f.make_user(w.municipality, username="t2", first_name="Tor", last_name="Lærar")
    f.add_membership(teacher, school2)
    widen_scope(actor=as_actor(w.employee), log=_log(active_log), unit=ppt)
    handover = _hand_over(active_log, w.employee, teacher, school2)
    confirm_scope(
        actor=as_actor(w.guardian),
        scope_unit=ConsentUnit.objects.get(consent=active_log.consent, unit=school2),
    )
    answer_handover(actor=as_actor(teacher), handover=handover, accept=True)
    [renewal] = _pending(active_log)
    assert _scope_ids(renewal) == {w.kindergarten.id, w.school.id, school2.id, ppt.id}
    assert renewal.requested_by == teacher
    login(client, w.guardian)
    page = client.get(reverse("logs:consent", kwargs={"log": active_log.log.uuid}))
    assert "not in your consent now" in page.content.decode()
    # Until the family gives the renewal, the PPT office has no access.
    assert ppt.id not in log_facts(as_actor(teacher), _log(active_log)).scope_unit_ids
    give_consent(actor=as_actor(w.guardian), consent=renewal)
    facts = log_facts(as_actor(teacher), _log(active_log))
    assert facts.scope_unit_ids == {w.kindergarten.id, w.school.id, school2.id, ppt.id}


def test_a_withdrawn_consent_is_not_renewed_behind_the_familys_back(
    active_log: LogWorld,
) -> None:
    """The unit leader may hand over a log whose consent is withdrawn; the family is
    not asked again automatically."""
    w = active_log.world
    _renew_on_handover(active_log)
    withdraw_consent(actor=as_actor(w.guardian), log=_log(active_log))
    f.add_membership(w.school_employee, w.kindergarten)
    handover = _hand_over(active_log, w.leader, w.school_employee, w.kindergarten)
    answer_handover(actor=as_actor(w.school_employee), handover=handover, accept=True)
    assert _log(active_log).coordinator == w.school_employee
    assert _pending(active_log) == []
    assert _events(active_log, "consent.renewal_on_handover") == 0


def test_when_no_one_can_be_asked_the_baton_still_moves_and_the_log_says_why(
    active_log: LogWorld,
) -> None:
    w = active_log.world
    _renew_on_handover(active_log)
    Guardianship.objects.filter(subject=w.child).update(parental_responsibility=False)
    with translation.override("en"):  # the history is written in the actor's language
        _to_school(active_log)
    assert _log(active_log).coordinator == w.school_employee
    assert _pending(active_log) == []
    assert _events(active_log, "consent.renewal_not_asked") == 1
    body = (
        Entry.objects.get(
            log=active_log.log, latest__event_type="consent.renewal_not_asked"
        ).latest.body  # type: ignore[union-attr]
    )
    assert "No one can consent" in body


def test_the_renewal_is_part_of_the_acceptance(
    active_log: LogWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One transaction: if asking for the renewal fails unexpectedly, the baton has not
    moved either."""
    w = active_log.world
    _renew_on_handover(active_log)
    handover = _hand_over(active_log, w.employee, w.school_employee, w.school)

    def broken(**kwargs: Any) -> Consent:
        raise RuntimeError("database gone")

    monkeypatch.setattr(consent_services, "request_consent", broken)
    with pytest.raises(RuntimeError):
        answer_handover(actor=as_actor(w.school_employee), handover=handover, accept=True)
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PENDING
    assert _log(active_log).coordinator == w.employee
    assert _events(active_log, "handover.accepted") == 0
    assert Participant.objects.current().filter(log=active_log.log, user=w.school_employee).exists()


# --- What people see ------------------------------------------------------------------


def test_the_pages_say_the_family_is_asked_because_the_coordinator_changed(
    active_log: LogWorld, client: Client
) -> None:
    w = active_log.world
    _renew_on_handover(active_log)
    handover = _hand_over(active_log, w.employee, w.school_employee, w.school)
    log = active_log.log
    login(client, w.school_employee)
    answer_url = reverse(
        "logs:handover_answer", kwargs={"log": log.uuid, "handover": handover.uuid}
    )
    page = client.get(answer_url).content.decode()
    assert "When you accept, the family is asked to renew their consent" in page
    response = client.post(answer_url, {"answer": "accept", "message": ""}, follow=True)
    page = response.content.decode()
    assert "The family is asked to renew their consent because the coordinator changed" in page
    assert "Siri Lærar took over the baton on" in page
    page = client.get(reverse("logs:consent", kwargs={"log": log.uuid})).content.decode()
    assert "It was asked for automatically because the coordinator changed" in page
    assert "The consent in force still counts until the family answers" in page
    assert "Asked because the coordinator changed: Siri Lærar took over the baton from" in page
    # The timeline says so too.
    page = client.get(reverse("logs:detail", kwargs={"log": log.uuid})).content.decode()
    assert "The coordinator changed, so the family is asked to renew their consent" in page

    login(client, w.guardian)
    page = client.get(reverse("logs:consent", kwargs={"log": log.uuid})).content.decode()
    assert "You are asked to renew your consent" in page
    assert "You are asked again because the coordinator has changed" in page
    assert "Until you answer, the consent you gave still counts" in page
    assert "not in your consent now" not in page  # the same units as before
    [renewal] = _pending(active_log)
    response = client.post(
        reverse("logs:consent_give", kwargs={"log": log.uuid, "consent": renewal.uuid}),
        follow=True,
    )
    assert "Thank you. The consent is in force." in response.content.decode()
    assert current_consent(_log(active_log))[0] == renewal


def test_without_the_setting_the_answer_page_promises_nothing(
    active_log: LogWorld, client: Client
) -> None:
    w = active_log.world
    handover = _hand_over(active_log, w.employee, w.school_employee, w.school)
    login(client, w.school_employee)
    url = reverse(
        "logs:handover_answer", kwargs={"log": active_log.log.uuid, "handover": handover.uuid}
    )
    assert "the family is asked to renew" not in client.get(url).content.decode()


# --- The municipality's setting -------------------------------------------------------


def _settings_data(**overrides: str) -> dict[str, str]:
    data = {
        "language": "nn",
        "consent_age": "15",
        "consent_validity_months": "12",
        "retention_years": "10",
        "level0_deadline_days": "14",
        "all_guardians_must_consent": "on",
    }
    data.update(overrides)
    return data


def test_the_administrator_turns_the_setting_on_and_off(
    active_log: LogWorld, client: Client
) -> None:
    w = active_log.world
    login(client, w.admin)
    page = client.get(SETTINGS).content.decode()
    assert "Ask the family to renew their consent when the coordinator changes" in page
    assert "still counts until they answer or it ends" in page
    response = client.post(SETTINGS, _settings_data(renew_consent_on_handover="on"))
    assert response.status_code == 302
    assert Municipality.objects.get(pk=w.municipality.pk).renew_consent_on_handover is True
    form = client.get(SETTINGS).context["form"]
    assert form["renew_consent_on_handover"].value() is True
    client.post(SETTINGS, _settings_data())  # the box left unticked
    assert Municipality.objects.get(pk=w.municipality.pk).renew_consent_on_handover is False


def test_bad_settings_change_nothing_not_even_the_checkbox(
    active_log: LogWorld, client: Client
) -> None:
    w = active_log.world
    login(client, w.admin)
    response = client.post(
        SETTINGS, _settings_data(consent_age="14", renew_consent_on_handover="on")
    )
    assert response.status_code == 200
    assert "consent_age" in response.context["form"].errors
    assert Municipality.objects.get(pk=w.municipality.pk).renew_consent_on_handover is False


def test_only_the_administrator_may_change_the_setting(
    active_log: LogWorld, client: Client
) -> None:
    w = active_log.world
    for user in (w.employee, w.leader, w.guardian):
        login(client, user)
        response = client.post(SETTINGS, _settings_data(renew_consent_on_handover="on"))
        assert response.status_code in (403, 404)
    assert Municipality.objects.get(pk=w.municipality.pk).renew_consent_on_handover is False
    # Another municipality's administrator changes their own municipality only.
    login(client, w.other_staff)
    client.post(SETTINGS, _settings_data(renew_consent_on_handover="on"))
    assert Municipality.objects.get(pk=w.municipality.pk).renew_consent_on_handover is False
    assert Municipality.objects.get(pk=w.other_municipality.pk).renew_consent_on_handover is True


# --- Who is asked: the family, or the youth who consents alone (issue 11) -------------

FAMILY_ASKED = {
    "en": "The coordinator changed, so the family is asked to renew their consent",
    "nn": "Stafetthaldaren er bytt, så familien blir spurd om å fornye samtykket",
}
YOUTH_ASKED = {
    "en": "The coordinator changed, so the young person is asked to renew their consent",
    "nn": "Stafetthaldaren er bytt, så ungdommen blir spurd om å fornye samtykket sitt",
}


def _timeline(client: Client, user: Any, log: RelayLog, language: str) -> str:
    f.login(client, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("logs:detail", kwargs={"log": log.uuid})).content.decode()
    return " ".join(visible_text(page).split())


@pytest.mark.parametrize("language", ["en", "nn"])
def test_a_youth_who_consents_alone_reads_that_the_young_person_is_asked(
    jonas_log: RelayLog,  # noqa: F811 (the fixture imported above)
    world: Any,
    client: Client,
    language: str,
) -> None:
    Municipality.objects.filter(pk=world.municipality.pk).update(renew_consent_on_handover=True)
    handover = propose_handover(
        actor=as_actor(world.employee),
        log=jonas_log,
        to_user=world.school_employee,
        to_unit=world.school,
        message="Kan du ta over?",
    )
    answer_handover(actor=as_actor(world.school_employee), handover=handover, accept=True)
    [renewal] = Consent.objects.filter(log=jonas_log, completed_at__isnull=True)
    assert [g.person for g in renewal.givers.all()] == [world.youth]
    page = _timeline(client, world.youth, jonas_log, language)
    assert YOUTH_ASKED[language] in page
    assert FAMILY_ASKED[language] not in page


@pytest.mark.parametrize("language", ["en", "nn"])
def test_a_familys_log_reads_that_the_family_is_asked(
    active_log: LogWorld, client: Client, language: str
) -> None:
    _renew_on_handover(active_log)
    _to_school(active_log)
    page = _timeline(client, active_log.world.guardian, active_log.log, language)
    assert FAMILY_ASKED[language] in page
    assert YOUTH_ASKED[language] not in page


def test_when_the_youth_cannot_be_asked_the_line_says_the_young_person(
    jonas_log: RelayLog,  # noqa: F811 (the fixture imported above)
    world: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    Municipality.objects.filter(pk=world.municipality.pk).update(renew_consent_on_handover=True)

    def refused(**kwargs: Any) -> Consent:
        raise consent_services.ServiceError("No one can consent.")

    monkeypatch.setattr(consent_services, "request_consent", refused)
    handover = propose_handover(
        actor=as_actor(world.employee),
        log=jonas_log,
        to_user=world.school_employee,
        to_unit=world.school,
        message="Kan du ta over?",
    )
    answer_handover(actor=as_actor(world.school_employee), handover=handover, accept=True)
    entry = Entry.objects.get(log=jonas_log, latest__event_type="consent.renewal_not_asked")
    version = entry.latest
    assert version is not None
    with translation.override("nn"):
        text = line(version.event_type, version.event_params, version.body).text
    assert text.startswith("Ungdommen kunne ikkje bli spurd om å fornye samtykket sitt")
