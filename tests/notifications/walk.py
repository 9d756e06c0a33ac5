"""The walker's table for notification URLs (imported by tests/policy/test_every_url.py).

The centre and the e-mail choices are each signed-in person's own; the list of failed
e-mails is the municipal administrator's (each reaches only their own municipality's)."""

from __future__ import annotations

from typing import Any

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


EVERYONE_SIGNED_IN = {"admin", "leader", "employee", "guardian", "youth", "other_staff"}
SIGNED_IN_GET = _roles(**dict.fromkeys(EVERYONE_SIGNED_IN, 200))
SIGNED_IN_POST = _roles(**dict.fromkeys(EVERYONE_SIGNED_IN, FORM_POST))
NO_METHOD = {role: 405 for role in _roles()}

NOTIFICATION_EXPECTED: dict[str, dict[str, dict[str, Any]]] = {
    "notifications:centre": {"GET": SIGNED_IN_GET, "POST": NO_METHOD},
    "notifications:preferences": {"GET": SIGNED_IN_GET, "POST": SIGNED_IN_POST},
    "notifications:failed_deliveries": {
        "GET": _roles(admin=200, leader=403, employee=403, other_staff=200),
        "POST": NO_METHOD,
    },
}
