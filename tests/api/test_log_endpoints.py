"""Relay logs through the API, with the web's rules: the same policy, services and
access log."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from stafett.audit.models import AccessLogEntry
from stafett.logs.models import Entry, EntryKind
from tests.conftest import World
from tests.policy.log_world import GOAL, MEASURE, NOTE, make_log

pytestmark = pytest.mark.django_db


def test_the_family_reads_who_has_read_the_log(world: World, login_as: Any) -> None:
    walk = make_log(world, "valid")
    coordinator = login_as(world.employee)
    coordinator.get(f"/api/v1/logs/{walk.log.uuid}/entries")
    family = login_as(world.guardian)
    response = family.get(f"/api/v1/logs/{walk.log.uuid}/access-log")
    assert response.status_code == 200
    rows = response.json()["items"]
    assert rows[0]["action"] == "log.access_list" and rows[0]["who"] == "Gro Mor"
    assert any(r["who"] == "Eva Tilsett" and r["action"] == "log.view" for r in rows)


def test_the_access_list_is_the_familys_as_on_the_web(world: World, login_as: Any) -> None:
    walk = make_log(world, "valid")
    for user, status in ((world.employee, 403), (world.school_employee, 403), (world.admin, 404)):
        response = login_as(user).get(f"/api/v1/logs/{walk.log.uuid}/access-log")
        assert response.status_code == status
        assert "items" not in response.json()


def test_consent_state_is_read_and_logged(world: World, login_as: Any) -> None:
    walk = make_log(world, "valid")
    client = login_as(world.employee)
    response = client.get(f"/api/v1/logs/{walk.log.uuid}/consent")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] in ("valid", "expiring") and body["grants_access"] is True
    assert {u["name"] for u in body["units"]} == {"Solsida barnehage", "Testvik skule"}
    assert AccessLogEntry.objects.filter(
        actor=world.employee, action="consent.view", object_uuid=walk.log.uuid
    ).exists()


def test_the_unit_leader_sees_where_the_log_stands_but_no_content(
    world: World, login_as: Any
) -> None:
    walk = make_log(world, "valid")
    client = login_as(world.leader)
    listed = client.get("/api/v1/logs").json()["items"]
    assert [(i["uuid"], i["content"]) for i in listed] == [(str(walk.log.uuid), False)]
    assert client.get(f"/api/v1/logs/{walk.log.uuid}").json()["content"] is False
    response = client.get(f"/api/v1/logs/{walk.log.uuid}/entries")
    assert response.status_code == 403
    assert NOTE not in response.content.decode()


def test_the_coordinator_adds_a_measure_and_a_meeting(world: World, login_as: Any) -> None:
    walk = make_log(world, "valid")
    client = login_as(world.employee)
    today = timezone.localdate()
    response = client.post(
        f"/api/v1/logs/{walk.log.uuid}/measures",
        {
            "title": "Leseøkt kvar dag",
            "responsible": str(world.school_employee.uuid),
            "start_date": today.isoformat(),
            "evaluation_date": (today + datetime.timedelta(days=20)).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["responsible"]["name"] == "Siri Lærar"
    assert response.json()["measure_status"] == "planned"
    response = client.post(
        f"/api/v1/logs/{walk.log.uuid}/meetings",
        {
            "meeting_kind": "planning",
            "starts_at": (timezone.now() + datetime.timedelta(days=7)).isoformat(),
            "place": "Testvik skule",
            "invited": [str(world.school_employee.uuid), str(world.guardian.uuid)],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert {p["name"] for p in response.json()["invited"]} == {"Siri Lærar", "Gro Mor"}
    measures = client.get(f"/api/v1/logs/{walk.log.uuid}/measures").json()["items"]
    assert {m["title"] for m in measures} == {MEASURE, "Leseøkt kvar dag"}


def test_a_service_refusal_is_a_clear_422_and_changes_nothing(world: World, login_as: Any) -> None:
    walk = make_log(world, "valid")
    client = login_as(world.employee)
    before = Entry.objects.count()
    today = timezone.localdate().isoformat()
    response = client.post(
        f"/api/v1/logs/{walk.log.uuid}/measures",
        {
            "title": "Tiltak",
            "responsible": str(world.other_staff.uuid),  # not in this log
            "start_date": today,
            "evaluation_date": today,
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["message"] == "Choose who is responsible for the measure."
    response = client.post(
        f"/api/v1/logs/{walk.log.uuid}/meetings",
        {"meeting_kind": "planning", "starts_at": timezone.now().isoformat()},
        content_type="application/json",
    )
    assert response.json()["message"] == "Give a place or a video link."
    assert Entry.objects.count() == before


def test_the_participant_may_not_change_the_coordinators_goal(world: World, login_as: Any) -> None:
    walk = make_log(world, "valid")
    goal = Entry.objects.get(log=walk.log, kind=EntryKind.GOAL)
    client = login_as(world.school_employee)
    response = client.patch(
        f"/api/v1/logs/{walk.log.uuid}/entries/{goal.uuid}",
        {"base_version": 1, "title": "Anna mål"},
        content_type="application/json",
    )
    assert response.status_code == 403
    goal.refresh_from_db()
    assert goal.version_count == 1 and goal.latest is not None and goal.latest.title == GOAL


def test_lists_take_a_constant_number_of_queries(
    world: World, login_as: Any, django_assert_max_num_queries: Any
) -> None:
    walk = make_log(world, "valid")
    client = login_as(world.employee)
    for n in range(5):
        client.post(
            f"/api/v1/logs/{walk.log.uuid}/entries",
            {"kind": "note", "body": f"Notat {n}"},
            content_type="application/json",
        )
    with django_assert_max_num_queries(30):
        response = client.get(f"/api/v1/logs/{walk.log.uuid}/entries")
    in_log = Entry.objects.filter(log=walk.log, latest__isnull=False).count()
    assert response.json()["count"] == in_log
    assert sum(1 for e in response.json()["items"] if e["body"].startswith("Notat")) == 5
    for subject_age in (3, 4, 6):
        from stafett.logs.services import start_log
        from tests import factories as f
        from tests.api.helpers import as_actor

        child = f.make_subject(world.municipality, age=subject_age, first_name="Barn")
        start_log(actor=as_actor(world.employee), subject=child, unit=world.kindergarten, level=1)
    with django_assert_max_num_queries(30):
        response = client.get("/api/v1/logs")
    assert response.json()["count"] == 4
