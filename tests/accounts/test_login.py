from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from stafett.accounts.models import LoginFailureWindow
from stafett.audit.models import AccessLogEntry
from tests import factories as f
from tests.accounts.helpers import post_login
from tests.conftest import World

GENERIC_ERROR = b"The username or password is not right, or this account cannot log in."


def test_the_login_page_has_labelled_fields_with_autocomplete(client: Client, db: Any) -> None:
    response = client.get("/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">' in html
    assert 'autocomplete="username"' in html
    assert '<label for="id_password">' in html
    assert 'autocomplete="current-password"' in html


def test_wrong_password_and_unknown_user_get_the_same_clear_message(
    world: World, client: Client
) -> None:
    wrong_password = post_login(client, "guardian", "not the password")
    unknown_user = post_login(client, "nobody.here", "not the password")

    for response in (wrong_password, unknown_user):
        assert response.status_code == 200
        assert GENERIC_ERROR in response.content
        assert b'aria-describedby="login-error"' in response.content
        assert b'aria-invalid="true"' in response.content
    assert "_auth_user_id" not in client.session


def test_an_inactive_user_gets_the_same_message(world: World, client: Client) -> None:
    world.guardian.is_active = False
    world.guardian.save()
    response = post_login(client, "guardian")
    assert GENERIC_ERROR in response.content
    assert "_auth_user_id" not in client.session


def test_a_failed_login_is_counted_outside_the_access_log_without_the_password(
    world: World, client: Client
) -> None:
    post_login(client, "guardian", "secret-typed-by-mistake")
    post_login(client, "nobody.here", "secret-typed-by-mistake")

    known = LoginFailureWindow.objects.get(username="guardian")
    unknown = LoginFailureWindow.objects.get(username="nobody.here")
    assert (known.user, known.municipality, known.count) == (world.guardian, world.municipality, 1)
    assert (unknown.user, unknown.municipality, unknown.count) == (None, None, 1)
    assert not AccessLogEntry.objects.exists()
    for window in (known, unknown):
        assert "secret-typed-by-mistake" not in str(window.__dict__)


def test_a_very_long_typed_username_is_cut_to_150_characters(world: World, client: Client) -> None:
    post_login(client, "x" * 240, "wrong")
    assert LoginFailureWindow.objects.get().username == "x" * 150


def test_a_guardian_logs_in_and_lands_on_the_home_page(world: World, client: Client) -> None:
    response = post_login(client, "guardian")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(world.guardian.pk)
    entry = AccessLogEntry.objects.get(action="login.succeeded")
    assert entry.actor == world.guardian
    assert entry.outcome == AccessLogEntry.Outcome.ALLOWED


def test_a_guardian_goes_to_a_safe_next_page_but_never_to_another_site(
    world: World, client: Client
) -> None:
    response = post_login(client, "guardian", next="/some/page/?a=1")
    assert response["Location"] == "/some/page/?a=1"

    client.logout()
    response = post_login(client, "guardian", next="https://evil.example/steal")
    assert response["Location"] == "/"


def test_the_session_key_is_rotated_at_login(world: World, client: Client) -> None:
    client.get("/login/")
    session = client.session
    session["something"] = "before"
    session.save()
    before = session.session_key

    post_login(client, "guardian")
    assert client.session.session_key != before


def test_staff_go_to_the_code_page_after_the_password(world: World, client: Client) -> None:
    response = post_login(client, "employee")
    assert response.status_code == 302
    assert response["Location"] == "/login/code/"
    assert AccessLogEntry.objects.filter(action="login.password_accepted").exists()
    assert not AccessLogEntry.objects.filter(action="login.succeeded").exists()


def test_staff_without_a_device_go_to_enrolment(world: World, client: Client) -> None:
    world.employee.totpdevice_set.all().delete()
    response = post_login(client, "employee")
    assert response["Location"] == "/login/enrol/"


def test_lock_out_after_the_failure_limit_shows_when_to_try_again(
    world: World, client: Client
) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert post_login(client, "guardian", "wrong").status_code == 200

    locked = post_login(client, "guardian", "wrong")
    assert locked.status_code == 429
    assert b"Log-in is paused for a while" in locked.content
    assert b"Try again in 15 minutes" in locked.content
    assert locked["Retry-After"] == "900"

    # Even the right password is refused during the pause.
    still_locked = post_login(client, "guardian")
    assert still_locked.status_code == 429
    assert "_auth_user_id" not in client.session
    window = LoginFailureWindow.objects.get()
    assert (window.count, window.locked_count) == (limit + 1, 2)


def test_the_lock_out_counter_keeps_no_password(world: World, client: Client) -> None:
    post_login(client, "guardian", "my-secret-guess")
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "guardian"
    assert "my-secret-guess" not in attempt.post_data
    assert f.PASSWORD not in attempt.post_data


def test_lock_out_is_per_username_and_address(world: World, client: Client) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "guardian", "wrong")
    other_address = Client(REMOTE_ADDR="10.9.9.9")
    assert post_login(other_address, "guardian").status_code == 302
    assert post_login(client, "youth").status_code == 302


def test_an_already_logged_in_citizen_is_sent_home_from_the_login_page(
    world: World, login_as: Any
) -> None:
    client = login_as(world.guardian)
    response = client.get("/login/")
    assert response["Location"] == "/"


def test_logout_is_post_only(world: World, login_as: Any) -> None:
    client = login_as(world.guardian)
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response["Location"] == "/login/"
    assert "_auth_user_id" not in client.session
