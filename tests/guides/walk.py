"""The guides' part of the every-URL walk (tests/policy/test_every_url.py): expected
answers per role, and test values for the URL parameters.

`guide_values` runs inside the walker's rolled-back savepoint, so it builds fresh rows
for each request that needs them.
"""

from __future__ import annotations

from typing import Any

from stafett.guides import services
from stafett.guides.models import FormField
from stafett.logs.models import Entry
from tests.conftest import World
from tests.guides.builders import as_actor, make_guide, make_tool
from tests.policy.log_world import make_log
from tests.policy.walker import Route

FORM_POST = {200, 302}


def _roles(**given: Any) -> dict[str, Any]:
    base = {
        "anonymous": 302,
        "admin": 404,
        "leader": 404,
        "employee": 404,
        "guardian": 404,
        "youth": 404,
        "other_staff": 404,
    }
    base.update(given)
    return base


EVERYONE = _roles(
    anonymous=200, admin=200, leader=200, employee=200, guardian=200, youth=200, other_staff=200
)
NO = {role: 405 for role in _roles()}
ADMIN_PAGE = _roles(admin=200, leader=403, employee=403)
ADMIN_POST = _roles(admin=FORM_POST, leader=403, employee=403)
ADMIN_OWN_PAGE = _roles(admin=200, leader=403, employee=403, other_staff=200)
ADMIN_OWN_POST = _roles(admin=FORM_POST, leader=403, employee=403, other_staff=FORM_POST)
STAFF_PAGE = _roles(admin=200, leader=200, employee=200)
# A filled form follows its relay log: the coordinator (employee) and the guardian read
# it; the kindergarten's leader is an insider without the right (403).
FILLED_PAGE = _roles(employee=200, guardian=200, leader=403)
# Filling in a form in the log: those who may write in it (the coordinator); the family
# and the unit's leader are insiders without the right.
FILL_PAGE = _roles(employee=200, guardian=403, leader=403)
FILL_POST = _roles(employee=FORM_POST, guardian=403, leader=403)

GUIDE_EXPECTED: dict[str, dict[str, dict[str, Any]]] = {
    "guides:admin_guides": {"GET": ADMIN_OWN_PAGE, "POST": ADMIN_OWN_POST},
    "guides:admin_guide": {"GET": ADMIN_PAGE, "POST": ADMIN_POST},
    "guides:admin_step": {"GET": ADMIN_PAGE, "POST": ADMIN_POST},
    "guides:admin_preview": {"GET": ADMIN_PAGE, "POST": NO},
    "guides:admin_publish": {"GET": NO, "POST": ADMIN_POST},
    "guides:admin_discard": {"GET": NO, "POST": ADMIN_POST},
    "guides:admin_version": {"GET": ADMIN_PAGE, "POST": NO},
    "guides:admin_templates": {"GET": ADMIN_OWN_PAGE, "POST": ADMIN_OWN_POST},
    "guides:admin_template": {"GET": ADMIN_PAGE, "POST": ADMIN_POST},
    "guides:admin_field_add": {"GET": ADMIN_PAGE, "POST": ADMIN_POST},
    "guides:admin_template_publish": {"GET": NO, "POST": ADMIN_POST},
    "guides:admin_template_withdraw": {"GET": NO, "POST": ADMIN_POST},
    "guides:admin_template_version": {"GET": ADMIN_PAGE, "POST": NO},
    "guides:admin_field": {"GET": ADMIN_PAGE, "POST": ADMIN_POST},
    "guides:admin_field_remove": {"GET": NO, "POST": ADMIN_POST},
    "guides:tool": {"GET": STAFF_PAGE, "POST": NO},
    "guides:fill": {"GET": FILL_PAGE, "POST": FILL_POST},
    "guides:filled_form": {"GET": FILLED_PAGE, "POST": NO},
    # Filling in a form for a level-0 concern: its author (employee); the leader it was
    # shared with is an insider without the right; nobody else knows it exists.
    "guides:fill_concern": {
        "GET": _roles(employee=200, leader=403),
        "POST": _roles(employee=FORM_POST, leader=403),
    },
    "guides:public_guides": {"GET": EVERYONE, "POST": NO},
    "guides:public_guide": {"GET": EVERYONE, "POST": NO},
}

_PARAMS = {
    "guide",
    "template",
    "field",
    "filled",
    "municipality",
    "level",
    "step",
    "number",
    "log",
}


def guide_values(world: World, route: Route) -> dict[str, Any]:
    needed = set(route.kwargs) & _PARAMS
    if not needed:
        return {}
    values: dict[str, Any] = {"municipality": world.municipality.slug, "level": 2, "step": "start"}
    values["number"] = 1
    if needed & {"guide", "template", "field"}:
        tool = make_tool(world)
        guide = make_guide(world, tools=[tool])
        # A draft with a field, for the field pages.
        field = services.add_field(
            actor=as_actor(world.admin),
            template=tool,
            field_type="text",
            texts={"nn": {"label": "Dato for observasjonen"}},
        )
        assert isinstance(field, FormField)
        values.update(guide=guide.uuid, template=tool.uuid, field=field.uuid)
    if "log" in needed:
        values["log"] = make_log(world, "valid").log.uuid
    if "filled" in needed:
        walk = make_log(world, "valid")
        tool = make_tool(world)
        version = tool.versions.get(number=1)
        entry = Entry.objects.get(pk=walk.entry.pk)
        filled = services.fill_form(
            actor=as_actor(world.employee),
            version=version,
            entry=entry,
            language="nn",
            answers={},
        )
        values["filled"] = filled.uuid
    return values
