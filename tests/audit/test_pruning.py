"""Pruning the access log under the municipality's retention rule (issue 12, item 4):
only a prefix of a chain goes, under a signed prune record that is itself in the chain
and in the checkpoint file; `verify_access_log` goes on from the record; a removal the
record does not cover, and a record written without the key, are still found. Time is
moved with `now=` (rows are written with old `at` times where the database's own clock
matters). On SQLite and PostgreSQL; test_grants.py shows the application's role on
PostgreSQL."""

from __future__ import annotations

import datetime
import json
import uuid
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from stafett.audit.checkpoints import (
    append_prune_record,
    read_prune_records,
    sign_prune,
    write_checkpoint,
)
from stafett.audit.log import record_access
from stafett.audit.models import AccessLogEntry, AccessLogPrune, AccessLogSeal
from stafett.audit.pruning import ACTION, PruneRefused, _delete_prefix, plan_prune
from stafett.audit.verify import verify_access_log
from stafett.retention.models import Tombstone
from stafett.retention.services import prune_access_log, run_retention
from tests.conftest import World

ENTRIES = AccessLogEntry._meta.db_table
SEALS = AccessLogSeal._meta.db_table
SIX_YEARS = datetime.timedelta(days=6 * 366)


def _read(world: World, at: datetime.datetime) -> AccessLogEntry:
    return record_access(
        actor=world.leader,
        action="log.view",
        obj=world.child,
        subject_uuid=world.child.uuid,
        role="coordinator",
        at=at,
    )


def _seq(entry: AccessLogEntry) -> int:
    return AccessLogSeal.objects.get(entry_id=entry.pk).seq


def _chain(world: World) -> int:
    return int(world.municipality.id)


