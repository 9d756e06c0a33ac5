"""Issue 11, item 6: the family can say "No" to a request for consent, plainly, with an
optional reason for the coordinator. Recorded, nothing shared; a "No" to a renewal
leaves the consent in force as it is."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stafett.consent.models import Consent, ConsentState
from stafett.consent.services import decline_consent, request_consent
from stafett.core.errors import ServiceError
from stafett.logs.models import RelayLog
from stafett.policy import Decision, build_actor, current_consent, decide, log_facts
from tests.conftest import World
from tests.family.conftest import LogWorld, as_actor, read_as


def _decline_url(log: RelayLog, consent: Consent) -> str:
    return reverse("logs:consent_decline", kwargs={"log": log.uuid, "consent": consent.uuid})


@pytest.mark.parametrize(
    ("language", "yes", "no"),
    [
        ("en", "Yes, I consent", "No, I do not consent"),
        ("nn", "Ja, eg samtykkjer", "Nei, eg samtykkjer ikkje"),
        ("nb", "Ja, jeg samtykker", "Nei, jeg samtykker ikke"),
    ],
)
def test_the_request_offers_a_no_as_clear_as_the_yes(
    asked_log: tuple[RelayLog, Consent],
    world: World,
    client: Client,
    language: str,
    yes: str,
    no: str,
) -> None:
    log, consent = asked_log
    read_as(client, world.guardian, language)
    html = client.get(reverse("logs:consent", kwargs={"log": log.uuid})).content.decode()
    assert yes in html and no in html
    assert _decline_url(log, consent) in html
    # Both answers are buttons of the same weight.
    assert html.count('class="lc-big"') >= 2


def test_saying_no_ends_the_request_shares_nothing_and_tells_the_coordinator_why(
    asked_log: tuple[RelayLog, Consent], world: World, client: Client
) -> None:
    log, consent = asked_log
    read_as(client, world.guardian, "nn")
    response = client.post(
        _decline_url(log, consent), {"reason": "Vi vil snakke med barnehagen først."}, follow=True
    )
    body = response.content.decode()
    assert "Du sa nei" in body
    consent.refresh_from_db()
    assert consent.declined_at is not None and consent.completed_at is None
    assert consent.withdrawn_by == world.guardian
    assert consent.decline_reason == "Vi vil snakke med barnehagen først."
    _found, state = current_consent(log)
    assert state is ConsentState.DECLINED and not state.grants_access
    # The coordinator reads no content, and sees the answer and the reason.
    coordinator = as_actor(world.employee)
    assert decide(coordinator, "log.view", log_facts(coordinator, log)) is not Decision.ALLOW
    read_as(client, world.employee, "nb")
    page = client.get(reverse("logs:consent", kwargs={"log": log.uuid})).content.decode()
    assert "Familien sa nei" in page and "Vi vil snakke med barnehagen først." in page
    header = client.get(reverse("logs:detail", kwargs={"log": log.uuid})).content.decode()
    assert "Familien sa nei" in header
    # Saying no twice is refused and changes nothing.
    with pytest.raises(ServiceError):
        decline_consent(actor=as_actor(world.guardian), consent=consent)


def test_saying_no_to_a_renewal_keeps_the_consent_in_force(
    active_log: LogWorld, client: Client
) -> None:
    w = active_log.world
    renewal = request_consent(
        actor=as_actor(w.employee),
        log=active_log.log,
        purpose="Fornya",
        valid_from=timezone.localdate(),
        valid_to=timezone.localdate() + datetime.timedelta(days=300),
        units=[w.kindergarten, w.school],
        method=Consent.Method.DIGITAL,
    )
    read_as(client, w.guardian)
    response = client.post(_decline_url(active_log.log, renewal), {"reason": ""}, follow=True)
    assert "You said no to renewing your consent" in response.content.decode()
    found, state = current_consent(active_log.log)
    assert found == active_log.consent and state is not None and state.grants_access


def test_only_the_people_asked_may_say_no(
    asked_log: tuple[RelayLog, Consent], world: World, client: Client
) -> None:
    log, consent = asked_log
    read_as(client, world.employee)
    assert client.post(_decline_url(log, consent), {}).status_code == 403
    read_as(client, world.guardian_without_responsibility)
    assert client.post(_decline_url(log, consent), {}).status_code == 404
    consent.refresh_from_db()
    assert consent.declined_at is None


def test_a_too_long_reason_is_refused_and_changes_nothing(
    asked_log: tuple[RelayLog, Consent], world: World
) -> None:
    _log, consent = asked_log
    with pytest.raises(ServiceError):
        decline_consent(actor=build_actor(world.guardian), consent=consent, reason="x" * 501)
    consent.refresh_from_db()
    assert consent.declined_at is None and consent.withdrawn_at is None


def test_after_saying_no_there_is_nothing_to_withdraw(
    asked_log: tuple[RelayLog, Consent], world: World
) -> None:
    from stafett.consent.services import withdraw_consent
    from stafett.logs.models import Entry

    log, consent = asked_log
    decline_consent(actor=as_actor(world.guardian), consent=consent)
    events = Entry.objects.filter(log=log).count()
    with pytest.raises(ServiceError):
        withdraw_consent(actor=as_actor(world.guardian), log=log)
    assert Entry.objects.filter(log=log).count() == events
