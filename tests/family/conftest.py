"""Issue 11 (the family's side in plain words): a log still waiting for the family's
consent, beside the `active_log` of tests/logs."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from stafett.consent.models import Consent
from stafett.consent.services import request_consent
from stafett.logs.models import RelayLog
from stafett.logs.services import start_log
from tests import factories as f
from tests.conftest import World
from tests.logs.conftest import LogWorld, active_log, as_actor  # noqa: F401

__all__ = ["LogWorld", "as_actor"]


def read_as(client: Client, user: Any, language: str = "en") -> Client:
    """Log in and read the pages in one language."""
    f.login(client, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def asked_log(world: World) -> tuple[RelayLog, Consent]:
    """Eva asks Gro for consent to a log for Mia; Gro has not answered."""
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
    return log, consent


@pytest.fixture
def jonas_log(world: World) -> RelayLog:
    """Jonas (16) consents alone, lets his mother Gro read the log, and writes in his own
    words; Eva coordinates, Siri (school) takes part."""
    from stafett.consent.services import give_consent, share_with_guardians
    from stafett.logs.models import EntryKind
    from stafett.logs.services import add_entry, add_participant

    f.add_guardian(world.youth_subject, world.guardian)
    eva = as_actor(world.employee)
    log = start_log(actor=eva, subject=world.youth_subject, unit=world.kindergarten, level=2)
    consent = request_consent(
        actor=eva,
        log=log,
        purpose="Samarbeid om Jonas.",
        valid_from=timezone.localdate(),
        valid_to=timezone.localdate() + datetime.timedelta(days=180),
        units=[world.kindergarten, world.school],
        method=Consent.Method.DIGITAL,
    )
    jonas = as_actor(world.youth)
    give_consent(actor=jonas, consent=consent)
    log.refresh_from_db()
    add_participant(actor=eva, log=log, user=world.school_employee, unit=world.school, task="Lærar")
    share_with_guardians(actor=jonas, log=log, guardian_uuids=[str(world.guardian.uuid)])
    add_entry(actor=jonas, log=log, kind=EntryKind.CHILD_VOICE, body="Eg vil spele fotball.")
    return log
