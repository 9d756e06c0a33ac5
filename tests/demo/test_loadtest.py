"""`make loadtest`, small: a few seconds of wrk against gunicorn on its own throw-away
PostgreSQL database (created and dropped by the target), with a tiny data set. The
national run (`LOADTEST_LOGS=120000`) is not part of CI (docs/benchmarks.md)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent
LAST_LINE = re.compile(
    r"^loadtest: log_page_rps=(\d+\.\d) log_page_p95_ms=(\d+) home_p95_ms=(\d+) "
    r"healthz_rps=(\d+\.\d) errors=(\d+)$"
)

pytestmark = [
    pytest.mark.loadtest,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the load test runs on PostgreSQL (DATABASE_URL=postgres://…)",
    ),
    pytest.mark.skipif(
        shutil.which("wrk") is None and os.geteuid() != 0,
        reason="wrk is not installed and `make loadtest` cannot install it without root",
    ),
    pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed"),
]


def server_url() -> str:
    """The PostgreSQL server the tests use, without a database name."""
    settings = connection.settings_dict
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    return f"postgres://{settings['USER']}@{host}:{port}"


def loadtest_databases(url: str) -> set[str]:
    with psycopg.connect(f"{url}/postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'stafett_ci_loadtest_%'"
        ).fetchall()
    return {row[0] for row in rows}


def test_make_loadtest_prints_its_figures_and_leaves_no_database_behind() -> None:
    url = server_url()
    before = loadtest_databases(url)
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    run = subprocess.run(  # noqa: S603 - fixed arguments
        [  # noqa: S607 - make from PATH
            "make",
            "--no-print-directory",
            "loadtest",
            f"BENCH_PG={url}",
            "LOADTEST_DB_PREFIX=stafett_ci_loadtest",
            "LOADTEST_LOGS=12",
            "LOADTEST_ARGS=--entries 6 --seconds 3 --single-seconds 2 --workers 2 "
            "--coordinators 2 --guardians 4 --connections 8",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    lines = run.stdout.strip().splitlines()
    match = LAST_LINE.match(lines[-1])
    assert match, f"last line: {lines[-1]!r}"
    log_page_rps, _log_p95, _home_p95, healthz_rps, errors = match.groups()
    assert int(errors) == 0, output
    assert float(log_page_rps) > 0 and float(healthz_rps) > 0
    # Every page kind was measured in the mixed run, each with its percentiles.
    for kind in ("log_page", "home", "family_home", "who_has_read", "healthz"):
        assert re.search(
            rf"^{kind}: \d+ client\(s\), [1-9]\d* requests .* p95=\d+ ms", run.stdout, re.M
        ), kind
    assert "one reader: 1 client(s)" in run.stdout
    assert "worker memory (RSS, MB): before" in run.stdout
    # The target dropped its database.
    assert loadtest_databases(url) == before