def _as_owner(sql: str, params: list[Any]) -> None:
    """Behind the application's back, as the tables' owner: on PostgreSQL it can claim
    the pruning setting itself (or switch the triggers off)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL stafett.access_log_pruning = 'on'")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL stafett.access_log_pruning = 'off'")


@pytest.fixture
def old_and_new(world: World) -> dict[str, list[AccessLogEntry]]:
    """Three rows six years old, one from three years ago (inside the default 60
    months), then one more six years old (it stays: only a prefix is pruned)."""
    now = timezone.now()
    chain = _chain(world)
    assert not AccessLogEntry.objects.filter(chain=chain).exists()
    old = [_read(world, now - SIX_YEARS - datetime.timedelta(hours=3 - i)) for i in range(3)]
    young = [_read(world, now - datetime.timedelta(days=3 * 365))]
    late_old = [_read(world, now - SIX_YEARS)]
    return {"old": old, "young": young, "late_old": late_old}


def test_pruning_removes_the_old_prefix_and_leaves_a_signed_record_a_row_and_a_tombstone(
    world: World,
    old_and_new: dict[str, list[AccessLogEntry]],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    chain = _chain(world)
    # A checkpoint that saw the rows before they went.
    write_checkpoint()
    later = timezone.now() + datetime.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        stone = prune_access_log(world.municipality, now=later)
    assert stone is not None
    old = old_and_new["old"]
    kept = old_and_new["young"] + old_and_new["late_old"]
    assert not AccessLogEntry.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert not AccessLogSeal.objects.filter(entry_id__in=[e.pk for e in old]).exists()
    assert AccessLogEntry.objects.filter(pk__in=[e.pk for e in kept]).count() == 2

    record = AccessLogPrune.objects.get()
    assert (record.chain, record.upto_seq, record.count) == (chain, 3, 3)
    assert record.upto_entry_id == old[-1].pk
    assert record.from_at == old[0].at and record.to_at == old[-1].at
    assert record.rule == "access_log" and record.period_months == 60
    assert record.signature == sign_prune(record.signed_fields())

    # The pruning is itself a row in the chain, with no person and no child.
    row = AccessLogEntry.objects.get(action=ACTION)
    assert row.pk == record.record_entry_id and row.object_uuid == record.uuid
    assert (row.actor_id, row.actor_name, row.subject_uuid) == (None, "", None)
    assert row.reason == "seq 1-3 (3 rows), rule access_log, 60 months"
    assert _seq(row) == 6

    # One tombstone for the run: counts and dates, nothing personal.
    assert (stone.kind, stone.rule, stone.rows_deleted) == ("access_log", "access_log", 3)
    assert (stone.original_uuid, stone.created_at, stone.closed_at) == (
        record.uuid,
        old[0].at,
        old[-1].at,
    )
    assert Tombstone.objects.count() == 1

    # The copy in the checkpoint file, signed.
    copies, errors = read_prune_records()
    assert errors == []
    assert [(c["uuid"], c["upto_seq"], c["upto_mac"]) for c in copies] == [
        (str(record.uuid), 3, record.upto_mac)
    ]
    # The chain verifies from the record on, against the checkpoint that saw rows 1–3.
    report = verify_access_log(now=later)
    assert report.intact, [str(p) for p in report.problems]
    assert report.chains[chain].pruned_upto == 3
    write_checkpoint(now=later)
    assert verify_access_log(now=later).intact

    # Run again the same day: the first row left is young, nothing more goes.
    assert prune_access_log(world.municipality, now=later) is None
    assert AccessLogPrune.objects.count() == 1


def test_a_second_pruning_goes_on_from_the_first(
    world: World, old_and_new: dict[str, list[AccessLogEntry]]
) -> None:
    later = timezone.now() + datetime.timedelta(days=2)
    first = prune_access_log(world.municipality, now=later)
    assert first is not None and first.rows_deleted == 3
    # Three years on, the row from three years ago and the late old one are past their
    # period; the first pruning's own row (written `later`) is not, so it stays.
    much_later = later + datetime.timedelta(days=3 * 366)
    second = prune_access_log(world.municipality, now=much_later)
    assert second is not None and second.rows_deleted == 2
    left = AccessLogEntry.objects.filter(chain=_chain(world)).order_by("id")
    assert [row.action for row in left] == [ACTION, ACTION]
    assert [r.upto_seq for r in AccessLogPrune.objects.order_by("id")] == [3, 5]
    report = verify_access_log(now=much_later)
    assert report.intact, [str(p) for p in report.problems]
    assert report.chains[_chain(world)].pruned_upto == 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's guard")
def test_the_database_refuses_to_prune_rows_younger_than_twelve_months(
    world: World, old_and_new: dict[str, list[AccessLogEntry]]
) -> None:
    # Even with a correctly signed record (the application holds the key), the
    # function refuses a cutoff inside the last twelve months by the database's clock:
    # five years and a month ahead, the 60 months' cutoff is in the last month.
    much_later = timezone.now() + datetime.timedelta(days=5 * 366 + 30)
    with pytest.raises(DatabaseError, match="kept at least twelve months"), transaction.atomic():
        prune_access_log(world.municipality, now=much_later)
    assert AccessLogEntry.objects.filter(chain=_chain(world)).count() == 5
    # And a plain DELETE, even by the superuser the tests run as, meets the trigger.
    first = old_and_new["old"][0]
    with (
        pytest.raises(DatabaseError, match="append-only: DELETE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {SEALS} WHERE entry_id = %s", [first.pk])
    assert AccessLogSeal.objects.filter(entry_id=first.pk).exists()


def test_a_row_removed_after_a_lawful_pruning_is_still_named(
    world: World, old_and_new: dict[str, list[AccessLogEntry]]
) -> None:
    later = timezone.now() + datetime.timedelta(days=2)
    assert prune_access_log(world.municipality, now=later) is not None
    assert verify_access_log(now=later).intact
    # The owner removes the first row after the pruned prefix (seq 4), which no
    # record covers.
    young = old_and_new["young"][0]
    assert _seq(young) == 4
    _as_owner(f"DELETE FROM {SEALS} WHERE entry_id = %s", [young.pk])
    _as_owner(f"DELETE FROM {ENTRIES} WHERE id = %s", [young.pk])
    report = verify_access_log(now=later)
    assert "gap" in report.kinds()
    gap = next(p for p in report.problems if p.kind == "gap")
    assert "seal sequence 4 is missing" in str(gap)
    assert gap.chain == _chain(world) and gap.seq == 5


def test_a_prune_record_forged_without_the_key_is_refused(
    world: World, old_and_new: dict[str, list[AccessLogEntry]], settings: Any
) -> None:
    good_key = settings.STAFETT_ACCESS_LOG_KEY
    later = timezone.now() + datetime.timedelta(days=2)
    chain = _chain(world)
    plan = plan_prune(chain, before=later - SIX_YEARS + datetime.timedelta(days=30))
    assert plan is not None and plan.upto_seq == 3
    # With a key of their own, the application's code refuses: the rows do not verify.
    settings.STAFETT_ACCESS_LOG_KEY = "not-the-key-" + uuid.uuid4().hex
    with pytest.raises(PruneRefused, match="does not match its link"):
        prune_access_log(world.municipality, now=later)
    # So they write the record themselves, signed with their key, with a copy in the
    # checkpoint file, and remove the rows through the pruning path.
    forged = AccessLogPrune(
        uuid=uuid.uuid4(),
        chain=chain,
        upto_seq=plan.upto_seq,
        upto_entry_id=plan.upto_entry_id,
        upto_mac=plan.upto_mac,
        count=plan.count,
        from_at=plan.from_at,
        to_at=plan.to_at,
        cutoff=plan.cutoff,
        pruned_at=later,
        rule="access_log",
        period_months=60,
        record_entry_id=0,
        signature="",
    )
    forged.signature = sign_prune(forged.signed_fields())
    forged.save()
    append_prune_record(forged.signed_fields(), forged.signature)
    assert _delete_prefix(chain, plan.upto_seq, before=plan.cutoff) == 3
    settings.STAFETT_ACCESS_LOG_KEY = good_key

    report = verify_access_log(now=later)
    forged_problem = next(p for p in report.problems if p.kind == "forged_prune")
    assert str(forged.uuid) in str(forged_problem)
    assert "not signed with the key" in str(forged_problem)
    # Not trusted: the rows it claims show as missing, and its file copy is refused.
    gap = next(p for p in report.problems if p.kind == "gap")
    assert "seal sequence 1–3 is missing" in str(gap)
    bad = next(p for p in report.problems if p.kind == "bad_checkpoint")
    assert "prune record's signature does not match" in str(bad)
    assert report.chains[chain].pruned_upto == 0


def test_a_prune_record_edited_after_signing_is_refused(
    world: World, old_and_new: dict[str, list[AccessLogEntry]]
) -> None:
    later = timezone.now() + datetime.timedelta(days=2)
    assert prune_access_log(world.municipality, now=later) is not None
    record = AccessLogPrune.objects.get()
    # Claim one row more was pruned than the signature covers.
    _as_owner_update = "UPDATE audit_accesslogprune SET count = count + 1 WHERE id = %s"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(_as_owner_update, [record.pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    assert "forged_prune" in verify_access_log(now=later).kinds()


def test_the_dry_run_counts_what_would_be_pruned_and_removes_nothing(
    world: World, old_and_new: dict[str, list[AccessLogEntry]]
) -> None:
    later = timezone.now() + datetime.timedelta(days=2)
    report = run_retention(now=later, dry_run=True)
    [due] = report.access_log_would_prune
    assert (due.municipality, due.count, due.from_seq, due.upto_seq) == (
        world.municipality.slug,
        3,
        1,
        3,
    )
    assert AccessLogEntry.objects.filter(chain=_chain(world)).count() == 5
    assert not AccessLogPrune.objects.exists() and not Tombstone.objects.exists()
    # The real run prunes in the same place, and says so.
    report = run_retention(now=later)
    assert [d.count for d in report.access_log_pruned] == [3]
    assert report.failed == 0
    assert Tombstone.objects.get().kind == "access_log"


def test_the_command_lists_and_prunes_with_counts_only(
    world: World, old_and_new: dict[str, list[AccessLogEntry]]
) -> None:
    out = StringIO()
    call_command("retention", "--dry-run", stdout=out)
    old = old_and_new["old"]
    line = (
        f"would prune: {world.municipality.slug} access log seq 1-3 (3 rows, "
        f"{old[0].at:%Y-%m-%d} to {old[-1].at:%Y-%m-%d}, 60 months)"
    )
    assert line in out.getvalue()
    assert world.leader.username not in out.getvalue()
    assert AccessLogEntry.objects.filter(pk=old[0].pk).exists()
    out = StringIO()
    call_command("retention", stdout=out)
    assert line.replace("would prune", "pruned") in out.getvalue()
    assert not AccessLogEntry.objects.filter(pk=old[0].pk).exists()


def test_the_prune_record_in_the_file_is_enough_when_the_database_row_is_gone(
    world: World,
    old_and_new: dict[str, list[AccessLogEntry]],
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    later = timezone.now() + datetime.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert prune_access_log(world.municipality, now=later) is not None
    _as_owner("DELETE FROM audit_accesslogprune", [])
    assert verify_access_log(now=later).intact
    # An edited file copy is refused (and then nothing vouches for seq 1–3).
    path = next(Path(settings.STAFETT_ACCESS_LOG_CHECKPOINT_DIR).glob("*.jsonl"))
    data = json.loads(path.read_text().splitlines()[-1])
    data["count"] = 2
    path.write_text(json.dumps(data) + "\n")
    kinds = verify_access_log(now=later).kinds()
    assert {"bad_checkpoint", "gap"} <= kinds


def test_the_verify_command_and_the_task_after_a_pruning(
    world: World, old_and_new: dict[str, list[AccessLogEntry]]
) -> None:
    from stafett.retention.tasks import run_retention_task

    result = run_retention_task.call()
    assert result["access_log_rows_pruned"] == 3 and result["failed"] == 0
    out = StringIO()
    call_command("verify_access_log", stdout=out, stderr=StringIO())
    assert f"chain {_chain(world)}: 3 sealed (head seq 6" in out.getvalue()
    assert "pruned up to seq 3 under a signed record" in out.getvalue()
    assert "Access log intact: " in out.getvalue()


def test_rows_that_were_tampered_with_are_not_pruned(
    world: World, old_and_new: dict[str, list[AccessLogEntry]]
) -> None:
    """Pruning must not erase the evidence: an altered row in the prefix stops it, the
    run counts it as failed, and verify still names the row."""
    altered = old_and_new["old"][1]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(f"UPDATE {ENTRIES} SET action = 'log.list' WHERE id = %s", [altered.pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    later = timezone.now() + datetime.timedelta(days=2)
    with pytest.raises(PruneRefused, match=f"seq 2 \\(entry id={altered.pk}\\) does not match"):
        prune_access_log(world.municipality, now=later)
    report = run_retention(now=later)
    assert report.failed == 1 and report.access_log_pruned == []
    assert AccessLogEntry.objects.filter(chain=_chain(world)).count() == 5
    assert not AccessLogPrune.objects.exists() and not Tombstone.objects.exists()
    assert "altered" in verify_access_log(now=later).kinds()
