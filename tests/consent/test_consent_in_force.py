"""Which consent is in force, as a table of consent histories (issue 10 item 1).

Each row is the history of one log's consents: when each was completed (everyone had
said yes), its period, whether and when it was withdrawn, and which consent it renews
(`replaces`). Days are counted from "today"; the expected answer is the consent in
force (or the one the family sees as theirs) and its state.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from unittest import mock

import pytest
from django.utils import timezone

from stafett.consent.models import Consent, ConsentState

TODAY = datetime.date(2026, 6, 1)

S = ConsentState


@dataclass(frozen=True)
class C:
    """One consent in a history. Days relative to TODAY; `completed` None = pending."""

    name: str
    start: int
    end: int
    completed: int | None
    withdrawn: int | None = None
    replaces: str | None = None
    declined: bool = False  # the family said no (issue 11): ended like a cancellation


def _at(day: int, minute: int) -> datetime.datetime:
    noon = datetime.datetime.combine(TODAY + datetime.timedelta(days=day), datetime.time(12))
    return timezone.make_aware(noon) + datetime.timedelta(minutes=minute)


def history(*rows: C) -> list[Consent]:
    """Unsaved consents with ids in the order given (oldest first), as read from the DB."""
    ids = {row.name: index + 1 for index, row in enumerate(rows)}
    consents = []
    for index, row in enumerate(rows):
        consents.append(
            Consent(
                id=ids[row.name],
                valid_from=TODAY + datetime.timedelta(days=row.start),
                valid_to=TODAY + datetime.timedelta(days=row.end),
                created_at=_at(min(row.start, row.completed or 0) - 1, index),
                completed_at=_at(row.completed, index) if row.completed is not None else None,
                withdrawn_at=_at(row.withdrawn, 30 + index) if row.withdrawn is not None else None,
                replaces_id=ids[row.replaces] if row.replaces else None,
                declined_at=_at(row.withdrawn, 30 + index)
                if row.declined and row.withdrawn is not None
                else None,
            )
        )
    return consents


HISTORIES: list[tuple[str, list[C], str | None, ConsentState | None]] = [
    ("never a consent", [], None, None),
    ("a request waiting for the family", [C("P", 0, 180, None)], "P", S.PENDING),
    (
        "a request the coordinator cancelled",
        [C("P", 0, 180, None, withdrawn=0)],
        "P",
        S.WITHDRAWN,
    ),
    (
        "a request the family said no to",
        [C("P", 0, 180, None, withdrawn=0, declined=True)],
        "P",
        S.DECLINED,
    ),
    (
        "a renewal the family said no to: the consent in force goes on",
        [C("C0", -100, 20, -100), C("P", 0, 365, None, withdrawn=0, declined=True)],
        "C0",
        S.EXPIRING,
    ),
    ("a consent in its period", [C("C0", -10, 170, -10)], "C0", S.VALID),
    ("a consent ending within 30 days", [C("C0", -300, 20, -300)], "C0", S.EXPIRING),
    ("a consent past its period", [C("C0", -400, -1, -400)], "C0", S.EXPIRED),
    ("a consent that starts next week", [C("C0", 7, 180, -1)], "C0", S.UPCOMING),
    ("a withdrawn consent", [C("C0", -10, 170, -10, withdrawn=-1)], "C0", S.WITHDRAWN),
    (
        "an early renewal waits for its first day: the old consent stays in force",
        [C("C0", -100, 60, -100), C("C1", 30, 400, -2, replaces="C0")],
        "C0",
        S.VALID,
    ),
    (
        "a renewal that has begun is in force",
        [C("C0", -100, 60, -100), C("C1", -1, 400, -2, replaces="C0")],
        "C1",
        S.VALID,
    ),
    (
        "a replaced consent never comes back, even when its own period still runs",
        [C("C0", -100, 200, -100), C("C1", -50, -1, -51, replaces="C0")],
        "C1",
        S.EXPIRED,
    ),
    (
        # The issue's scenario, as the old withdrawal left it: C0 (replaced by the early
        # renewal C1) was not stamped withdrawn, and C2 was linked to the withdrawn C1.
        "withdrawing after an early renewal ends the old consent too (issue 10)",
        [
            C("C0", -10, 170, -10),
            C("C1", 30, 400, -2, replaces="C0", withdrawn=-1),
            C("C2", 7, 180, 0, replaces="C1"),
        ],
        "C2",
        S.UPCOMING,
    ),
    (
        "a withdrawal ends every consent given before it, stamped or not",
        [C("C0", -100, 100, -100), C("C1", -1, 180, -1, withdrawn=0)],
        "C1",
        S.WITHDRAWN,
    ),
    (
        "a consent given anew after a withdrawal is in force",
        [C("C0", -100, 100, -100, withdrawn=-5), C("C1", -1, 180, -1)],
        "C1",
        S.VALID,
    ),
    (
        "a request after a withdrawal does not bring the old consent back",
        [C("C0", -100, 100, -100, withdrawn=-5), C("P", 0, 180, None)],
        "C0",
        S.WITHDRAWN,
    ),
    (
        "a cancelled renewal request ends nothing",
        [C("C0", -10, 170, -10), C("P", 0, 180, None, withdrawn=-1)],
        "C0",
        S.VALID,
    ),
    (
        "a renewal waiting for the second guardian: the old consent counts",
        [C("C0", -300, 20, -300), C("P", 0, 180, None)],
        "C0",
        S.EXPIRING,
    ),
    (
        "a new consent after one expired",
        [C("C0", -400, -10, -400), C("C1", -1, 180, -1, replaces="C0")],
        "C1",
        S.VALID,
    ),
    (
        "a chain of renewals: the latest that has begun",
        [
            C("C0", -400, -100, -400),
            C("C1", -101, 10, -101, replaces="C0"),
            C("C2", -1, 300, -3, replaces="C1"),
        ],
        "C2",
        S.VALID,
    ),
]


def _expected(consents: list[Consent], name: str | None, rows: list[C]) -> Consent | None:
    if name is None:
        return None
    return consents[[row.name for row in rows].index(name)]


@pytest.mark.parametrize(
    ("rows", "name", "state"),
    [pytest.param(rows, name, state, id=title) for title, rows, name, state in HISTORIES],
)
def test_the_consent_in_force_follows_the_rule(
    rows: list[C], name: str | None, state: ConsentState | None
) -> None:
    from stafett.consent.state import in_force

    consents = history(*rows)
    consent, got_state = in_force(consents, TODAY)
    assert consent is _expected(consents, name, rows)
    assert got_state is state


@pytest.mark.parametrize(
    ("rows", "name", "state"),
    [pytest.param(rows, name, state, id=title) for title, rows, name, state in HISTORIES],
)
def test_the_policy_asks_the_same_rule(
    rows: list[C], name: str | None, state: ConsentState | None
) -> None:
    from stafett.policy import current_consent

    consents = history(*rows)
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        consent, got_state = current_consent(None, consents=consents)
    assert consent is _expected(consents, name, rows)
    assert got_state is state
    if got_state is not None and got_state.grants_access:
        assert consent is not None and consent.valid_from <= TODAY <= consent.valid_to


def test_the_issues_history_grants_the_kindergarten_consent_from_next_week() -> None:
    from stafett.consent.state import in_force

    consents = history(
        C("C0", -10, 170, -10),
        C("C1", 30, 400, -2, replaces="C0", withdrawn=-1),
        C("C2", 7, 180, 0, replaces="C1"),
    )
    for days, state in ((6, S.UPCOMING), (7, S.VALID), (29, S.VALID), (31, S.VALID)):
        consent, got = in_force(consents, TODAY + datetime.timedelta(days=days))
        assert (consent, got) == (consents[2], state), days


STATES_IN_HISTORY: list[tuple[str, list[C], list[ConsentState]]] = [
    (
        "a renewal begun shows the old one replaced",
        [C("C0", -100, 60, -100), C("C1", -1, 400, -2, replaces="C0")],
        [S.REPLACED, S.VALID],
    ),
    (
        "an early renewal waiting: the old one is not yet replaced",
        [C("C0", -100, 60, -100), C("C1", 30, 400, -2, replaces="C0")],
        [S.VALID, S.UPCOMING],
    ),
    (
        "the issue's history: both earlier consents show withdrawn",
        [
            C("C0", -10, 170, -10),
            C("C1", 30, 400, -2, replaces="C0", withdrawn=-1),
            C("C2", 7, 180, 0, replaces="C1"),
        ],
        [S.WITHDRAWN, S.WITHDRAWN, S.UPCOMING],
    ),
    (
        "a renewal later withdrawn leaves the consent it replaced shown as replaced",
        [C("C0", -100, 60, -100), C("C1", -10, 400, -10, replaces="C0", withdrawn=-1)],
        [S.REPLACED, S.WITHDRAWN],
    ),
]


@pytest.mark.parametrize(
    ("rows", "states"),
    [pytest.param(rows, states, id=title) for title, rows, states in STATES_IN_HISTORY],
)
def test_each_consent_in_the_history_shows_its_state(
    rows: list[C], states: list[ConsentState]
) -> None:
    from stafett.consent.state import state_in_history

    consents = history(*rows)
    assert [state_in_history(c, consents, TODAY) for c in consents] == states


RENEWS: list[tuple[str, list[C], str | None]] = [
    ("nothing to renew", [], None),
    ("the consent in force", [C("C0", -10, 170, -10)], "C0"),
    ("an expired consent", [C("C0", -400, -1, -400)], "C0"),
    (
        "the early renewal, not the consent it already renews",
        [C("C0", -100, 60, -100), C("C1", 30, 400, -2, replaces="C0")],
        "C1",
    ),
    (
        "nothing of a withdrawn chain",
        [C("C0", -10, 170, -10), C("C1", 30, 400, -2, replaces="C0", withdrawn=-1)],
        None,
    ),
]


@pytest.mark.parametrize(
    ("rows", "name"), [pytest.param(rows, name, id=title) for title, rows, name in RENEWS]
)
def test_a_new_consent_renews_the_latest_one_not_ended(rows: list[C], name: str | None) -> None:
    from stafett.consent.state import renewed_by_next

    consents = history(*rows)
    assert renewed_by_next(consents) is _expected(consents, name, rows)
