"""Decisions: move to another step or level, close (also by the guardian), reopen."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import reverse

from stafett.logs.models import DecisionKind, EntryKind, RelayLog
from stafett.logs.services import close_log
from tests import factories as f
from tests.logs.conftest import LogWorld, as_actor


def login(client: Client, user: Any) -> Client:
    """Log in, and read the pages in English (the source language of the asserts)."""
    f.login(client, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _url(lw: LogWorld, name: str) -> str:
    return reverse(name, kwargs={"log": lw.log.uuid})


def _fresh(lw: LogWorld) -> RelayLog:
    return RelayLog.objects.get(pk=lw.log.pk)


def test_moving_to_level_three_is_a_recorded_decision(active_log: LogWorld, client: Client) -> None:
    login(client, active_log.world.employee)
    response = client.post(
        _url(active_log, "logs:move"),
        {
            "to_level": "3",
            "to_step": "planning",
            "reason": "Fleire tenester trengst.",
            "revision": str(active_log.log.revision),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("logs:detail", kwargs={"log": active_log.log.uuid})
    log = _fresh(active_log)
    assert (log.level, log.step) == (3, "planning")
    decision = log.entries.get(kind=EntryKind.DECISION)
    assert decision.latest is not None
    assert decision.latest.decision_kind == DecisionKind.LEVEL
    assert decision.latest.body == "Fleire tenester trengst."


def test_a_decision_on_a_stale_revision_gets_a_conflict_message(
    active_log: LogWorld, client: Client
) -> None:
    login(client, active_log.world.employee)
    stale = active_log.log.revision
    data = {"to_level": "3", "to_step": "start", "reason": "Først", "revision": str(stale)}
    client.post(_url(active_log, "logs:move"), data)
    response = client.post(
        _url(active_log, "logs:move"),
        {"to_level": "1", "to_step": "start", "reason": "Samtidig", "revision": str(stale)},
    )
    assert response.status_code == 200
    assert "Someone else changed this log while you were working." in response.content.decode()
    assert _fresh(active_log).level == 3
    # The form now carries the new revision and keeps the person's text.
    assert response.context["form"]["revision"].value() == _fresh(active_log).revision
    assert "Samtidig" in response.content.decode()


def test_a_double_submitted_move_is_recorded_once(active_log: LogWorld, client: Client) -> None:
    login(client, active_log.world.employee)
    data = {
        "to_level": "2",
        "to_step": "planning",
        "reason": "Plan",
        "revision": str(active_log.log.revision),
    }
    client.post(_url(active_log, "logs:move"), data)
    response = client.post(_url(active_log, "logs:move"), data)
    assert "Someone else changed this log" in response.content.decode()
    assert _fresh(active_log).entries.filter(kind=EntryKind.DECISION).count() == 1


def test_closing_for_an_individual_plan_needs_where_the_work_continues(
    active_log: LogWorld, client: Client
) -> None:
    login(client, active_log.world.employee)
    data = {
        "close_reason": "individual_plan",
        "reason": "IP er oppretta.",
        "revision": str(active_log.log.revision),
    }
    response = client.post(_url(active_log, "logs:close"), data)
    assert "Say where the work continues" in response.content.decode()
    assert not _fresh(active_log).is_closed
    response = client.post(
        _url(active_log, "logs:close"), {**data, "continues_in": "Koordinerande eining, NAV"}
    )
    assert response.status_code == 302
    log = _fresh(active_log)
    assert log.is_closed
    assert log.continues_in == "Koordinerande eining, NAV"


def test_the_guardian_may_close_the_log(active_log: LogWorld, client: Client) -> None:
    login(client, active_log.world.guardian)
    response = client.post(
        _url(active_log, "logs:close"),
        {"close_reason": "goals_met", "reason": "Det går bra no.", "revision": "1"},
    )
    # Revision 1 is stale (consent and participants bumped it): a clear message.
    assert "Someone else changed this log" in response.content.decode()
    response = client.post(
        _url(active_log, "logs:close"),
        {
            "close_reason": "goals_met",
            "reason": "Det går bra no.",
            "revision": str(active_log.log.revision),
        },
    )
    assert response.status_code == 302
    assert _fresh(active_log).is_closed


def test_a_closed_log_is_reopened_while_consent_is_valid(
    active_log: LogWorld, client: Client
) -> None:
    w = active_log.world
    close_log(
        actor=as_actor(w.employee), log=active_log.log, reason="Ferdig", close_reason="goals_met"
    )
    login(client, w.employee)
    log = _fresh(active_log)
    assert client.get(_url(active_log, "logs:close")).status_code == 403
    response = client.post(
        _url(active_log, "logs:reopen"),
        {"reason": "Nye utfordringar.", "revision": str(log.revision)},
    )
    assert response.status_code == 302
    assert _fresh(active_log).status == RelayLog.Status.ACTIVE


def test_a_closed_log_is_not_reopened_without_valid_consent(
    active_log: LogWorld, client: Client
) -> None:
    from stafett.consent.services import withdraw_consent

    w = active_log.world
    withdraw_consent(actor=as_actor(w.guardian), log=active_log.log)
    close_log(
        actor=as_actor(w.employee),
        log=active_log.log,
        reason="Samtykket er trekt.",
        close_reason="consent_withdrawn",
    )
    login(client, w.employee)
    assert client.get(_url(active_log, "logs:reopen")).status_code == 403


def test_a_double_submitted_close_gets_a_clear_message(
    active_log: LogWorld, client: Client
) -> None:
    login(client, active_log.world.guardian)
    data = {
        "close_reason": "goals_met",
        "reason": "Det går bra no.",
        "revision": str(active_log.log.revision),
    }
    client.post(_url(active_log, "logs:close"), data)
    response = client.post(_url(active_log, "logs:close"), data, follow=True)
    assert response.status_code == 200
    assert "The log is already closed." in response.content.decode()
    assert _fresh(active_log).entries.filter(kind=EntryKind.DECISION).count() == 1


def test_a_unit_leader_cannot_close_even_a_closed_log(active_log: LogWorld, client: Client) -> None:
    w = active_log.world
    close_log(actor=as_actor(w.employee), log=active_log.log, reason="Ferdig", close_reason="other")
    login(client, w.leader)
    assert client.post(_url(active_log, "logs:close"), {}).status_code == 403


def test_opening_the_reopen_page_of_a_closed_log_is_a_read_the_family_sees(
    active_log: LogWorld, client: Client
) -> None:
    """Issue 10 item 7: the lifecycle pages show the child's name and birth date. The
    reopen page of a closed log (not walked by the every-URL test, whose log is open)
    writes a `log.header` row too, and the family's list of who read the log shows it."""
    from stafett.audit.models import AccessLogEntry

    w = active_log.world
    close_log(actor=as_actor(w.employee), log=active_log.log, reason="Ferdig", close_reason="other")
    login(client, w.employee)
    html = client.get(_url(active_log, "logs:reopen")).content.decode()
    assert w.child.full_name in html and w.child.birth_date.strftime("%d.%m.%Y") in html
    row = AccessLogEntry.objects.filter(actor=w.employee, action="log.header").get()
    assert row.subject_uuid == w.child.uuid and row.reason == "reopen"
    assert row.role == "coordinator" and row.unit_name == w.kindergarten.name
    login(client, w.guardian)
    listed = client.get(_url(active_log, "logs:access_list")).content.decode()
    assert "The name and where the log stands, on a page to manage it" in listed


