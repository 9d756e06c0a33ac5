"""The walker's table for concern URLs (imported by tests/policy/test_every_url.py).

The walked concern is registered by `employee` and shared with `leader` (who may read it
and add a view, not run its steps). Nobody else may know it exists.

The violence/abuse path and the report to child welfare are walked on a second concern of
`employee`'s, on that path, with a draft report: `leader` leads its unit and reads it (not
shared), only `employee` writes the report, and no guardian or youth learns it exists.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from stafett.concerns.models import ChildWelfareReport, Concern, ConcernShare, ReportVersion
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
    # Attaching to the named child's open relay log: only that log's coordinator, among
    # those who read the concern. The walked concern names no child, so nobody may (403 to
    # its insiders, 404 to everyone else); tests/concerns/test_attach_to_log.py walks it
    # with a log.
    "concerns:attach": {
        "GET": _roles(leader=403, employee=403),
        "POST": _roles(leader=403, employee=403),
    },
    "concerns:add_view": {
        "GET": _roles(leader=200, employee=403),
        "POST": _roles(leader=FORM_POST, employee=403),
    },
    # The municipality's own scale: each administrator reaches only their own.
    "concerns:worry_scale": {
        "GET": _roles(admin=200, leader=403, employee=403, other_staff=200),
        "POST": _roles(admin=FORM_POST, leader=403, employee=403, other_staff=FORM_POST),
    },
    # The violence/abuse path: insiders read who to contact; the author takes it (a second
    # time: a clear message and a redirect back).
    "concerns:violence_path": {"GET": _roles(leader=200, employee=200), "POST": AUTHOR_POST},
    # The report to child welfare: the author and the unit's leader read it (and download
    # the PDF); only the author writes the draft and marks it as sent.
    "concerns:report": {"GET": _roles(leader=200, employee=200), "POST": NO_POST},
    "concerns:report_pdf": {"GET": _roles(leader=200, employee=200), "POST": NO_POST},
    "concerns:report_edit": {"GET": AUTHOR_GET, "POST": AUTHOR_POST},
    "concerns:report_sent": {"GET": AUTHOR_GET, "POST": AUTHOR_POST},
    # Send through Fiks (issue 12): only the author; without the municipality's Fiks set-up
    # the page says so (200) and a POST changes nothing (a message, 200).
    "delivery:report_fiks": {"GET": AUTHOR_GET, "POST": AUTHOR_POST},
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
            concern=concern,
            user=world.leader,
            role=ConcernShare.Role.LEADER,
            unit=concern.unit,  # shared with the leader in the concern's unit
        )
    return concern


def walk_violence_concern(world: World) -> Concern:
    """On the violence/abuse path, with a draft report (not shared: the unit's leader
    reads it as the leader of its unit)."""
    concern = Concern.objects.filter(municipality=world.municipality, label="walk-vold").first()
    if concern is None:
        concern = Concern.objects.create(
            municipality=world.municipality,
            unit=world.kindergarten,
            author=world.employee,
            label="walk-vold",
            subject=world.child,
            noticed="Noticed bruises.",
            noticed_on=datetime.date.today(),
            decide_by=datetime.date.today() + datetime.timedelta(days=14),
            violence_path_at=timezone.now(),
            violence_path_by=world.employee,
        )
        report = ChildWelfareReport.objects.create(
            municipality=world.municipality, concern=concern, author=world.employee
        )
        ReportVersion.objects.create(
            report=report,
            number=1,
            saved_by=world.employee,
            saved_by_name="Eva Tilsett",
            reporter_name="Eva Tilsett",
            reporter_unit=world.kindergarten.name,
            child_name=world.child.full_name,
            observed="Bruises on both arms, 20.11.",
            urgency="urgent",
            not_informed_why="Violence suspected.",
        )
    return concern


VIOLENCE_ROUTES = {
    "concerns:violence_path",
    "concerns:report",
    "concerns:report_pdf",
    "concerns:report_edit",
    "concerns:report_sent",
    "delivery:report_fiks",
}


def concern_values(world: World, route: Any) -> dict[str, Any]:
    if "concern" not in route.kwargs:
        return {}
    if route.name in VIOLENCE_ROUTES:
        return {"concern": walk_violence_concern(world).uuid}
    return {"concern": walk_concern(world).uuid}
