from __future__ import annotations

import time
from typing import Any
from unittest import mock

from stafett.accounts.middleware import SESSION_SEEN_AT
from stafett.accounts.services import deactivate_user
from tests.accounts.helpers import post_login
from tests.conftest import World

MINUTE = 60
HOUR = 3600


def _at(seconds_from_now: float) -> Any:
    moment = time.time() + seconds_from_now
    return mock.patch("stafett.accounts.middleware.time.time", return_value=moment)


def test_a_session_ends_after_30_minutes_idle(world: World, login_as: Any) -> None:
    client = login_as(world.guardian)
    with _at(29 * MINUTE):
        assert client.get("/").status_code == 200
    with _at(29 * MINUTE + 31 * MINUTE):
        response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session

    page = client.get("/login/")
    assert b"You were logged out because you had been away for a while" in page.content


def test_activity_keeps_the_session_alive(world: World, login_as: Any) -> None:
    client = login_as(world.guardian)
    for minutes in (20, 40, 60, 80):
        with _at(minutes * MINUTE):
            assert client.get("/").status_code == 200


def test_a_session_ends_after_12_hours_even_when_active(world: World, login_as: Any) -> None:
    client = login_as(world.guardian)
    with _at(11 * HOUR + 50 * MINUTE):
        session = client.session
        session[SESSION_SEEN_AT] = time.time() - MINUTE
        session.save()
        assert client.get("/").status_code == 200
    with _at(12 * HOUR + MINUTE):
        session = client.session
        session[SESSION_SEEN_AT] = time.time() - MINUTE
        session.save()
        response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_deactivated_users_next_request_is_anonymous(world: World, login_as: Any) -> None:
    client = login_as(world.guardian)
    assert client.get("/").status_code == 200

    deactivate_user(user=world.guardian, by=world.admin)

    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_a_deactivated_staff_members_next_request_is_anonymous(world: World, login_as: Any) -> None:
    client = login_as(world.employee)
    assert client.get("/").status_code == 200
    deactivate_user(user=world.employee, by=world.admin)
    assert client.get("/")["Location"] == "/login/?next=/"


def test_a_deactivated_user_cannot_log_in(world: World, client: Any) -> None:
    deactivate_user(user=world.guardian, by=world.admin)
    response = post_login(client, "guardian")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
