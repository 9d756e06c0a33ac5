"""The family's rules in the one policy (issue 6), decided on the log's facts for each
person: open log with valid consent, after withdrawal, and closed."""

from __future__ import annotations

from typing import Any

import pytest

from stafett.consent.services import withdraw_consent
from stafett.logs.services import close_log
from stafett.policy import Decision, decide, log_facts
from tests.logs.conftest import LogWorld, as_actor

A, F, H = Decision.ALLOW, Decision.FORBIDDEN, Decision.HIDDEN
PEOPLE = ["employee", "school_employee", "guardian", "guardian_without_responsibility", "leader"]

# action: (coordinator, participant, guardian, guardian without responsibility, leader)
VALID = {
    "log.access_list": (F, F, A, H, F),
    "log.meeting_calendar": (A, A, A, H, F),
    "consent.renew": (F, F, A, H, F),
    "consent.ask_scope_change": (F, F, A, H, F),
    "consent.answer_scope_change": (A, F, F, H, F),
}
WITHDRAWN = {
    **VALID,
    "log.meeting_calendar": (F, F, A, H, F),
}
CLOSED = {
    **VALID,
    "consent.renew": (F, F, F, H, F),
    "consent.ask_scope_change": (F, F, F, H, F),
    "consent.answer_scope_change": (F, F, F, H, F),
}


def _decisions(lw: LogWorld, action: str) -> tuple[Decision, ...]:
    out = []
    for name in PEOPLE:
        actor = as_actor(getattr(lw.world, name))
        out.append(decide(actor, action, log_facts(actor, lw.log)))
    return tuple(out)


@pytest.mark.parametrize("action", sorted(VALID))
def test_with_valid_consent(active_log: LogWorld, action: str) -> None:
    assert _decisions(active_log, action) == VALID[action]


@pytest.mark.parametrize("action", sorted(WITHDRAWN))
def test_after_the_family_withdrew(active_log: LogWorld, action: str) -> None:
    withdraw_consent(actor=as_actor(active_log.world.guardian), log=active_log.log)
    active_log.log.refresh_from_db()
    assert _decisions(active_log, action) == WITHDRAWN[action]


@pytest.mark.parametrize("action", sorted(CLOSED))
def test_when_the_log_is_closed(active_log: LogWorld, action: str, login_as: Any) -> None:
    close_log(
        actor=as_actor(active_log.world.employee),
        log=active_log.log,
        reason="Ferdig.",
        close_reason="goals_met",
    )
    active_log.log.refresh_from_db()
    assert _decisions(active_log, action) == CLOSED[action]
