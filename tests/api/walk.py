"""The every-URL walk's tables for the JSON API (imported by tests/policy/test_every_url.py).

The API answers as the web does, in its own words: anonymous callers get 401 (not a
redirect to the log-in page), outsiders 404, insiders without the right 403, undeclared
methods 405. Writes are walked with a valid JSON body (`api_body`), so that the answer is
the policy's and not the body's: 201 created (rolled back after each request).

`tests/policy/test_api_routes_in_table.py` checks that every operation of the OpenAPI
document (path and method) has a row here."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from stafett.logs.models import Entry, EntryKind
from tests.conftest import World
from tests.policy.log_table import LOG_ROLES
from tests.policy.walker import CONTENT, Route

ROLES = ["anonymous", "admin", "leader", "employee", "guardian", "youth", "other_staff"]


def _roles(roles: list[str], **given: Any) -> dict[str, Any]:
    return {role: given.get(role, 401 if role == "anonymous" else 404) for role in roles}


def _all(roles: list[str], status: Any) -> dict[str, Any]:
    return dict.fromkeys(roles, status)


# Not about a log: the walk of every URL (seven roles).
STAFF = _roles(ROLES, admin=200, leader=200, employee=200)
# Lists of "my municipality": the other municipality's staff get their own.
STAFF_OWN = _roles(ROLES, admin=200, leader=200, employee=200, other_staff=200)
API_EXPECTED: dict[str, dict[str, dict[str, Any]]] = {
    # The document and the docs are public (they describe, they hold no data).
    "api:openapi-json": {"GET": _all(ROLES, 200), "POST": _all(ROLES, 405)},
    "api:openapi-view": {"GET": _all(ROLES, 200), "POST": _all(ROLES, 405)},
    "api:api-root": {"GET": _all(ROLES, 404), "POST": _all(ROLES, 404)},
    # The municipality's structure: its staff (and integrations).
    "api:units": {"GET": STAFF_OWN, "POST": _all(ROLES, 405)},
    "api:unit": {"GET": STAFF, "POST": _all(ROLES, 405)},
    "api:services": {"GET": STAFF_OWN, "POST": _all(ROLES, 405)},
    "api:service": {"GET": STAFF, "POST": _all(ROLES, 405)},
    # The logs the caller may see (none in this walk's world): everyone signed in.
    "api:logs": {
        "GET": _roles(ROLES, **dict.fromkeys(ROLES[1:], 200)),
        "POST": _all(ROLES, 405),
    },
    # Statistics (policy `statistics.view`, as the web page): the administrator and unit
    # leaders; employees 403; the other municipality's administrator gets their own.
    "api:statistics": {
        "GET": _roles(ROLES, admin=200, leader=200, employee=403, other_staff=200),
        "POST": _all(ROLES, 405),
    },
    # The integration tokens page (web): the municipal administrator.
    "api_tokens:list": {
        "GET": {
            **_roles(ROLES, admin=200, leader=403, employee=403, other_staff=200),
            "anonymous": 302,
        },
        "POST": {
            **_roles(ROLES, admin=200, leader=403, employee=403, other_staff=200),
            "anonymous": 302,
        },
    },
    "api_tokens:revoke": {
        "GET": _all(ROLES, 405),
        "POST": {**_roles(ROLES, admin=302, leader=403, employee=403), "anonymous": 302},
    },
}


# About the walk's log (tests/policy/log_world.py): eight roles, per consent state.
def _log(default: Any = 403, **given: Any) -> dict[str, Any]:
    insiders = ("leader", "employee", "participant", "guardian")
    return _roles(LOG_ROLES, **{role: given.get(role, default) for role in insiders})


NO = _all(LOG_ROLES, 405)
READERS = _log(employee=CONTENT, participant=CONTENT, guardian=CONTENT)
READERS_200 = _log(employee=200, participant=200, guardian=200)
WRITERS = _log(employee=201, participant=201)

API_VALID: dict[str, dict[str, dict[str, Any]]] = {
    # The list names the child: every signed-in caller gets 200 (with or without the log).
    "api:logs": {"GET": _roles(LOG_ROLES, **dict.fromkeys(LOG_ROLES[1:], 200)), "POST": NO},
    # Where the log stands: its readers, the unit's leader (header only).
    "api:log": {"GET": _log(200), "POST": NO},
    "api:entries": {"GET": READERS, "POST": WRITERS},
    # Only the author (the coordinator) changes the note.
    "api:entry": {"GET": READERS_200, "POST": NO, "PATCH": _log(employee=200)},
    "api:measures": {"GET": READERS, "POST": WRITERS},
    "api:measure": {"GET": READERS_200, "POST": NO, "PATCH": _log(employee=200)},
    "api:meetings": {"GET": READERS_200, "POST": WRITERS},
    "api:meeting": {"GET": READERS_200, "POST": NO, "PATCH": _log(employee=200)},
    "api:consent": {"GET": _log(employee=200, guardian=200), "POST": NO},
    # Who has read the log: the family only, as on the web (policy `log.access_list`).
    "api:access_log": {"GET": _log(guardian=200), "POST": NO},
}

# Without valid consent: professionals read nothing; the family reads on; nobody writes.
API_WITHOUT_CONSENT: dict[str, dict[str, dict[str, Any]]] = {
    **API_VALID,
    "api:log": {"GET": _log(200, participant=403), "POST": NO},
    "api:entries": {"GET": _log(guardian=CONTENT), "POST": _log()},
    "api:entry": {"GET": _log(guardian=200), "POST": NO, "PATCH": _log()},
    "api:measures": {"GET": _log(guardian=CONTENT), "POST": _log()},
    "api:measure": {"GET": _log(guardian=200), "POST": NO, "PATCH": _log()},
    "api:meetings": {"GET": _log(guardian=200), "POST": _log()},
    "api:meeting": {"GET": _log(guardian=200), "POST": NO, "PATCH": _log()},
}

API_LOG_TABLES = {
    "valid": API_VALID,
    "expired": API_WITHOUT_CONSENT,
    "withdrawn": API_WITHOUT_CONSENT,
}


def api_values(world: World, route: Route) -> dict[str, Any]:
    """URL parameters of the API's routes that are not about a log."""
    values: dict[str, Any] = {"service": world.kindergarten.service_kind.uuid}
    if route.name == "api_tokens:revoke":
        from tests.api.helpers import make_token

        token, _key = make_token(world.admin, world.municipality, [world.school])
        values["api_token"] = token.uuid
    return values


