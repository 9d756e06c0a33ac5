"""How the connection pool is configured, read in a fresh interpreter per environment."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[2]
SHOW = (
    "import json, django; django.setup(); from django.conf import settings; "
    "d = settings.DATABASES; print(json.dumps({a: {'options': d[a].get('OPTIONS', {}), "
    "'conn_max_age': d[a].get('CONN_MAX_AGE')} for a in d}))"
)
PG = "postgres://stafett@db.example:5432/stafett"


def _settings(**environment: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STAFETT_", "DATABASE_URL"))
    }
    env.update(
        {
            "STAFETT_SECRET_KEY": secrets.token_urlsafe(64),
            "STAFETT_ACCESS_LOG_KEY": secrets.token_urlsafe(48),
            "STAFETT_PID_KEY": secrets.token_urlsafe(48),
            "DJANGO_SETTINGS_MODULE": "stafett.settings",
            "PYTHONPATH": str(PROJECT_DIR / "src"),
            **environment,
        }
    )
    return subprocess.run(  # noqa: S603 (our own interpreter and fixed arguments)
        [sys.executable, "-c", SHOW],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _databases(**environment: str) -> dict[str, Any]:
    result = _settings(**environment)
    assert result.returncode == 0, result.stderr
    databases: dict[str, Any] = json.loads(result.stdout)
    return databases


def test_production_on_postgresql_pools_one_connection_per_worker_thread() -> None:
    databases = _databases(STAFETT_PRODUCTION="1", DATABASE_URL=PG)
    pool = {"min_size": 0, "max_size": 1, "timeout": 3}
    assert databases["default"]["options"]["pool"] == pool
    assert databases["default"]["conn_max_age"] == 0
    # The refusals' second connection has its own pool of the same size.
    assert databases["audit"]["options"]["pool"] == pool


def test_the_pool_follows_the_threads_of_a_gunicorn_worker_and_its_own_variables() -> None:
    threaded = _databases(STAFETT_PRODUCTION="1", DATABASE_URL=PG, STAFETT_WEB_THREADS="4")
    assert threaded["default"]["options"]["pool"]["max_size"] == 4
    sized = _databases(
        STAFETT_PRODUCTION="1",
        DATABASE_URL=PG,
        STAFETT_DB_POOL_MAX_SIZE="6",
        STAFETT_DB_POOL_MIN_SIZE="2",
        STAFETT_DB_POOL_TIMEOUT="1",
    )
    assert sized["default"]["options"]["pool"] == {"min_size": 2, "max_size": 6, "timeout": 1}


def test_without_the_pool_persistent_connections_are_used_instead() -> None:
    databases = _databases(
        STAFETT_PRODUCTION="1", DATABASE_URL=PG, STAFETT_DB_POOL="0", STAFETT_DB_CONN_MAX_AGE="60"
    )
    assert "pool" not in databases["default"]["options"]
    assert databases["default"]["conn_max_age"] == 60


def test_the_pool_and_persistent_connections_together_refuse_to_start() -> None:
    result = _settings(STAFETT_PRODUCTION="1", DATABASE_URL=PG, STAFETT_DB_CONN_MAX_AGE="60")
    assert result.returncode != 0
    assert "STAFETT_DB_CONN_MAX_AGE cannot be used with the connection pool" in result.stderr


def test_development_and_sqlite_have_no_pool() -> None:
    assert "pool" not in _databases(DATABASE_URL=PG)["default"]["options"]
    sqlite = _databases(STAFETT_PRODUCTION="1", DATABASE_URL="sqlite:////tmp/x.sqlite3")
    assert "pool" not in sqlite["default"]["options"]
