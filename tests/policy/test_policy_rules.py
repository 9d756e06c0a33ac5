from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from stafett.organisation.models import Membership
from stafett.policy import Decision, Role, allowed, build_actor, decide, family_subjects
from tests.conftest import World


def actor(user: Any, verified: bool = True) -> Any:
    # As django-otp's middleware does after the one-time-code step.
    user.is_verified = lambda: verified
    return build_actor(user)


def test_an_action_without_a_rule_is_denied(world: World) -> None:
    assert decide(actor(world.admin), "no.such.action", world.municipality) is Decision.HIDDEN


def test_anonymous_users_have_no_roles_and_no_rights(world: World) -> None:
    anonymous = build_actor(AnonymousUser())
    assert anonymous.roles == [Role.ANONYMOUS]
    assert decide(anonymous, "home.view") is Decision.HIDDEN


def test_staff_without_the_second_factor_hold_no_role(world: World) -> None:
    unverified = actor(world.admin, verified=False)
    assert Role.MUNICIPAL_ADMIN not in unverified.roles
    assert decide(unverified, "municipality.manage", world.municipality) is not Decision.ALLOW


def test_roles_are_read_from_memberships_and_guardianships(world: World) -> None:
    assert actor(world.admin).roles == [Role.MUNICIPAL_ADMIN]
    assert actor(world.leader).roles == [Role.UNIT_LEADER]
    assert actor(world.employee).roles == [Role.EMPLOYEE]
    assert actor(world.guardian).roles == [Role.GUARDIAN]
    assert actor(world.youth).roles == [Role.YOUTH]


def test_the_administrator_manages_only_their_own_municipality(world: World) -> None:
    admin = actor(world.admin)
    assert decide(admin, "municipality.manage", world.municipality) is Decision.ALLOW
    assert decide(admin, "municipality.manage", world.other_municipality) is Decision.HIDDEN
    assert decide(admin, "unit.manage", world.kindergarten) is Decision.ALLOW
    assert decide(admin, "unit.manage", world.other_unit) is Decision.HIDDEN


def test_insiders_without_the_right_get_forbidden_and_outsiders_hidden(world: World) -> None:
    assert decide(actor(world.employee), "unit.manage", world.kindergarten) is Decision.FORBIDDEN
    assert decide(actor(world.guardian), "unit.manage", world.kindergarten) is Decision.HIDDEN
    assert decide(actor(world.other_staff), "unit.manage", world.kindergarten) is Decision.HIDDEN


def test_a_leader_manages_the_employees_of_their_own_unit_only(world: World) -> None:
    leader = actor(world.leader)
    assert decide(leader, "unit.manage_employees", world.kindergarten) is Decision.ALLOW
    assert decide(leader, "unit.manage_employees", world.school) is Decision.FORBIDDEN
    assert (
        decide(actor(world.admin), "unit.manage_employees", world.kindergarten)
        is Decision.FORBIDDEN
    )


def test_an_ended_membership_takes_the_role_away_at_once(world: World) -> None:
    Membership.objects.filter(user=world.leader).update(ended_at=timezone.now())
    leader = actor(world.leader)
    assert Role.UNIT_LEADER not in leader.roles
    assert decide(leader, "unit.manage_employees", world.kindergarten) is Decision.FORBIDDEN


def test_a_deactivated_user_is_anonymous(world: World) -> None:
    world.employee.is_active = False
    assert actor(world.employee).roles == [Role.ANONYMOUS]


def test_guardians_see_their_children_only_with_parental_responsibility(world: World) -> None:
    guardian = actor(world.guardian)
    assert decide(guardian, "subject.view_as_family", world.child) is Decision.ALLOW
    assert decide(guardian, "subject.view_as_family", world.youth_subject) is Decision.HIDDEN
    assert list(family_subjects(guardian)) == [world.child]
    without = actor(world.guardian_without_responsibility)
    assert without.roles == []
    assert decide(without, "subject.view_as_family", world.child) is Decision.HIDDEN
    assert list(family_subjects(without)) == []


def test_a_youth_sees_their_own_record_and_no_one_elses(world: World) -> None:
    youth = actor(world.youth)
    assert decide(youth, "subject.view_as_family", world.youth_subject) is Decision.ALLOW
    assert decide(youth, "subject.view_as_family", world.child) is Decision.HIDDEN


def test_staff_do_not_see_children_as_family(world: World) -> None:
    for user in (world.admin, world.leader, world.employee, world.other_staff):
        assert decide(actor(user), "subject.view_as_family", world.child) is Decision.HIDDEN


@pytest.mark.parametrize("action", ["municipality.manage", "unit.manage", "home.view"])
def test_allowed_never_raises(world: World, action: str) -> None:
    assert allowed(actor(world.guardian), action, world.kindergarten) in (True, False)
