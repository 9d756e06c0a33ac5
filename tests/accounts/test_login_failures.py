"""Failed passwords are counted per typed username, address and time window, outside the
access log: an anonymous visitor must not write into a municipality's access-log chain."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from stafett.accounts.models import LoginFailureWindow
from stafett.audit.models import AccessLogEntry
from tests.accounts.helpers import post_login
from tests.conftest import World


def _move_clock(monkeypatch: pytest.MonkeyPatch, by: datetime.timedelta) -> None:
    moved = timezone.now() + by
    monkeypatch.setattr(timezone, "now", lambda: moved)


def test_fifty_wrong_passwords_write_no_access_log_row_and_one_counted_window(
    world: World, client: Client
) -> None:
    for _ in range(50):
        response = post_login(client, "guardian", "wrong")
        assert response.status_code in (200, 429)

    assert not AccessLogEntry.objects.exists()
    window = LoginFailureWindow.objects.get()
    assert window.username == "guardian"
    assert window.address == "127.0.0.1"
    assert window.count == 50
    assert window.user == world.guardian
    assert window.municipality == world.municipality
    assert window.first_at <= window.last_at
    # The failures past the lock-out limit were refused by the lock-out.
    assert window.locked_count == 50 - settings.AXES_FAILURE_LIMIT + 1


def test_the_lock_out_still_holds_and_is_counted_without_touching_the_access_log(
    world: World, client: Client
) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert post_login(client, "guardian", "wrong").status_code == 200
    assert post_login(client, "guardian", "wrong").status_code == 429
    # Even the right password is refused during the pause, and counted as a failure.
    assert post_login(client, "guardian").status_code == 429
    assert "_auth_user_id" not in client.session

    window = LoginFailureWindow.objects.get()
    assert (window.count, window.locked_count) == (limit + 1, 2)
    assert not AccessLogEntry.objects.exists()


def test_another_address_gets_its_own_window(world: World, client: Client) -> None:
    post_login(client, "guardian", "wrong")
    post_login(Client(REMOTE_ADDR="10.9.9.9"), "guardian", "wrong")
    post_login(Client(REMOTE_ADDR="10.9.9.9"), "guardian", "wrong")

    counts = dict(LoginFailureWindow.objects.values_list("address", "count"))
    assert counts == {"127.0.0.1": 1, "10.9.9.9": 2}


def test_another_username_gets_its_own_window_even_when_no_such_account_exists(
    world: World, client: Client
) -> None:
    post_login(client, "guardian", "wrong")
    post_login(client, "nobody.here", "wrong")

    unknown = LoginFailureWindow.objects.get(username="nobody.here")
    assert unknown.count == 1
    assert unknown.user is None
    assert unknown.municipality is None
    assert LoginFailureWindow.objects.get(username="guardian").count == 1
    assert not AccessLogEntry.objects.exists()


def test_a_later_time_window_starts_a_new_row(
    world: World, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    post_login(client, "guardian", "wrong")
    post_login(client, "guardian", "wrong")
    _move_clock(
        monkeypatch, datetime.timedelta(minutes=settings.STAFETT_LOGIN_FAILURE_WINDOW_MINUTES)
    )
    post_login(client, "guardian", "wrong")

    earlier, later = LoginFailureWindow.objects.order_by("window_start")
    assert (earlier.count, later.count) == (2, 1)
    assert later.window_start - earlier.window_start == datetime.timedelta(
        minutes=settings.STAFETT_LOGIN_FAILURE_WINDOW_MINUTES
    )
    assert earlier.last_at < later.first_at


def test_the_window_keeps_no_password_and_cuts_a_long_username(
    world: World, client: Client
) -> None:
    post_login(client, "guardian", "secret-typed-by-mistake")
    post_login(client, "x" * 240, "wrong")

    for window in LoginFailureWindow.objects.all():
        assert "secret-typed-by-mistake" not in str(window.__dict__)
    assert LoginFailureWindow.objects.filter(username="x" * 150).exists()


def test_a_successful_log_in_still_writes_to_the_access_log(world: World, client: Client) -> None:
    post_login(client, "guardian", "wrong")
    response = post_login(client, "guardian")

    assert response.status_code == 302
    entry = AccessLogEntry.objects.get()
    assert (entry.action, entry.actor, entry.outcome) == (
        "login.succeeded",
        world.guardian,
        AccessLogEntry.Outcome.ALLOWED,
    )
    assert entry.chain == world.municipality.id
    assert LoginFailureWindow.objects.get().count == 1


def test_staff_password_accepted_is_still_written_to_the_access_log(
    world: World, client: Client, db: Any
) -> None:
    post_login(client, "employee")
    assert list(AccessLogEntry.objects.values_list("action", flat=True)) == [
        "login.password_accepted"
    ]
    assert not LoginFailureWindow.objects.exists()


def test_the_administrator_sees_failed_log_ins_on_the_municipality_s_accounts_only(
    world: World, client: Client, login_as: Any
) -> None:
    for _ in range(3):
        post_login(Client(REMOTE_ADDR="10.7.7.7"), "guardian", "wrong")
    post_login(client, "nobody.here", "wrong")
    post_login(client, "other", "wrong")  # Nabovik's administrator

    page = login_as(world.admin).get("/municipality/failed-log-ins/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Failed log-ins" in html
    assert "Gro Mor" in html
    assert "10.7.7.7" in html
    assert "<td>3</td>" in html
    # A username no account has, and another municipality's account, are not shown.
    assert "nobody.here" not in html
    assert "Nils Nabo" not in html
    assert not AccessLogEntry.objects.filter(action__startswith="login.fail").exists()


def test_the_failed_log_ins_page_is_linked_from_the_municipality_and_is_for_administrators_only(
    world: World, login_as: Any
) -> None:
    overview = login_as(world.admin).get("/municipality/").content.decode()
    assert 'href="/municipality/failed-log-ins/"' in overview
    assert login_as(world.leader).get("/municipality/failed-log-ins/").status_code == 403
    assert login_as(world.guardian).get("/municipality/failed-log-ins/").status_code == 404


def test_the_failed_log_ins_page_says_so_when_there_are_none(world: World, login_as: Any) -> None:
    html = login_as(world.admin).get("/municipality/failed-log-ins/").content.decode()
    assert "No wrong passwords have been typed for the municipality" in html


def test_the_failed_log_ins_page_reads_in_nynorsk(world: World, login_as: Any) -> None:
    post_login(Client(), "guardian", "wrong")
    client = login_as(world.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nn"
    html = client.get("/municipality/failed-log-ins/").content.decode()
    assert "Mislukka innloggingar" in html
    assert "Feil passord" in html


def test_the_scheduled_checks_forget_windows_older_than_the_keeping_period(
    world: World, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stafett.notifications.services import run_checks

    post_login(client, "guardian", "wrong")
    keep = datetime.timedelta(days=settings.STAFETT_LOGIN_FAILURE_KEEP_DAYS)
    _move_clock(monkeypatch, keep - datetime.timedelta(days=1))
    post_login(client, "youth", "wrong")
    assert run_checks(timezone.now())["login_failures_forgotten"] == 0

    _move_clock(monkeypatch, datetime.timedelta(days=2))
    assert run_checks(timezone.now())["login_failures_forgotten"] == 1
    assert list(LoginFailureWindow.objects.values_list("username", flat=True)) == ["youth"]
