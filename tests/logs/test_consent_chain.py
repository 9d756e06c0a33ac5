"""A withdrawn consent never comes back (issue 10 item 1), end to end through the
services, the policy and the pages.

C0 is in force (kindergarten and school); the family gives an early renewal C1 that
starts in a month; the family withdraws; the coordinator registers a new consent C2 on
paper, for the kindergarten only, from next week.
"""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stafett.consent.models import Consent, ConsentState
from stafett.consent.services import give_consent, request_consent, withdraw_consent
from stafett.logs.services import add_entry, add_participant
from stafett.policy import Decision, current_consent, decide, log_facts
from tests import factories as f
from tests.logs.conftest import LogWorld, as_actor

SECRET = "Mia sov dårleg heile veka etter flyttinga."


def _scenario(active_log: LogWorld) -> tuple[Any, Any, Consent]:
    w, log = active_log.world, active_log.log
    eva = as_actor(w.employee)
    today = timezone.localdate()
    kari = f.make_user(w.municipality, username="kari", first_name="Kari", last_name="Pedagog")
    f.add_membership(kari, w.kindergarten)
    add_participant(actor=eva, log=log, user=kari, unit=w.kindergarten, task="Pedagogisk leiar")
    add_entry(actor=eva, log=log, kind="note", body=SECRET)
    early = request_consent(
        actor=eva,
        log=log,
        purpose="Vidare samarbeid.",
        valid_from=today + datetime.timedelta(days=30),
        valid_to=today + datetime.timedelta(days=400),
        units=[w.kindergarten, w.school],
        method=Consent.Method.DIGITAL,
    )
    give_consent(actor=as_actor(w.guardian), consent=early)
    withdraw_consent(actor=as_actor(w.guardian), log=log)
    c2 = request_consent(
        actor=eva,
        log=log,
        purpose="Berre barnehagen, frå neste veke.",
        valid_from=today + datetime.timedelta(days=7),
        valid_to=today + datetime.timedelta(days=180),
        units=[w.kindergarten],
        method=Consent.Method.PAPER,
        scanned_form=SimpleUploadedFile("samtykke.pdf", b"%PDF-1.4", "application/pdf"),
        signed_by=[0],
    )
    log.refresh_from_db()
    return log, kari, c2


def _decide(user: Any, action: str, log: Any) -> Decision:
    actor = as_actor(user)
    return decide(actor, action, log_facts(actor, log))


def _get(user: Any, url: str) -> Any:
    return f.login(f.english_client(), user).get(url)


def test_a_withdrawn_consent_does_not_come_back_with_its_wider_scope(
    active_log: LogWorld,
) -> None:
    w = active_log.world
    log, kari, c2 = _scenario(active_log)
    consent, state = current_consent(log)
    assert (consent, state) == (c2, ConsentState.UPCOMING)
    # The old consent C0 and the early renewal are both ended by the withdrawal.
    active_log.consent.refresh_from_db()
    assert active_log.consent.withdrawn_at is not None
    assert not c2.replaces_id, "a consent given after a withdrawal renews nothing"
    assert _decide(w.school_employee, "log.view", log) is Decision.FORBIDDEN
    assert _decide(kari, "log.view", log) is Decision.FORBIDDEN
    # On the pages: the school teacher gets no content, anywhere.
    note = log.entries.get(kind="note")
    for url in (
        reverse("logs:detail", kwargs={"log": log.uuid}),
        reverse("logs:print", kwargs={"log": log.uuid}),
        reverse("logs:entry_versions", kwargs={"log": log.uuid, "entry": note.uuid}),
    ):
        response = _get(w.school_employee, url)
        assert response.status_code in (403, 404), url
        assert SECRET not in response.content.decode()


def test_the_kindergarten_reads_again_from_next_week_and_the_school_never(
    active_log: LogWorld,
) -> None:
    w = active_log.world
    log, kari, c2 = _scenario(active_log)
    detail = reverse("logs:detail", kwargs={"log": log.uuid})
    next_week = timezone.localdate() + datetime.timedelta(days=7)
    with mock.patch("django.utils.timezone.localdate", return_value=next_week):
        assert current_consent(log) == (c2, ConsentState.VALID)
        assert _decide(kari, "log.view", log) is Decision.ALLOW
        assert _decide(w.school_employee, "log.view", log) is Decision.FORBIDDEN
        assert SECRET in _get(kari, detail).content.decode()
        response = _get(w.school_employee, detail)
        assert response.status_code == 403
        assert SECRET not in response.content.decode()
    # And not when the early renewal's first day would have come.
    in_a_month = timezone.localdate() + datetime.timedelta(days=31)
    with mock.patch("django.utils.timezone.localdate", return_value=in_a_month):
        assert current_consent(log) == (c2, ConsentState.VALID)
        assert _decide(w.school_employee, "log.view", log) is Decision.FORBIDDEN


def test_the_family_sees_the_whole_chain_withdrawn_on_the_consent_page(
    active_log: LogWorld, client: Client
) -> None:
    w = active_log.world
    log, _kari, _c2 = _scenario(active_log)
    f.login(client, w.employee)
    html = client.get(reverse("logs:consent", kwargs={"log": log.uuid})).content.decode()
    assert html.count("Withdrawn") >= 2
    assert "Not yet in force" in html
