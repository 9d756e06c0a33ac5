"""How the settings behave at start-up, read in a fresh interpreter with a given environment."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
LOAD_SETTINGS = "import django; django.setup(); from django.conf import settings; print('started')"


def _start(**environment: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "STAFETT_SECRET_KEY": secrets.token_urlsafe(64),
        # Production also needs the access log's own key (docs/security.md).
        "STAFETT_ACCESS_LOG_KEY": secrets.token_urlsafe(48),
        "STAFETT_PID_KEY": secrets.token_urlsafe(48),
        "DJANGO_SETTINGS_MODULE": "stafett.settings",
        "PYTHONPATH": str(PROJECT_DIR / "src"),
    }
    # Only the variables this test names decide the mode.
    for name in ("STAFETT_PRODUCTION", "STAFETT_DEMO", "STAFETT_DEBUG"):
        env.pop(name, None)
    env.update(environment)
    return subprocess.run(  # noqa: S603 (our own interpreter and fixed arguments)
        [sys.executable, "-c", LOAD_SETTINGS],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_together_with_demo_mode_refuses_to_start_with_a_clear_message() -> None:
    # Demo mode lists personas and shows live one-time codes on the log-in page: never on a
    # real installation.
    result = _start(STAFETT_PRODUCTION="1", STAFETT_DEMO="1")
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "ImproperlyConfigured" in result.stderr
    assert "STAFETT_DEMO" in result.stderr
    assert "STAFETT_PRODUCTION" in result.stderr


def test_production_refuses_demo_mode_however_it_is_spelled() -> None:
    result = _start(STAFETT_PRODUCTION="true", STAFETT_DEMO="yes")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_production_alone_starts() -> None:
    result = _start(STAFETT_PRODUCTION="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


def test_demo_mode_alone_starts() -> None:
    result = _start(STAFETT_DEMO="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


def test_demo_mode_switched_off_in_production_starts() -> None:
    result = _start(STAFETT_PRODUCTION="1", STAFETT_DEMO="0")
    assert result.returncode == 0, result.stderr
