"""The access log must be evidence (issue 10, item 10): someone with rights on the
database but without the key and the checkpoint directory changes the log, and
`verify_access_log` names what was done. One test per attack from the issue, on
SQLite and PostgreSQL (there the attacker is a superuser who switches the triggers off,
which the application's own role cannot: see test_grants.py)."""

from __future__ import annotations

import datetime
import hashlib
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from stafett.audit.checkpoints import write_checkpoint
from stafett.audit.log import record_access
from stafett.audit.models import AccessLogEntry, AccessLogSeal
from stafett.audit.verify import Report, verify_access_log
from tests.conftest import World

ENTRIES = AccessLogEntry._meta.db_table
SEALS = AccessLogSeal._meta.db_table


def _read(world: World, n: int, *, other: bool = False) -> list[AccessLogEntry]:
    actor, child = (world.other_staff, world.other_child) if other else (world.leader, world.child)
    return [
        record_access(
            actor=actor, action="log.view", obj=child, subject_uuid=child.uuid, role="coordinator"
        )
        for _ in range(n)
    ]


def _as_attacker(sql: str, params: list[Any]) -> None:
    """Write behind the application's back, as someone with rights on the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # triggers off
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def _remove(entry: AccessLogEntry) -> None:
    _as_attacker(f"DELETE FROM {SEALS} WHERE entry_id = %s", [entry.pk])
    _as_attacker(f"DELETE FROM {ENTRIES} WHERE id = %s", [entry.pk])


def _seal(entry: AccessLogEntry) -> AccessLogSeal:
    return AccessLogSeal.objects.get(entry_id=entry.pk)


def _plain_sha256(prev: str, entry: AccessLogEntry) -> str:
    return hashlib.sha256((prev + entry.payload()).encode()).hexdigest()


def _verify() -> Report:
    return verify_access_log()


def _command_fails_with(kind: str) -> str:
    err = StringIO()
    with pytest.raises(CommandError, match=kind) as failure:
        call_command("verify_access_log", stdout=StringIO(), stderr=err)
    return str(failure.value)


def test_an_untouched_log_with_a_checkpoint_is_reported_intact(world: World) -> None:
    _read(world, 3)
    _read(world, 2, other=True)
    write_checkpoint()
    report = _verify()
    assert report.intact, report.problems
    assert report.checkpoint is not None
    assert report.chains[world.municipality.id].sealed == 3
    out = StringIO()
    call_command("verify_access_log", stdout=out)
    assert "Access log intact: 5 entries verified." in out.getvalue()


def test_verify_reports_a_truncated_tail_that_the_checkpoint_had_seen(world: World) -> None:
    rows = _read(world, 5)
    write_checkpoint()
    # The newest two rows go: what is left still links up perfectly.
    for entry in rows[3:]:
        _remove(entry)
    report = _verify()
    assert [problem.kind for problem in report.problems] == ["truncated"]
    problem = report.problems[0]
    assert problem.chain == world.municipality.id
    assert (problem.seq, problem.seq_to) == (4, 5)
    assert "the newest rows were removed" in problem.message
    assert f"entry id={rows[-1].pk}" in problem.message
    _command_fails_with("truncated")


def test_verify_reports_a_row_appended_with_a_plain_sha256_link_as_forged(world: World) -> None:
    rows = _read(world, 3)
    write_checkpoint()
    head = _seal(rows[-1])
    # An alibi: a row that says someone else read the log, correctly SHA-256 linked
    # (the attacker knows the formula, not the key). The application may insert rows.
    forged = AccessLogEntry(
        chain=head.chain,
        municipality_id=world.municipality.id,
        at=timezone.now(),
        actor_name="Nokon Annan",
        role="participant",
        action="log.view",
        object_type="Subject",
        object_uuid=world.child.uuid,
        subject_uuid=world.child.uuid,
        prev_hash="",
        hash="",
    )
    forged.save()
    AccessLogSeal(
        entry=forged,
        chain=head.chain,
        seq=head.seq + 1,
        version=AccessLogSeal.Version.HMAC_SHA256,
        prev_mac=head.mac,
        mac=_plain_sha256(head.mac, forged),
        sealed_at=timezone.now(),
    ).save()
    report = _verify()
    assert [problem.kind for problem in report.problems] == ["forged"]
    assert report.problems[0].entry_id == forged.pk
    assert "plain SHA-256" in report.problems[0].message
    _command_fails_with("forged")


def test_a_forged_row_claiming_to_be_from_before_keyed_sealing_is_forged_too(
    world: World,
) -> None:
    rows = _read(world, 2)
    head = _seal(rows[-1])
    forged = AccessLogEntry(
        chain=head.chain,
        municipality_id=world.municipality.id,
        at=timezone.now(),
        action="log.view",
        prev_hash=head.mac,
        hash="",
    )
    forged.hash = forged.compute_hash()  # exactly what a version 1 row looks like
    forged.save()
    AccessLogSeal(
        entry=forged,
        chain=head.chain,
        seq=head.seq + 1,
        version=AccessLogSeal.Version.LEGACY_SHA256,
        prev_mac=head.mac,
        mac=forged.hash,
        sealed_at=timezone.now(),
    ).save()
    assert [problem.kind for problem in _verify().problems] == ["forged"]


def test_verify_reports_a_middle_row_deleted_and_the_rest_rechained(world: World) -> None:
    rows = _read(world, 5)
    write_checkpoint()
    # Remove the third read, renumber the rest and link them again as well as one can
    # without the key.
    _remove(rows[2])
    prev = _seal(rows[1]).mac
    for seq, entry in enumerate(rows[3:], start=3):
        mac = _plain_sha256(prev, entry)
        _as_attacker(
            f"UPDATE {SEALS} SET seq = %s, prev_mac = %s, mac = %s WHERE entry_id = %s",
            [seq, prev, mac, entry.pk],
        )
        prev = mac
    report = _verify()
    assert report.kinds() == {"rechained"}
    first = report.problems[0]
    assert (first.seq, first.seq_to, first.entry_id) == (3, 4, rows[3].pk)
    assert "re-linked" in first.message
    _command_fails_with("rechained")


def test_verify_reports_a_municipality_chain_that_has_gone(world: World) -> None:
    _read(world, 3)
    _read(world, 2, other=True)
    write_checkpoint()
    # The whole of Nabovik's chain goes (on PostgreSQL this is what TRUNCATE did).
    chain = world.other_municipality.id
    _as_attacker(f"DELETE FROM {SEALS} WHERE chain = %s", [chain])
    _as_attacker(f"DELETE FROM {ENTRIES} WHERE chain = %s", [chain])
    report = _verify()
    assert [(problem.kind, problem.chain) for problem in report.problems] == [
        ("missing_chain", chain)
    ]
    assert "saw 2 sealed rows" in report.problems[0].message
    _command_fails_with("missing_chain")


def test_verify_reports_a_gap_in_the_sequence_where_a_row_was_removed(world: World) -> None:
    rows = _read(world, 4)
    # No checkpoint yet: the sequence alone shows the hole.
    _remove(rows[1])
    report = _verify()
    assert [problem.kind for problem in report.problems] == ["gap"]
    assert (report.problems[0].seq, report.problems[0].entry_id) == (3, rows[2].pk)
    assert "seal sequence 2 is missing" in report.problems[0].message
    _command_fails_with("gap")


def test_verify_reports_a_row_whose_seal_was_removed_once_a_minute_has_passed(
    world: World,
) -> None:
    rows = _read(world, 3)
    _as_attacker(f"DELETE FROM {SEALS} WHERE entry_id = %s", [rows[2].pk])
    assert _verify().intact  # it could be a read the sealer has not reached yet
    later = timezone.now() + datetime.timedelta(minutes=2)
    report = verify_access_log(now=later)
    assert [problem.kind for problem in report.problems] == ["unsealed"]
    assert report.problems[0].entry_id == rows[2].pk


def test_an_edited_checkpoint_is_reported_and_not_trusted(world: World, settings: Any) -> None:
    rows = _read(world, 3)
    write_checkpoint()
    path = next(settings.STAFETT_ACCESS_LOG_CHECKPOINT_DIR.glob("*.jsonl"))
    # Someone lowers the head in the checkpoint to hide the rows they are about to remove.
    path.write_text(path.read_text().replace('"seq": 3', '"seq": 1'))
    _remove(rows[2])
    report = _verify()
    assert report.checkpoint is None
    assert report.kinds() == {"bad_checkpoint"}
    assert "signature does not match" in report.problems[0].message
