"""Issue 11, item 6: the family closes the log only once they have consented; before,
their answer is "No" to the request. The log page's link and the consent page agree with
the policy."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from stafett.consent.models import Consent
from stafett.consent.services import withdraw_consent
from stafett.logs.models import RelayLog
from stafett.policy import Decision, build_actor, decide, log_facts
from tests.conftest import World
from tests.family.conftest import LogWorld, as_actor, read_as


def _decide_close(user: object, log: RelayLog) -> Decision:
    actor = build_actor(user)
    return decide(actor, "log.close", log_facts(actor, log))


def test_a_guardian_asked_for_consent_cannot_close_the_log_before_answering(
    asked_log: tuple[RelayLog, Consent], world: World, client: Client
) -> None:
    log, _consent = asked_log
    assert _decide_close(world.guardian, log) is Decision.FORBIDDEN
    read_as(client, world.guardian)
    page = client.get(reverse("logs:detail", kwargs={"log": log.uuid})).content.decode()
    assert reverse("logs:close", kwargs={"log": log.uuid}) not in page
    consent_page = client.get(reverse("logs:consent", kwargs={"log": log.uuid})).content.decode()
    assert "End the collaboration and close the log" not in consent_page
    assert client.get(reverse("logs:close", kwargs={"log": log.uuid})).status_code == 403
    # The coordinator may still close (e.g. the family said no).
    assert _decide_close(as_actor(world.employee).user, log) is Decision.ALLOW


def test_a_guardian_who_consented_may_close_also_after_withdrawing(
    active_log: LogWorld, client: Client
) -> None:
    w = active_log.world
    log = active_log.log
    close_url = reverse("logs:close", kwargs={"log": log.uuid})
    read_as(client, w.guardian, "nn")
    page = client.get(reverse("logs:detail", kwargs={"log": log.uuid})).content.decode()
    assert close_url in page
    withdraw_consent(actor=as_actor(w.guardian), log=log)
    assert _decide_close(w.guardian, log) is Decision.ALLOW
    page = client.get(reverse("logs:detail", kwargs={"log": log.uuid})).content.decode()
    consent_page = client.get(reverse("logs:consent", kwargs={"log": log.uuid})).content.decode()
    assert close_url in page and close_url in consent_page
