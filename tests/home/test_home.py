from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from stafett.audit.log import verify_chain
from stafett.audit.models import AccessLogEntry
from stafett.organisation.models import Membership
from tests import factories as f
from tests.conftest import World


def test_anonymous_visitors_are_sent_to_log_in(world: World, client: Any) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/")


def test_the_administrator_sees_the_municipality_summary(world: World, login_as: Any) -> None:
    page = login_as(world.admin).get("/").content.decode()
    assert "Testvik kommune" in page
    assert 'href="/municipality/"' in page


def test_a_leader_sees_the_units_they_lead(world: World, login_as: Any) -> None:
    page = login_as(world.leader).get("/").content.decode()
    assert "Solsida barnehage" in page
    assert "Testvik skule" not in page


def test_an_employee_sees_where_they_work_and_what_will_come(world: World, login_as: Any) -> None:
    page = login_as(world.employee).get("/").content.decode()
    assert "Solsida barnehage" in page
    assert "Mia" not in page


def test_staff_of_a_unit_find_the_way_to_start_a_relay_log(world: World, login_as: Any) -> None:
    start = 'href="/logs/new/"'
    for user in (world.employee, world.leader):
        page = login_as(user).get("/").content.decode()
        assert start in page and "Start a relay log" in page, user
        assert login_as(user).get("/logs/new/").status_code == 200
    for user in (world.guardian, world.admin):
        assert start not in login_as(user).get("/").content.decode(), user


def test_a_guardian_sees_their_child_and_the_read_is_logged(world: World, login_as: Any) -> None:
    client = login_as(world.guardian)
    before = AccessLogEntry.objects.filter(subject_uuid=world.child.uuid).count()
    page = client.get("/").content.decode()
    assert "Mia Mor" in page
    assert "Jonas" not in page
    rows = AccessLogEntry.objects.filter(subject_uuid=world.child.uuid)
    assert rows.count() == before + 1
    row = rows.order_by("-id").first()
    assert row is not None
    assert (row.actor, row.role, row.action) == (
        world.guardian,
        "guardian",
        "subject.view_as_family",
    )
    assert verify_chain(world.municipality.id) is None


def test_a_guardian_without_parental_responsibility_sees_nothing(
    world: World, login_as: Any
) -> None:
    page = login_as(world.guardian_without_responsibility).get("/").content.decode()
    assert "Mia" not in page
    # Words for a parent, not the staff's "ask your leader" (issue 11, item 10).
    assert "There is nothing here for you to read" in page or "Her er det ingenting" in page


def test_a_youth_sees_their_own_record(world: World, login_as: Any) -> None:
    page = login_as(world.youth).get("/").content.decode()
    assert "Jonas Ung" in page
    assert "Mia" not in page


def test_other_municipality_staff_see_only_their_own(world: World, login_as: Any) -> None:
    page = login_as(world.other_staff).get("/").content.decode()
    assert "Nabovik" in page
    assert "Testvik" not in page
    assert "Solsida" not in page


def test_home_pages_use_a_constant_number_of_queries(world: World, login_as: Any) -> None:
    def count(user: Any) -> int:
        client = login_as(user)
        client.get("/")  # warm the session
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx.captured_queries)

    leader_before, guardian_before = count(world.leader), count(world.guardian)
    for i in range(20):
        unit = f.make_unit(world.municipality, f"Ekstra eining {i}")
        f.add_membership(world.leader, unit, Membership.Role.LEADER)
        f.add_membership(f.make_user(world.municipality), unit)
        child = f.make_subject(world.municipality, first_name=f"Barn{i}")
        f.add_guardian(child, world.guardian)
    assert count(world.leader) == leader_before
    assert count(world.guardian) == guardian_before
