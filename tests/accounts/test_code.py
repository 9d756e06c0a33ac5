from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from stafett.audit.models import AccessLogEntry
from tests import factories as f
from tests.accounts.helpers import current_code, device_of, post_login
from tests.conftest import World


def _password_step(client: Client, username: str = "employee", **extra: str) -> None:
    response = post_login(client, username, **extra)
    assert response["Location"] == "/login/code/"


def test_staff_without_the_code_are_sent_to_the_code_page_from_home(
    world: World, client: Client
) -> None:
    _password_step(client)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/code/"


def test_the_code_page_asks_for_six_digits(world: World, client: Client) -> None:
    _password_step(client)
    response = client.get("/login/code/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'autocomplete="one-time-code"' in html
    assert 'inputmode="numeric"' in html
    assert '<label for="id_code">' in html


def test_a_wrong_code_is_refused_and_logged(world: World, client: Client) -> None:
    _password_step(client)
    wrong = "000000" if current_code(device_of(world.employee)) != "000000" else "111111"
    response = client.post("/login/code/", {"code": wrong})
    assert response.status_code == 200
    assert b"That code is not right" in response.content
    assert DEVICE_ID_SESSION_KEY not in client.session
    entry = AccessLogEntry.objects.get(action="login.code_failed")
    assert entry.actor == world.employee
    assert entry.outcome == AccessLogEntry.Outcome.FAILED
    assert client.get("/")["Location"] == "/login/code/"


def test_the_right_code_logs_staff_in_and_rotates_the_session(world: World, client: Client) -> None:
    _password_step(client)
    before = client.session.session_key
    response = client.post("/login/code/", {"code": current_code(device_of(world.employee))})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session.session_key != before
    assert client.session[DEVICE_ID_SESSION_KEY] == device_of(world.employee).persistent_id
    entry = AccessLogEntry.objects.get(action="login.succeeded")
    assert entry.actor == world.employee
    assert entry.role == "staff"


def test_a_code_typed_with_a_space_is_accepted(world: World, client: Client) -> None:
    _password_step(client)
    code = current_code(device_of(world.employee))
    response = client.post("/login/code/", {"code": f"{code[:3]} {code[3:]}"})
    assert response["Location"] == "/"


def test_a_code_cannot_be_used_twice(world: World, client: Client) -> None:
    _password_step(client)
    code = current_code(device_of(world.employee))
    client.post("/login/code/", {"code": code})
    other = f.english_client()
    _password_step(other)
    response = other.post("/login/code/", {"code": code})
    assert b"That code is not right" in response.content


def test_after_a_wrong_code_the_next_try_must_wait(
    world: World, client: Client, settings: Any
) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # long enough that a slow test run cannot outwait it
    _password_step(client)
    device = device_of(world.employee)
    right = current_code(device)
    wrong = "000000" if right != "000000" else "111111"
    client.post("/login/code/", {"code": wrong})

    response = client.post("/login/code/", {"code": right})
    assert re.search(rb"Too many wrong codes in a row. Wait (59|60) seconds,", response.content)
    assert DEVICE_ID_SESSION_KEY not in client.session

    device.refresh_from_db()
    device.throttle_reset()
    response = client.post("/login/code/", {"code": right})
    assert response["Location"] == "/"


def test_staff_go_to_a_safe_next_page_after_the_code(world: World, client: Client) -> None:
    _password_step(client, next="/somewhere/")
    response = client.post("/login/code/", {"code": current_code(device_of(world.employee))})
    assert response["Location"] == "/somewhere/"


def test_the_code_page_sends_anonymous_people_to_log_in(client: Client, db: Any) -> None:
    assert client.get("/login/code/")["Location"] == "/login/"
    assert client.get("/login/enrol/")["Location"] == "/login/"


def test_citizens_and_verified_staff_do_not_need_the_code_page(world: World, login_as: Any) -> None:
    assert login_as(world.guardian).get("/login/code/")["Location"] == "/"
    assert login_as(world.employee).get("/login/code/")["Location"] == "/"


def test_staff_come_back_to_the_page_they_asked_for_after_the_code(
    world: World, client: Client
) -> None:
    _password_step(client)
    assert client.get("/?tab=units")["Location"] == "/login/code/"
    response = client.post("/login/code/", {"code": current_code(device_of(world.employee))})
    assert response["Location"] == "/?tab=units"


def test_the_code_page_shows_nothing_of_the_account_before_the_code(
    world: World, client: Client
) -> None:
    _password_step(client)
    html = client.get("/login/code/").content.decode()
    header = html.split("<main", 1)[0]
    assert world.employee.get_full_name() not in header
    assert world.municipality.name not in header
    assert "Notifications" not in header
    assert "Log out" in header  # she can still leave
    # Once the code is given, the header is hers.
    client.post("/login/code/", {"code": current_code(device_of(world.employee))})
    header = client.get("/").content.decode().split("<main", 1)[0]
    assert world.employee.get_full_name() in header and "Notifications" in header
