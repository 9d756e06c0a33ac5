"""A relay log in each consent state, for walking the log URLs with every role.

The log: Mia (the child) at the kindergarten, coordinated by `employee`; the school's
`school_employee` takes part; Mia's mother (`guardian`) consented digitally. A pending
handover to the kindergarten's leader, a note by the coordinator, and a unit (the health
station) added to the consent scope and waiting for the family's confirmation.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone, translation

from stafett.consent.models import Consent, ConsentUnit, ScopeChangeRequest
from stafett.consent.services import (
    ask_scope_change,
    give_consent,
    request_consent,
    share_with_guardians,
    widen_scope,
    withdraw_consent,
)
from stafett.logs.models import Entry, Handover, Participant, RelayLog
from stafett.logs.services import add_entry, add_participant, propose_handover, start_log
from stafett.organisation.models import ServiceCategory
from stafett.policy import Actor, build_actor
from tests import factories as f
from tests.conftest import World
from tests.policy.walker import Markers

STATES = ["valid", "expired", "withdrawn"]
# What is written in the log (only its readers see it): a note, a goal and a
# participant's task. The header (level, step, coordinator, dates) shows none of them.
NOTE = "Eit notat."
GOAL = "Mia et lunsj saman med dei andre."
TASK = "Lærar – lesing og språk i klassen"
# A measure the coordinator holds: the handover page lists it for the coordinator, who
# chooses who takes it, and for nobody else (issue 11 item 15).
MEASURE = "Eva les med Mia kvar morgon"
SHARING = ["not_shared", "shared"]


def as_actor(user: Any) -> Actor:
    user.is_verified = lambda: True
    return build_actor(user)


@dataclass
class WalkLog:
    log: RelayLog
    consent: Consent
    participant: Participant
    entry: Entry
    handover: Handover
    pending_unit: ConsentUnit
    meeting: Entry
    scope_request: ScopeChangeRequest


def make_log(world: World, state: str, *, youth: bool = False, shared: bool = False) -> WalkLog:
    """The walk's log about Mia; with `youth`, the same log about Jonas (16), who consents
    alone, with Gro (`guardian`) as his guardian: `shared` when Jonas lets her read it."""
    coordinator = as_actor(world.employee)
    subject = world.child
    family = world.guardian
    if youth:
        subject = world.youth_subject
        family = world.youth
        f.add_guardian(subject, world.guardian)
    log = start_log(actor=coordinator, subject=subject, unit=world.kindergarten, level=2)
    today = timezone.localdate()
    consent = request_consent(
        actor=coordinator,
        log=log,
        purpose="Samarbeid mellom barnehage og skule.",
        valid_from=today,
        valid_to=today + datetime.timedelta(days=180),
        units=[world.kindergarten, world.school],
        method=Consent.Method.DIGITAL,
    )
    give_consent(actor=as_actor(family), consent=consent)
    log.refresh_from_db()
    if shared:
        share_with_guardians(
            actor=as_actor(family), log=log, guardian_uuids=[str(world.guardian.uuid)]
        )
    participant = add_participant(
        actor=coordinator, log=log, user=world.school_employee, unit=world.school, task=TASK
    )
    entry = add_entry(actor=coordinator, log=log, kind="note", body=NOTE)
    add_entry(actor=coordinator, log=log, kind="goal", title=GOAL, body="")
    add_entry(
        actor=coordinator,
        log=log,
        kind="measure",
        title=MEASURE,
        responsible=world.employee,
        start_date=today,
        evaluation_date=today + datetime.timedelta(days=30),
        measure_status="running",
    )
    meeting = add_entry(
        actor=coordinator,
        log=log,
        kind="meeting",
        meeting_kind="start_up",
        starts_at=timezone.now() + datetime.timedelta(days=3),
        place="Solsida barnehage",
    )
    scope_request = ask_scope_change(
        actor=as_actor(family), log=log, unit=world.school, kind="remove"
    )
    health = f.make_unit(
        world.municipality,
        "Testvik helsestasjon",
        f.make_service_kind(world.municipality, "Helsestasjon", ServiceCategory.HELP),
    )
    pending_unit = widen_scope(actor=coordinator, log=log, unit=health)
    handover = propose_handover(
        actor=coordinator,
        log=log,
        to_user=world.leader,
        to_unit=world.kindergarten,
        message="Eg sluttar; kan du ta over?",
    )
    if state == "expired":
        Consent.objects.filter(pk=consent.pk).update(
            valid_from=today - datetime.timedelta(days=400),
            valid_to=today - datetime.timedelta(days=1),
        )
    elif state == "withdrawn":
        withdraw_consent(actor=as_actor(family), log=log)
    log.refresh_from_db()
    consent.refresh_from_db()
    return WalkLog(log, consent, participant, entry, handover, pending_unit, meeting, scope_request)


def log_markers(walk: WalkLog) -> Markers:
    """Content: the note, the goal, the task, the measure. Header: the step (in the
    staff's words or the family's) and the coordinator, as the walk's English pages
    write them."""
    from stafett.logs.templatetags.log_content import FAMILY_STEPS

    with translation.override("en"):
        step = (str(walk.log.get_step_display()), str(FAMILY_STEPS[walk.log.step]))
    return Markers(content=(NOTE, GOAL, TASK, MEASURE), header=(step, "Eva Tilsett"))