def test_the_family_closes_in_their_own_words(active_log: LogWorld, client: Client) -> None:
    """Issue 11, item 6: the family's close page offered the staff's reasons (an
    individual plan, where the work continues)."""
    login(client, active_log.world.guardian)
    html = client.get(_url(active_log, "logs:close")).content.decode()
    assert "We do not want to go on with it" in html and "We are moving away" in html
    assert "individual plan" not in html and 'name="continues_in"' not in html
    # The staff's reason, sent by hand, is refused and changes nothing.
    response = client.post(
        _url(active_log, "logs:close"),
        {
            "close_reason": "individual_plan",
            "reason": "Vi vil ikkje meir.",
            "revision": str(active_log.log.revision),
        },
    )
    assert response.status_code == 200 and not _fresh(active_log).is_closed
    response = client.post(
        _url(active_log, "logs:close"),
        {
            "close_reason": "family_ended",
            "reason": "Vi vil ikkje meir.",
            "revision": str(active_log.log.revision),
        },
    )
    assert response.status_code == 302
    log = _fresh(active_log)
    assert log.is_closed and log.close_reason == "family_ended"


def test_the_consent_page_offers_closing_only_once_the_family_has_consented(
    active_log: LogWorld, client: Client
) -> None:
    from stafett.consent.models import Consent

    login(client, active_log.world.guardian)
    consent_url = _url(active_log, "logs:consent")
    assert "End the collaboration and close the log" in client.get(consent_url).content.decode()
    Consent.objects.filter(log=active_log.log).update(completed_at=None)
    assert "End the collaboration" not in client.get(consent_url).content.decode()
