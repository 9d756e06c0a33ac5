"""`notification.send`, asked for the recipient at send time (policy.may_notify)."""

from __future__ import annotations

from stafett.consent.services import withdraw_consent
from stafett.notifications.models import Kind
from stafett.policy import may_notify
from tests.logs.conftest import LogWorld
from tests.notifications.conftest import as_actor


def test_people_on_the_log_may_be_told_of_its_events_and_outsiders_never(
    active_log: LogWorld,
) -> None:
    world, log = active_log.world, active_log.log
    for person in (world.employee, world.school_employee, world.guardian):
        assert may_notify(person, Kind.BRIGHT_SPOT, log)
    for person in (world.leader, world.admin, world.other_staff, world.youth):
        assert not may_notify(person, Kind.BRIGHT_SPOT, log)


def test_consent_expiring_is_for_the_coordinator_and_the_family_only(
    active_log: LogWorld,
) -> None:
    world, log = active_log.world, active_log.log
    assert may_notify(world.employee, Kind.CONSENT_EXPIRING, log)
    assert may_notify(world.guardian, Kind.CONSENT_EXPIRING, log)
    assert not may_notify(world.school_employee, Kind.CONSENT_EXPIRING, log)


def test_access_ended_is_told_to_the_professionals_on_the_log_after_they_lose_access(
    active_log: LogWorld,
) -> None:
    world, log = active_log.world, active_log.log
    withdraw_consent(actor=as_actor(world.guardian), log=log)
    assert not may_notify(world.school_employee, Kind.BRIGHT_SPOT, log)
    assert may_notify(world.school_employee, Kind.CONSENT_ENDED, log)
    assert may_notify(world.employee, Kind.CONSENT_ENDED, log)
    for person in (world.guardian, world.leader, world.other_staff):
        assert not may_notify(person, Kind.CONSENT_ENDED, log)


def test_a_deactivated_person_is_told_nothing(active_log: LogWorld) -> None:
    siri = active_log.world.school_employee
    siri.is_active = False
    siri.save(update_fields=["is_active"])
    assert not may_notify(siri, Kind.MEASURE_ASSIGNED, active_log.log)
