"""Which consent is in force: the one rule, in one place.

Every part of Stafett that asks "may the services read this log now?" or "which consent
does the family see as theirs?" asks these functions (through `policy.current_consent`
or directly). They are pure: they look only at the consents of one log, as rows already
read, and at today's date, so that the rule can be tested as a table of histories.

The rule, in plain words (docs/security.md says the same):

1. Only a completed consent counts: everyone who must consent has said yes.
2. A withdrawal ends the whole chain: the consent withdrawn and every consent completed
   before the withdrawal, whether they were stamped withdrawn or not. Only a consent
   completed after the withdrawal (a new one, asked for anew) can be in force again.
   A cancelled request (never completed) ends nothing, nor does a request the family
   said no to (it ends like a cancelled one).
3. A consent is replaced once its renewal (a completed consent whose `replaces` is it)
   has begun; a replaced consent is never in force again, even when its own period
   would still run. Until the renewal's first day the old consent stays in force with
   its own period and scope, so that renewing early does not stop the help.
4. Of the completed consents that are neither ended nor replaced and whose period
   includes today, the one completed last is in force (VALID or EXPIRING).
5. When none is in force, the family and the coordinator see the latest completed
   consent with its state (withdrawn, replaced, upcoming, expired); when none was ever
   completed, the latest request (pending, or withdrawn if it was cancelled).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING

from stafett.consent.models import ConsentState

if TYPE_CHECKING:
    from stafett.consent.models import Consent


def _completed(consents: Sequence[Consent]) -> list[Consent]:
    return [c for c in consents if c.completed_at is not None]


def _order(consent: Consent) -> tuple[datetime.datetime, int]:
    assert consent.completed_at is not None
    return consent.completed_at, consent.id or 0


def ended_by_withdrawal(consent: Consent, consents: Sequence[Consent]) -> bool:
    """Withdrawn itself, or completed before the withdrawal of any consent of the log
    (rule 2: a withdrawal ends the whole chain)."""
    if consent.withdrawn_at is not None:
        return True
    if consent.completed_at is None:
        return False
    return any(
        other.withdrawn_at is not None
        and other.completed_at is not None
        and consent.completed_at <= other.withdrawn_at
        for other in consents
    )


def is_replaced(consent: Consent, consents: Sequence[Consent], today: datetime.date) -> bool:
    """A completed renewal of this consent has begun (rule 3)."""
    return any(
        other.replaces_id == consent.id
        and other.id != consent.id
        and other.completed_at is not None
        and other.valid_from <= today
        for other in consents
    )


def state_in_history(
    consent: Consent, consents: Sequence[Consent], today: datetime.date
) -> ConsentState:
    """The state of one consent of the log, as its history shows it."""
    if consent.declined_at is not None:
        return ConsentState.DECLINED
    if consent.withdrawn_at is not None:
        return ConsentState.WITHDRAWN
    if consent.completed_at is None:
        return ConsentState.PENDING
    if is_replaced(consent, consents, today):
        return ConsentState.REPLACED
    if ended_by_withdrawal(consent, consents):
        return ConsentState.WITHDRAWN
    return consent.state(today)


def in_force(
    consents: Sequence[Consent], today: datetime.date
) -> tuple[Consent | None, ConsentState | None]:
    """(the consent in force, or else the one the family sees as theirs; its state).

    `consents`: every consent of one log, in any order. (None, None) when there has
    never been one."""
    completed = _completed(consents)
    candidates = [
        c
        for c in completed
        if c.valid_from <= today <= c.valid_to
        and not ended_by_withdrawal(c, consents)
        and not is_replaced(c, consents, today)
    ]
    if candidates:
        chosen = max(candidates, key=_order)
        return chosen, chosen.state(today)
    if completed:
        latest = max(completed, key=_order)
        return latest, state_in_history(latest, consents, today)
    if consents:
        last = max(consents, key=lambda c: (c.created_at, c.id or 0))
        return last, last.state(today)
    return None, None


def renewed_by_next(consents: Sequence[Consent]) -> Consent | None:
    """The consent a newly completed one renews (its `replaces`): the latest completed
    consent not ended by a withdrawal and not yet renewed. A consent given after a
    withdrawal renews nothing: the withdrawn chain stays ended."""
    renewed = {c.replaces_id for c in consents if c.replaces_id is not None}
    open_ = [
        c
        for c in _completed(consents)
        if c.id not in renewed and not ended_by_withdrawal(c, consents)
    ]
    return max(open_, key=_order) if open_ else None
