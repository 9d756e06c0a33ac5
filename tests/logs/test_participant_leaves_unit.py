"""A participant takes part for a unit: leaving that unit ends their part (issue 10, item 3).

Siri (school) takes part in Mia's log; the school's leader removes her from the school.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import translation

from stafett.logs.models import Entry, Participant
from stafett.organisation.models import Membership
from tests import factories as f
from tests.logs.conftest import LogWorld


def test_a_participant_removed_from_her_unit_loses_the_log_for_good(
    active_log: LogWorld, login_as: Any
) -> None:
    w = active_log.world
    log_url = reverse("logs:detail", kwargs={"log": active_log.log.uuid})
    assert "Mia" in login_as(w.school_employee).get(log_url).content.decode()
    rektor = f.make_user(w.municipality, username="rektor", first_name="Rolf", last_name="Rektor")
    f.add_membership(rektor, w.school, Membership.Role.LEADER)

    remove = reverse(
        "organisation:employee_remove",
        kwargs={"unit": w.school.uuid, "person": w.school_employee.uuid},
    )
    login_as(rektor).post(remove)
    assert not Membership.objects.current().filter(user=w.school_employee).exists()

    client = login_as(w.school_employee)
    assert client.get(log_url).status_code == 404
    assert client.get(reverse("logs:print", kwargs={"log": active_log.log.uuid})).status_code == 404
    # Her part ends, with a line in the log's history the family and coordinator read.
    active_log.participant.refresh_from_db()
    assert active_log.participant.removed_at is not None
    line = Entry.objects.get(log=active_log.log, latest__event_type="participant.left_unit")
    assert "Siri Lærar" in line.latest.body and "Testvik skule" in line.latest.body
    # Coming back to the school does not bring the old access back.
    f.add_membership(w.school_employee, w.school)
    assert login_as(w.school_employee).get(log_url).status_code == 404
    assert not Participant.objects.current().filter(user=w.school_employee).exists()


def test_the_coordinator_of_a_log_moved_to_another_unit_counts_in_the_new_unit_only(
    active_log: LogWorld, login_as: Any
) -> None:
    """After a handover across units the baton belongs to the log's new unit: the new
    coordinator's membership there is what counts (not the unit the log started in)."""
    from stafett.logs.services import answer_handover, propose_handover
    from tests.logs.conftest import as_actor

    w = active_log.world
    log = active_log.log
    handover = propose_handover(
        actor=as_actor(w.employee),
        log=log,
        to_user=w.school_employee,
        to_unit=w.school,
        message="Mia byrjar på skulen.",
    )
    answer_handover(actor=as_actor(w.school_employee), handover=handover, accept=True)
    log.refresh_from_db()
    assert (log.coordinator_id, log.unit_id, log.origin_unit_id) == (
        w.school_employee.id,
        w.school.id,
        w.kindergarten.id,
    )
    log_url = reverse("logs:detail", kwargs={"log": log.uuid})
    assert login_as(w.school_employee).get(log_url).status_code == 200
    # Working in the unit the log started in is not enough.
    f.add_membership(w.school_employee, w.kindergarten)
    Membership.objects.filter(user=w.school_employee, unit=w.school).update(ended_at=log.updated_at)
    assert login_as(w.school_employee).get(log_url).status_code == 404


def test_a_unit_holding_an_open_log_cannot_be_taken_out_of_use(active_log: LogWorld) -> None:
    """Taking a unit out of use ends every role in it: its batons are handed over first."""
    import pytest
    from django.core.exceptions import ValidationError

    from stafett.organisation.services import update_unit
    from tests.logs.conftest import as_actor

    w = active_log.world
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        update_unit(
            actor=as_actor(w.admin),
            unit=w.kindergarten,
            name=w.kindergarten.name,
            service_kind=w.kindergarten.service_kind,
            is_active=False,
        )
    assert "still holds open relay logs (1)" in " ".join(refused.value.messages)
    w.kindergarten.refresh_from_db()
    assert w.kindergarten.is_active
