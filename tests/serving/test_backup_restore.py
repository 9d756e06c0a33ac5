"""Backup and restore with pg_dump and pg_restore, as README "Production" describes them.

On the local PostgreSQL, in throw-away databases made and dropped here (not the test
database): a database with the demo and an access log is dumped, restored into another
one, and there the access log's chains still verify (`manage.py verify_access_log`,
against the checkpoints written beside the original) and every table has the same rows.
A dump older than the newest checkpoint, restored, is reported as truncated: what an
operator sees after restoring an old backup.

Skipped, with the reason, where PostgreSQL or its client programs are not there. Runs
whatever DATABASE_URL the rest of the suite uses; STAFETT_TEST_POSTGRES names the server
(default postgres://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
SERVER = os.environ.get("STAFETT_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")

# Reads of every relay log by a member of staff, sealed, then a signed checkpoint.
READ_EVERY_LOG = """
from stafett.accounts.models import User
from stafett.audit.checkpoints import write_checkpoint
from stafett.audit.log import record_access
from stafett.logs.models import RelayLog
staff = User.objects.filter(kind=User.Kind.STAFF, municipality__isnull=False).order_by("pk")
for log in RelayLog.objects.select_related("municipality"):
    reader = staff.filter(municipality_id=log.municipality_id).first()
    record_access(actor=reader, action="read", obj=log, role="backup test")
write_checkpoint()
"""


def _unavailable() -> str | None:
    for program in ("pg_dump", "pg_restore"):
        if shutil.which(program) is None:
            return f"{program} is not installed (Debian: postgresql-client)"
    try:
        with psycopg.connect(f"{SERVER}/postgres", connect_timeout=3):
            return None
    except psycopg.Error as error:
        return f"PostgreSQL is not reachable at {SERVER}: {str(error).strip()[:120]}"


REASON = _unavailable()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")


@pytest.fixture
def databases() -> Iterator[list[str]]:
    """Names for throw-away databases; whatever was made under them is dropped afterwards."""
    suffix = f"{os.getpid()}_{secrets.token_hex(4)}"
    names = [f"stafett_restore_{kind}_{suffix}" for kind in ("source", "copy", "old")]
    yield names
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        for name in names:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _create(name: str) -> str:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"{SERVER}/{name}"


def _run(args: list[str], env: dict[str, str], *, check: bool = True) -> str:
    result = subprocess.run(  # noqa: S603 - our own programs and arguments
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if check:
        assert result.returncode == 0, (args, result.stdout[-2000:], result.stderr[-2000:])
    return result.stdout + result.stderr


def _manage(env: dict[str, str], database: str, *args: str, check: bool = True) -> str:
    return _run(
        [sys.executable, "manage.py", *args], {**env, "DATABASE_URL": database}, check=check
    )


def _row_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        counts = {}
        for table in tables:
            row = conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()
            assert row is not None
            counts[table] = int(row[0])
        return counts


def test_a_restored_backup_has_every_row_and_its_access_log_still_verifies(
    tmp_path: Path, databases: list[str]
) -> None:
    source_name, copy_name, old_name = databases
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STAFETT_", "DATABASE_URL", "DJANGO_"))
    }
    # The checkpoints live outside the database, here as in production (README).
    env.update({"STAFETT_VAR_DIR": str(tmp_path / "var"), "STAFETT_DEMO": "1"})
    # Throw-away databases: no need to wait for each commit to reach the disk.
    env["PGOPTIONS"] = "-c synchronous_commit=off"
    source = _create(source_name)
    _manage(env, source, "migrate", "--noinput", "-v", "0")
    _manage(env, source, "load_demo")
    _manage(env, source, "shell", "-c", READ_EVERY_LOG)
    old_dump = tmp_path / "stafett-old.dump"
    _run(["pg_dump", "--format=custom", f"--file={old_dump}", source], env)
    # Later reads, and a newer checkpoint, after the old backup.
    _manage(env, source, "shell", "-c", READ_EVERY_LOG)

    dump = tmp_path / "stafett.dump"
    _run(["pg_dump", "--format=custom", f"--file={dump}", source], env)
    copy = _create(copy_name)
    _run(["pg_restore", "--exit-on-error", "--no-owner", f"--dbname={copy}", str(dump)], env)

    counts = _row_counts(copy)
    assert counts == _row_counts(source)
    assert counts["audit_accesslogentry"] > 0
    assert counts["logs_relaylog"] > 0
    assert counts["audit_accesslogentry"] == 2 * counts["logs_relaylog"]
    report = _manage(env, copy, "verify_access_log")
    assert f"Access log intact: {counts['audit_accesslogentry']} entries verified." in report
    assert "Compared with" in report  # against the checkpoint, not alone

    # The old backup lacks what was read after it: verify says so, and fails.
    old = _create(old_name)
    _run(["pg_restore", "--exit-on-error", "--no-owner", f"--dbname={old}", str(old_dump)], env)
    report = _manage(env, old, "verify_access_log", check=False)
    assert "Access log NOT intact" in report
    assert "truncated" in report
