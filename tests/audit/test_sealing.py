"""A municipality's reads do not wait for each other (issue 10, item 11).

Today every read takes the municipality's chain lock at its start and holds it until
its page is done, so one slow page stalls every other reader in the municipality. Now
the read writes its row in its own transaction without any lock, and the sealer links
new rows into the chain afterwards, under the lock for one short transaction."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from stafett.audit import selectors
from stafett.audit.checkpoints import current_heads, read_checkpoints, write_checkpoint
from stafett.audit.log import LOCK_CLASS, record_access, seal_chain, seal_pending
from stafett.audit.models import AccessLogEntry, AccessLogPending, AccessLogSeal
from stafett.audit.verify import verify_access_log
from tests.conftest import World


@pytest.fixture
def deferred(settings: Any) -> None:
    """Seal the way production does: after the read, not inside it."""
    settings.STAFETT_ACCESS_LOG_SEAL_AT_ONCE = False


def _read(world: World, action: str = "log.view") -> AccessLogEntry:
    return record_access(
        actor=world.employee,
        action=action,
        obj=world.child,
        subject_uuid=world.child.uuid,
        role="participant",
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
def test_a_read_does_not_wait_while_another_holds_the_municipality_chain(
    world: World, deferred: None
) -> None:
    # Another process (a slow page of the old kind, or a sealer) holds the chain's lock.
    other = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    try:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_CLASS, world.municipality.id])
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
        entry = _read(world)  # today: waits, then "canceling statement due to lock timeout"
        assert AccessLogPending.objects.filter(entry=entry).exists()
        # A sealer that finds the chain busy leaves it to the one holding it.
        assert seal_chain(world.municipality.id, wait=False) == 0
    finally:
        other.close()
    assert seal_pending() == 1
    assert AccessLogSeal.objects.get(entry=entry).seq == 1


def test_rows_are_sealed_in_a_gap_free_sequence_even_when_a_read_rolled_back(
    world: World, deferred: None
) -> None:
    first = _read(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        _read(world, "log.print")  # takes an id, then rolls back: a hole in the ids
        raise RuntimeError("the page failed")
    second, third = _read(world), _read(world)
    if connection.vendor == "postgresql":  # (SQLite hands the id out again)
        assert second.pk - first.pk == 2
    assert not AccessLogSeal.objects.exists()
    assert seal_pending() == 3
    seals = list(AccessLogSeal.objects.order_by("seq"))
    assert [(seal.entry_id, seal.seq) for seal in seals] == [
        (first.pk, 1),
        (second.pk, 2),
        (third.pk, 3),
    ]
    assert seals[1].prev_mac == seals[0].mac and seals[2].prev_mac == seals[1].mac
    assert not AccessLogPending.objects.exists()
    assert seal_pending() == 0
    write_checkpoint()
    assert verify_access_log().intact


def test_a_read_seals_its_row_right_after_its_commit(
    world: World, deferred: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        entry = _read(world)
        assert not AccessLogSeal.objects.filter(entry=entry).exists()
    assert AccessLogSeal.objects.get(entry=entry).seq == 1


def test_the_family_sees_a_read_before_it_is_sealed(world: World, deferred: None) -> None:
    entry = _read(world)
    assert not AccessLogSeal.objects.filter(entry=entry).exists()
    assert list(selectors.log_reads([world.child.uuid])) == [entry]
    assert [reader.name for reader in selectors.log_readers([world.child.uuid])] == ["Eva Tilsett"]


def test_verify_reports_rows_the_sealer_has_left_for_over_a_minute(
    world: World, deferred: None
) -> None:
    entry = _read(world)
    assert verify_access_log().intact
    report = verify_access_log(now=timezone.now() + datetime.timedelta(seconds=61))
    assert [problem.kind for problem in report.problems] == ["unsealed"]
    assert report.problems[0].entry_id == entry.pk
    assert "the sealer is not running" in report.problems[0].message


def test_a_checkpoint_covers_only_sealed_rows(world: World, deferred: None) -> None:
    _read(world)
    assert current_heads() == []  # nothing sealed yet, nothing to vouch for
    seal_pending()
    _read(world)
    heads = current_heads()
    assert [(head.chain, head.seq, head.count) for head in heads] == [(world.municipality.id, 1, 1)]


def test_the_scheduler_seals_and_writes_a_signed_checkpoint(
    world: World, deferred: None, settings: Any
) -> None:
    entries = [_read(world), _read(world)]
    call_command("stafett_scheduler", "--once", stdout=StringIO())
    assert AccessLogSeal.objects.filter(entry__in=entries).count() == 2
    checkpoints, errors = read_checkpoints()
    assert errors == []
    assert [head.seq for head in checkpoints[-1].heads.values()] == [2]
    files = list(settings.STAFETT_ACCESS_LOG_CHECKPOINT_DIR.glob("*.jsonl"))
    assert len(files) == 1


def test_checkpoints_on_demand_are_appended_never_overwritten(
    world: World, deferred: None, settings: Any
) -> None:
    _read(world)
    out = StringIO()
    call_command("export_access_log_checkpoint", stdout=out)
    assert f"chain {world.municipality.id}: seq 1 (1 rows)" in out.getvalue()
    _read(world)
    call_command("export_access_log_checkpoint", stdout=StringIO())
    (path,) = settings.STAFETT_ACCESS_LOG_CHECKPOINT_DIR.glob("*.jsonl")
    assert len(path.read_text().splitlines()) == 2
    checkpoints, _ = read_checkpoints()
    assert [cp.heads[world.municipality.id].seq for cp in checkpoints] == [1, 2]
