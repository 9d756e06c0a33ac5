"""Access follows consent: participants read only while a valid consent covers their
unit; guardians keep reading; the coordinator keeps renewal and closing."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from stafett.consent.models import Consent, ConsentState
from stafett.consent.services import give_consent, narrow_scope, request_consent, withdraw_consent
from stafett.logs.models import RelayLog
from stafett.logs.services import add_entry, close_log
from stafett.policy import Decision, decide, log_facts
from tests.logs.conftest import LogWorld, as_actor


def _decide(user: object, action: str, log: RelayLog) -> Decision:
    actor = as_actor(user)
    return decide(actor, action, log_facts(actor, log))


def test_a_log_becomes_active_when_the_guardian_consents(active_log: LogWorld) -> None:
    assert active_log.log.status == RelayLog.Status.ACTIVE
    actor = as_actor(active_log.world.employee)
    assert log_facts(actor, active_log.log).consent_state is ConsentState.VALID


def test_everyone_in_the_log_reads_while_consent_is_valid(active_log: LogWorld) -> None:
    w, log = active_log.world, active_log.log
    for user in (w.employee, w.school_employee, w.guardian):
        assert _decide(user, "log.view", log) is Decision.ALLOW


def test_people_outside_the_log_see_nothing(active_log: LogWorld) -> None:
    w, log = active_log.world, active_log.log
    assert _decide(w.admin, "log.view", log) is Decision.HIDDEN
    assert _decide(w.other_staff, "log.view", log) is Decision.HIDDEN
    assert _decide(w.guardian_without_responsibility, "log.view", log) is Decision.HIDDEN
    assert _decide(w.youth, "log.view", log) is Decision.HIDDEN


def test_a_unit_leader_sees_the_header_but_not_the_content(active_log: LogWorld) -> None:
    w, log = active_log.world, active_log.log
    assert _decide(w.leader, "log.view_summary", log) is Decision.ALLOW
    assert _decide(w.leader, "log.view", log) is Decision.FORBIDDEN


def test_participant_loses_access_when_consent_expires(active_log: LogWorld) -> None:
    w, log = active_log.world, active_log.log
    Consent.objects.filter(pk=active_log.consent.pk).update(
        valid_from=timezone.localdate() - datetime.timedelta(days=400),
        valid_to=timezone.localdate() - datetime.timedelta(days=1),
    )
    assert _decide(w.school_employee, "log.view", log) is Decision.FORBIDDEN
    assert _decide(w.school_employee, "log.write", log) is Decision.FORBIDDEN
    # The coordinator keeps only renewal and closing; the guardian keeps reading.
    assert _decide(w.employee, "log.view", log) is Decision.FORBIDDEN
    assert _decide(w.employee, "consent.manage", log) is Decision.ALLOW
    assert _decide(w.employee, "log.close", log) is Decision.ALLOW
    assert _decide(w.guardian, "log.view", log) is Decision.ALLOW


def test_participant_loses_access_at_once_when_consent_is_withdrawn(active_log: LogWorld) -> None:
    w, log = active_log.world, active_log.log
    withdraw_consent(actor=as_actor(w.guardian), log=log)
    assert _decide(w.school_employee, "log.view", log) is Decision.FORBIDDEN
    with pytest.raises(PermissionDenied):
        add_entry(
            actor=as_actor(w.school_employee), log=log, kind="note", body="Etter tilbaketrekking"
        )
    assert _decide(w.employee, "log.view", log) is Decision.FORBIDDEN
    assert _decide(w.guardian, "log.view", log) is Decision.ALLOW
    close_log(
        actor=as_actor(w.employee),
        log=log,
        reason="Samtykket er trekt.",
        close_reason="consent_withdrawn",
    )
    log.refresh_from_db()
    assert log.status == RelayLog.Status.CLOSED


def test_narrowing_the_scope_ends_that_units_access_at_once(active_log: LogWorld) -> None:
    w, log = active_log.world, active_log.log
    narrow_scope(actor=as_actor(w.employee), log=log, unit=w.school)
    assert _decide(w.school_employee, "log.view", log) is Decision.FORBIDDEN
    assert _decide(w.employee, "log.view", log) is Decision.ALLOW


def test_a_removed_employee_loses_access_through_their_unit(active_log: LogWorld) -> None:
    from stafett.organisation.models import Membership

    w, log = active_log.world, active_log.log
    Membership.objects.filter(user=w.school_employee).update(ended_at=timezone.now())
    assert _decide(w.school_employee, "log.view", log) is Decision.FORBIDDEN


def test_a_renewal_that_starts_later_keeps_the_consent_in_force(active_log: LogWorld) -> None:
    w, log = active_log.world, active_log.log
    today = timezone.localdate()
    renewal = request_consent(
        actor=as_actor(w.employee),
        log=log,
        purpose="Vidare samarbeid.",
        valid_from=today + datetime.timedelta(days=30),
        valid_to=today + datetime.timedelta(days=400),
        units=[w.kindergarten, w.school],
        method=Consent.Method.DIGITAL,
    )
    give_consent(actor=as_actor(w.guardian), consent=renewal)
    facts = log_facts(as_actor(w.employee), log)
    assert facts.consent.pk == active_log.consent.pk
    assert facts.consent_state is ConsentState.VALID
    assert _decide(w.school_employee, "log.view", log) is Decision.ALLOW
    renewal.refresh_from_db()
    assert renewal.state(today) is ConsentState.UPCOMING
    # When the renewal starts, it is the consent in force.
    later = today + datetime.timedelta(days=31)
    with mock.patch("django.utils.timezone.localdate", return_value=later):
        assert log_facts(as_actor(w.employee), log).consent.pk == renewal.pk
    # Withdrawing ends access at once, whichever consent is in force.
    withdraw_consent(actor=as_actor(w.guardian), log=log)
    assert _decide(w.school_employee, "log.view", log) is Decision.FORBIDDEN
    assert log_facts(as_actor(w.guardian), log).consent_state is ConsentState.WITHDRAWN
    with mock.patch("django.utils.timezone.localdate", return_value=later):
        assert _decide(w.school_employee, "log.view", log) is Decision.FORBIDDEN