def api_log_values(route: Route, log: Any) -> dict[str, Any]:
    """The entry each API route is walked with: the note, the measure, the meeting."""
    kind = {"api:measure": EntryKind.MEASURE, "api:meeting": EntryKind.MEETING}.get(
        route.name, EntryKind.NOTE
    )
    entry = Entry.objects.filter(log=log, kind=kind).order_by("id").first()
    return {"entry": entry.uuid} if entry is not None else {}


def api_body(route_name: str, method: str, walk: Any) -> Any:
    """A valid body for each write the walk makes: only the policy can refuse it."""
    soon = timezone.now() + datetime.timedelta(days=5)
    today = timezone.localdate()
    bodies: dict[tuple[str, str], Any] = {
        ("api:entries", "POST"): {"kind": "note", "body": "Frå vandringa."},
        ("api:entry", "PATCH"): {"base_version": 1, "body": "Endra i vandringa."},
        ("api:measures", "POST"): {
            "title": "Vandringstiltak",
            "responsible": str(walk.log.coordinator.uuid),
            "start_date": today.isoformat(),
            "evaluation_date": (today + datetime.timedelta(days=30)).isoformat(),
        },
        ("api:measure", "PATCH"): {"base_version": 1, "measure_status": "running"},
        ("api:meetings", "POST"): {
            "meeting_kind": "planning",
            "starts_at": soon.isoformat(),
            "place": "Solsida barnehage",
        },
        ("api:meeting", "PATCH"): {"base_version": 1, "place": "Testvik skule"},
    }
    return bodies.get((route_name, method), {})


# The same log about a youth who consents alone (tests/policy/log_table.py, YOUTH_TABLES):
# `youth` (Jonas) has the consenting mother's rights above; his mother reads (and may do
# nothing else) only while he shares the log with her under the consent in force.
API_SHARED_READS = {
    "api:log",
    "api:entries",
    "api:entry",
    "api:measures",
    "api:measure",
    "api:meetings",
    "api:meeting",
    "api:consent",
    "api:access_log",
}


def _api_for_youth(table: dict[str, dict[str, dict[str, Any]]], *, shared: bool) -> Any:
    result: dict[str, dict[str, dict[str, Any]]] = {}
    for name, methods in table.items():
        result[name] = {}
        for method, expected in methods.items():
            row = dict(expected)
            row["youth"] = expected["guardian"]
            mother = expected["guardian"]
            if name != "api:logs" and mother != 405:
                if not shared:
                    mother = 404
                elif (name not in API_SHARED_READS or method != "GET") and mother != 404:
                    mother = 403
            row["guardian"] = mother
            result[name][method] = row
    return result


API_YOUTH_TABLES = {
    (state, sharing): _api_for_youth(
        API_LOG_TABLES[state], shared=sharing == "shared" and state == "valid"
    )
    for state in ("valid", "expired", "withdrawn")
    for sharing in ("not_shared", "shared")
}
