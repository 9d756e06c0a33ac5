"""The chain is keyed with a key from the environment (issue 10, item 10); rows written
before keyed sealing stay verifiable with their plain SHA-256 links."""

from __future__ import annotations

import importlib
import os
import secrets
import subprocess
import sys
from typing import Any

from django.db import connection
from django.utils import timezone

from stafett.audit.checkpoints import write_checkpoint
from stafett.audit.log import record_access
from stafett.audit.models import GENESIS_HASH, AccessLogEntry, AccessLogSeal
from stafett.audit.verify import verify_access_log
from stafett.settings import PROJECT_DIR
from tests.conftest import World

migration = importlib.import_module("stafett.audit.migrations.0004_access_log_seal")


def _read(world: World) -> AccessLogEntry:
    return record_access(
        actor=world.leader, action="log.view", obj=world.child, subject_uuid=world.child.uuid
    )


def test_a_row_sealed_under_another_key_does_not_verify(world: World, settings: Any) -> None:
    ours = settings.STAFETT_ACCESS_LOG_KEY
    _read(world)
    settings.STAFETT_ACCESS_LOG_KEY = "a key guessed by someone who does not hold ours"
    _read(world)
    settings.STAFETT_ACCESS_LOG_KEY = ours
    report = verify_access_log()
    assert [(problem.kind, problem.seq) for problem in report.problems] == [("altered", 2)]
    settings.STAFETT_ACCESS_LOG_KEY = "a third key"
    assert [problem.seq for problem in verify_access_log().problems] == [1]  # 1–2, one run
    assert verify_access_log().problems[0].seq_to == 2


def _legacy_rows(world: World, n: int) -> list[AccessLogEntry]:
    """Rows as the application wrote them before sealing: SHA-256 linked by id."""
    rows: list[AccessLogEntry] = []
    prev = GENESIS_HASH
    for _ in range(n):
        entry = AccessLogEntry(
            chain=world.municipality.id,
            municipality_id=world.municipality.id,
            at=timezone.now(),
            actor=world.leader,
            actor_name="Lars Leiar",
            action="log.view",
            object_type="Subject",
            object_uuid=world.child.uuid,
            prev_hash=prev,
        )
        entry.hash = entry.compute_hash()
        entry.save()
        prev = entry.hash
        rows.append(entry)
    return rows


def test_rows_from_before_sealing_stay_verifiable_and_the_keyed_chain_continues_from_them(
    world: World,
) -> None:
    old = _legacy_rows(world, 3)
    with connection.cursor() as cursor:
        cursor.execute(migration.LEGACY_SEALS)  # what migration 0004 does to existing rows
    new = _read(world)
    seals = list(AccessLogSeal.objects.order_by("seq"))
    assert [seal.version for seal in seals] == [1, 1, 1, 2]
    assert [seal.entry_id for seal in seals] == [*(row.pk for row in old), new.pk]
    assert seals[3].prev_mac == old[-1].hash
    write_checkpoint()
    report = verify_access_log()
    assert report.intact, report.problems
    assert report.chains[world.municipality.id].legacy == 3


def test_an_edited_row_from_before_sealing_is_reported(world: World) -> None:
    old = _legacy_rows(world, 3)
    with connection.cursor() as cursor:
        cursor.execute(migration.LEGACY_SEALS)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            f"UPDATE {AccessLogEntry._meta.db_table} SET actor_name = 'x' WHERE id = %s",
            [old[1].pk],
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    report = verify_access_log()
    assert [(problem.kind, problem.entry_id) for problem in report.problems] == [
        ("altered", old[1].pk)
    ]


def _start_in_production(**extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "STAFETT_PRODUCTION": "1",
        "STAFETT_SECRET_KEY": secrets.token_urlsafe(64),
        "STAFETT_PID_KEY": secrets.token_urlsafe(48),
        "DJANGO_SETTINGS_MODULE": "stafett.settings",
        "PYTHONPATH": str(PROJECT_DIR / "src"),
        **extra,
    }
    for name in ("STAFETT_DEBUG", "STAFETT_DEMO", "STAFETT_ACCESS_LOG_KEY"):
        if name not in extra:
            env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_its_own_access_log_key() -> None:
    missing = _start_in_production()
    assert missing.returncode != 0
    assert "ImproperlyConfigured" in missing.stderr
    assert "STAFETT_ACCESS_LOG_KEY must be set in production" in missing.stderr
    short = _start_in_production(STAFETT_ACCESS_LOG_KEY="short")
    assert short.returncode != 0 and "STAFETT_ACCESS_LOG_KEY" in short.stderr
    dev = _start_in_production(
        STAFETT_ACCESS_LOG_KEY="insecure-development-access-log-key-never-use-in-production"
    )
    assert dev.returncode != 0 and "not the development key" in dev.stderr
    good = _start_in_production(STAFETT_ACCESS_LOG_KEY=secrets.token_urlsafe(48))
    assert good.returncode == 0, good.stderr
    assert good.stdout.strip() == "started"
