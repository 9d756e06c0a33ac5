"""A relay log in force: Eva (kindergarten) coordinates, Siri (school) takes part,
Gro (the mother, with parental responsibility) has consented digitally."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from stafett.consent.models import Consent
from stafett.consent.services import give_consent, request_consent
from stafett.logs.models import Participant, RelayLog
from stafett.logs.services import add_participant, start_log
from stafett.policy import Actor, build_actor
from tests.conftest import World


def as_actor(user: Any) -> Actor:
    """The actor as after log-in (staff have passed the one-time code)."""
    user.is_verified = lambda: True
    return build_actor(user)


@dataclass
class LogWorld:
    world: World
    log: RelayLog
    consent: Consent
    participant: Participant


@pytest.fixture
def active_log(world: World) -> LogWorld:
    coordinator = as_actor(world.employee)
    log = start_log(actor=coordinator, subject=world.child, unit=world.kindergarten, level=2)
    consent = request_consent(
        actor=coordinator,
        log=log,
        purpose="Samarbeid mellom barnehage og skule om Mia.",
        valid_from=timezone.localdate(),
        valid_to=timezone.localdate() + datetime.timedelta(days=180),
        units=[world.kindergarten, world.school],
        method=Consent.Method.DIGITAL,
    )
    give_consent(actor=as_actor(world.guardian), consent=consent)
    log.refresh_from_db()
    participant = add_participant(
        actor=coordinator,
        log=log,
        user=world.school_employee,
        unit=world.school,
        task="Kontaktlærar ved skulestart",
    )
    return LogWorld(world=world, log=log, consent=consent, participant=participant)
