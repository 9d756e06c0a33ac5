from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

from axes.models import AccessAttempt
from django.test import Client

from stafett.audit.models import AccessLogEntry
from tests import factories as f
from tests.conftest import World

PROJECT_DIR = Path(__file__).resolve().parents[2]


def test_a_forged_login_post_gets_a_clear_403_page_and_changes_nothing(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.cookies.load(f.english_client().cookies)
    response = client.post("/login/", {"username": "guardian", "password": f.PASSWORD})
    assert response.status_code == 403
    assert b"The form could not be sent" in response.content
    assert b"Nothing was saved" in response.content
    assert "_auth_user_id" not in client.session
    assert not AccessLogEntry.objects.exists()
    assert not AccessAttempt.objects.exists()


def test_a_login_post_with_the_csrf_token_works(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get("/login/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/login/",
        {"username": "guardian", "password": f.PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def _assert_security_headers(response: Any) -> None:
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_the_login_page_has_security_headers_and_is_not_cached(client: Client, db: Any) -> None:
    response = client.get("/login/")
    _assert_security_headers(response)
    assert "no-store" in response["Cache-Control"]


def test_authenticated_pages_are_not_cached(world: World, login_as: Any) -> None:
    for user in (world.guardian, world.employee):
        response = login_as(user).get("/")
        assert response.status_code == 200
        _assert_security_headers(response)
        assert "no-store" in response["Cache-Control"]


def test_error_pages_have_security_headers(world: World, login_as: Any) -> None:
    response = login_as(world.guardian).get("/no-such-page/")
    assert response.status_code == 404
    assert b"We cannot find this page" in response.content
    _assert_security_headers(response)


def _run_in_production(secret_key: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "STAFETT_PRODUCTION": "1",
        "STAFETT_SECRET_KEY": secret_key,
        "STAFETT_ACCESS_LOG_KEY": secrets.token_urlsafe(48),
        "STAFETT_PID_KEY": secrets.token_urlsafe(48),
        "DJANGO_SETTINGS_MODULE": "stafett.settings",
        "PYTHONPATH": str(PROJECT_DIR / "src"),
    }
    # The test run's own conveniences must not leak into a production check.
    for name in ("STAFETT_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "STAFETT_DEMO"):
        env.pop(name, None)
    return subprocess.run(  # noqa: S603 (our own interpreter and fixed arguments)
        [sys.executable, *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_passes_in_production_mode() -> None:
    result = _run_in_production(
        secrets.token_urlsafe(64), "-m", "django", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_uses_host_prefixed_secure_cookies_and_hsts() -> None:
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_SSL_REDIRECT, s.DEBUG)"
    )
    result = _run_in_production(secrets.token_urlsafe(64), "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "True",
        "True",
        "True",
        "False",
    ]


def test_production_refuses_to_start_without_a_long_secret_key() -> None:
    result = _run_in_production("too-short", "-m", "django", "check")
    assert result.returncode != 0
    assert "STAFETT_SECRET_KEY" in result.stderr


def _assert_no_inline_script_or_style(html: str) -> None:
    assert "style=" not in html
    assert "<style" not in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, tag
    assert "javascript:" not in html
    assert re.search(r"\son[a-z]+=", html) is None


def test_log_in_pages_need_no_inline_script_or_style(world: World, settings: Any) -> None:
    settings.STAFETT_DEMO = True
    client = f.english_client()
    pages = [client.get("/login/").content.decode()]
    pages.append(client.post("/login/", {"username": "x", "password": "y"}).content.decode())
    world.employee.totpdevice_set.all().delete()
    client.post("/login/", {"username": "employee", "password": f.PASSWORD})
    pages.append(client.get("/login/enrol/").content.decode())
    pages.append(client.post("/login/enrol/", {"code": "1"}).content.decode())
    other = f.english_client()
    other.post("/login/", {"username": "leader", "password": f.PASSWORD})
    pages.append(other.get("/login/code/").content.decode())
    pages.append(Client(enforce_csrf_checks=True).post("/login/", {}).content.decode())
    for html in pages:
        _assert_no_inline_script_or_style(html)
