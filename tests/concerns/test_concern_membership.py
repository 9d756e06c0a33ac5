"""Reading a level-0 concern follows membership of a unit (issue 10, item 4).

The author reads it while they work in the concern's unit; a colleague or leader it was
shared with reads it while they work in the unit they were shared with in (the health
nurse of another unit is a legitimate reader, until she leaves that unit). An author who
leaves with open concerns does not orphan them: the unit's leader takes them over on the
removal page.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone

from stafett.accounts.models import User
from stafett.concerns import services
from stafett.concerns.models import (
    ChildWelfareReport,
    Concern,
    ConcernRecord,
    ConcernShare,
    RecordKind,
)
from stafett.organisation.models import Membership, Unit
from tests import factories as f
from tests.concerns.conftest import as_actor, register
from tests.conftest import World

LABEL = "Eit barn på Blå avdeling"


def detail_url(concern: Concern) -> str:
    return reverse("concerns:detail", kwargs={"concern": concern.uuid})


def remove_url(unit: Unit, user: User) -> str:
    return reverse("organisation:employee_remove", kwargs={"unit": unit.uuid, "person": user.uuid})


def youth_school(world: World) -> Unit:
    return f.make_unit(world.municipality, "Testvik ungdomsskule", world.school.service_kind)


def leave(user: User, unit: Unit) -> None:
    """The membership ends by some other way than the leader's removal page."""
    Membership.objects.current().filter(user=user, unit=unit).update(ended_at=timezone.now())


def pages_show_concern(client: Any, concern: Concern) -> dict[str, bool]:
    # The home page first: opening the concern marks a share as read.
    home = LABEL in client.get(reverse("home:home")).content.decode()
    listed = LABEL in client.get(reverse("concerns:list")).content.decode()
    detail = client.get(detail_url(concern)).status_code == 200
    return {"detail": detail, "list": listed, "home": home}


def test_an_author_who_moves_to_another_unit_no_longer_reads_the_concern(
    world: World, login_as: Any
) -> None:
    concern = register(world)
    Concern.objects.filter(pk=concern.pk).update(
        decide_by=timezone.localdate() - datetime.timedelta(days=1)
    )
    client = login_as(world.employee)
    assert pages_show_concern(client, concern) == {"detail": True, "list": True, "home": True}

    f.add_membership(world.employee, youth_school(world))
    leave(world.employee, world.kindergarten)

    client = login_as(world.employee)
    assert client.get(detail_url(concern)).status_code == 404
    assert pages_show_concern(client, concern) == {"detail": False, "list": False, "home": False}
    observe = reverse("concerns:observe", kwargs={"concern": concern.uuid})
    assert client.post(observe, {"body": "Eg skriv likevel."}).status_code == 404
    assert not ConcernRecord.objects.filter(concern=concern, body="Eg skriv likevel.").exists()


def test_a_colleague_it_was_shared_with_loses_it_when_she_leaves_her_unit(
    world: World, login_as: Any
) -> None:
    concern = register(world)
    share = services.share_concern(
        actor=as_actor(world.employee),
        concern=concern,
        user=world.school_employee,
        role="colleague",
    )
    # Shared with the teacher of another unit: the share records that unit.
    assert share.unit_id == world.school.id
    client = login_as(world.school_employee)
    assert pages_show_concern(client, concern) == {"detail": True, "list": True, "home": True}

    f.add_membership(world.school_employee, youth_school(world))
    leave(world.school_employee, world.school)

    client = login_as(world.school_employee)
    assert pages_show_concern(client, concern) == {"detail": False, "list": False, "home": False}
    add_view = reverse("concerns:add_view", kwargs={"concern": concern.uuid})
    assert client.post(add_view, {"body": "Mitt syn."}).status_code == 404
    # The author still reads it, and sees the share as ended.
    page = login_as(world.employee).get(detail_url(concern)).content.decode()
    assert "Siri Lærar" in page
    assert "the share has ended: they no longer work in that unit" in page


