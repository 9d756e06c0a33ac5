"""The walker's table for concern URLs (imported by tests/policy/test_every_url.py).

The walked concern is registered by `employee` and shared with `leader` (who may read it
and add a view, not run its steps). Nobody else may know it exists.
"""

from __future__ import annotations

import datetime
from typing import Any

from stafett.concerns.models import Concern, ConcernShare
from tests.conftest import World

FORM_POST = {200, 302}


def _roles(**given: Any) -> dict[str, Any]:
    table: dict[str, Any] = {
        "anonymous": 302,
        "admin": 404,
        "leader": 404,
        "employee": 404,
        "guardian": 404,
        "youth": 404,
        "other_staff": 404,
    }
    table.update(given)
    return table


STAFF_GET = _roles(admin=403, leader=200, employee=200, other_staff=200)
STAFF_POST = _roles(admin=403, leader=FORM_POST, employee=FORM_POST, other_staff=FORM_POST)
AUTHOR_GET = _roles(leader=403, employee=200)
AUTHOR_POST = _roles(leader=403, employee=FORM_POST)
NO_POST = {role: 405 for role in _roles()}

CONCERN_EXPECTED: dict[str, dict[str, dict[str, Any]]] = {
    "concerns:list": {"GET": STAFF_GET, "POST": NO_POST},
    "concerns:register": {"GET": STAFF_GET, "POST": STAFF_POST},
    "concerns:detail": {"GET": _roles(leader=200, employee=200), "POST": NO_POST},
    "concerns:observe": {"GET": AUTHOR_GET, "POST": AUTHOR_POST},
    "concerns:score": {"GET": AUTHOR_GET, "POST": AUTHOR_POST},
    "concerns:share": {"GET": AUTHOR_GET, "POST": AUTHOR_POST},
    "concerns:name": {"GET": AUTHOR_GET, "POST": AUTHOR_POST},
    "concerns:family_talk": {"GET": AUTHOR_GET, "POST": AUTHOR_POST},
    "concerns:decide": {"GET": AUTHOR_GET, "POST": AUTHOR_POST},
    "concerns:add_view": {
        "GET": _roles(leader=200, employee=403),
        "POST": _roles(leader=FORM_POST, employee=403),
    },
    # The municipality's own scale: each administrator reaches only their own.
    "concerns:worry_scale": {
        "GET": _roles(admin=200, leader=403, employee=403, other_staff=200),
        "POST": _roles(admin=FORM_POST, leader=403, employee=403, other_staff=FORM_POST),
    },
    # Guardians (with parental responsibility) ask for help; the youth has no child.
    "concerns:ask_for_help": {
        "GET": _roles(guardian=200, youth=403),
        "POST": _roles(guardian=FORM_POST, youth=403),
    },
}


def walk_concern(world: World) -> Concern:
    concern = Concern.objects.filter(municipality=world.municipality, label="walk").first()
    if concern is None:
        concern = Concern.objects.create(
            municipality=world.municipality,
            unit=world.kindergarten,
            author=world.employee,
            label="walk",
            noticed="Noticed something.",
            noticed_on=datetime.date.today(),
            decide_by=datetime.date.today() + datetime.timedelta(days=14),
        )
        ConcernShare.objects.create(
            concern=concern, user=world.leader, role=ConcernShare.Role.LEADER
        )
    return concern


def concern_values(world: World, route: Any) -> dict[str, Any]:
    if "concern" not in route.kwargs:
        return {}
    return {"concern": walk_concern(world).uuid}