def test_a_share_does_not_come_back_when_the_person_returns_to_the_unit(
    world: World, login_as: Any
) -> None:
    concern = register(world)
    services.share_concern(
        actor=as_actor(world.employee),
        concern=concern,
        user=world.school_employee,
        role="colleague",
    )
    school_leader = f.make_user(world.municipality, username="rektor", first_name="Rolf")
    f.add_membership(school_leader, world.school, Membership.Role.LEADER)
    login_as(school_leader).post(remove_url(world.school, world.school_employee))
    share = ConcernShare.objects.get(concern=concern, user=world.school_employee)
    assert share.ended_at is not None
    f.add_membership(world.school_employee, world.school)
    assert login_as(world.school_employee).get(detail_url(concern)).status_code == 404


def test_the_leader_takes_over_the_open_concerns_of_an_author_who_leaves(
    world: World, login_as: Any
) -> None:
    concern = register(world)
    client = login_as(world.leader)
    page = client.get(remove_url(world.kindergarten, world.employee)).content.decode()
    # Listed by metadata only: no label, nothing of what was noticed.
    assert "open concern" in page
    assert LABEL not in page and "åleine" not in page

    response = client.post(remove_url(world.kindergarten, world.employee), follow=True)
    assert Membership.objects.current().filter(user=world.employee).exists()
    assert "still has open concerns" in response.content.decode()

    client.post(remove_url(world.kindergarten, world.employee), {"batons": "take"})
    assert not Membership.objects.current().filter(user=world.employee).exists()
    concern.refresh_from_db()
    assert concern.author_id == world.leader.id
    line = ConcernRecord.objects.filter(concern=concern, kind=RecordKind.SHARED).last()
    assert line is not None and "Eva Tilsett" in line.body and "Lars Leiar" in line.body
    # The registration stays credited to the one who wrote it.
    first = ConcernRecord.objects.get(concern=concern, kind=RecordKind.REGISTERED)
    assert first.author_id == world.employee.id
    assert LABEL in client.get(detail_url(concern)).content.decode()
    f.add_membership(world.employee, youth_school(world))
    assert login_as(world.employee).get(detail_url(concern)).status_code == 404


def test_an_unsent_report_to_child_welfare_goes_to_the_leader_with_its_concern(
    world: World, login_as: Any
) -> None:
    """Decided for a report to child welfare, the draft not yet sent: the leader takes the
    concern and the draft, and may finish and send it."""
    concern = register(world)
    Concern.objects.filter(pk=concern.pk).update(status=Concern.Status.CHILD_WELFARE)
    report = ChildWelfareReport.objects.create(
        municipality=world.municipality, concern=concern, author=world.employee
    )
    client = login_as(world.leader)
    page = client.get(remove_url(world.kindergarten, world.employee)).content.decode()
    assert "open concern" in page
    client.post(remove_url(world.kindergarten, world.employee), {"batons": "take"})
    assert not Membership.objects.current().filter(user=world.employee).exists()
    report.refresh_from_db()
    concern.refresh_from_db()
    assert (concern.author_id, report.author_id) == (world.leader.id, world.leader.id)
    edit = reverse("concerns:report_edit", kwargs={"concern": concern.uuid})
    assert client.get(edit).status_code == 200


def test_shares_made_before_they_named_a_unit_get_the_unit_they_were_made_in(
    world: World,
) -> None:
    """The data migration: the concern's unit for someone who worked there, else the unit
    the person works in; nobody who never worked anywhere keeps a share."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("stafett.concerns.migrations.0004_share_unit_and_end")
    concern = register(world)
    nobody = f.make_user(world.municipality, username="utan.eining")
    for user in (world.leader, world.school_employee, nobody):
        ConcernShare.objects.create(concern=concern, user=user, role="colleague", unit=None)

    migration.record_share_units(apps, None)

    units = dict(ConcernShare.objects.filter(concern=concern).values_list("user_id", "unit_id"))
    assert units == {
        world.leader.id: world.kindergarten.id,
        world.school_employee.id: world.school.id,
        nobody.id: None,
    }
