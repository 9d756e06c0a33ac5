from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from stafett.audit.log import record_access, verify_chain
from stafett.audit.models import GENESIS_HASH, AccessLogEntry, AccessLogSeal, AppendOnlyError
from tests.conftest import World


def _write(world: World, n: int = 3) -> list[AccessLogEntry]:
    return [
        record_access(
            actor=world.guardian,
            action="subject.view_as_family",
            obj=world.child,
            subject_uuid=world.child.uuid,
            role="guardian",
        )
        for _ in range(n)
    ]


def _seal(entry: AccessLogEntry) -> AccessLogSeal:
    return AccessLogSeal.objects.get(entry=entry)


def test_each_row_links_to_the_previous_row_of_its_municipality(world: World) -> None:
    first, second, third = (_seal(entry) for entry in _write(world))
    assert (first.seq, second.seq, third.seq) == (1, 2, 3)
    assert first.prev_mac == GENESIS_HASH
    assert second.prev_mac == first.mac
    assert third.prev_mac == second.mac
    assert first.version == AccessLogSeal.Version.HMAC_SHA256
    other = record_access(actor=world.other_staff, action="test.read", obj=world.other_child)
    assert other.chain == world.other_municipality.id
    assert _seal(other).prev_mac == GENESIS_HASH and _seal(other).seq == 1


def test_a_row_records_who_role_what_when_and_from_where(world: World, rf: Any) -> None:
    request = rf.get("/", REMOTE_ADDR="10.1.2.3")
    entry = record_access(
        actor=world.guardian,
        action="subject.view_as_family",
        obj=world.child,
        subject_uuid=world.child.uuid,
        role="guardian",
        request=request,
    )
    entry = AccessLogEntry.objects.get(pk=entry.pk)
    assert entry.actor == world.guardian
    assert entry.actor_name == "Gro Mor"
    assert entry.role == "guardian"
    assert entry.object_type == "Subject"
    assert entry.object_uuid == world.child.uuid
    assert entry.ip_address == "10.1.2.3"
    assert entry.at.utcoffset() is not None and entry.at.utcoffset().total_seconds() == 0


def test_the_application_cannot_change_or_delete_rows(world: World) -> None:
    entry = _write(world, 1)[0]
    entry.action = "edited"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.filter(pk=entry.pk).update(action="edited")
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.all().delete()
    # The chain's links are append-only too.
    seal = _seal(entry)
    seal.mac = "0" * 64
    with pytest.raises(AppendOnlyError):
        seal.save()
    with pytest.raises(AppendOnlyError):
        seal.delete()
    with pytest.raises(AppendOnlyError):
        AccessLogSeal.objects.filter(pk=seal.pk).update(mac="0" * 64)
    with pytest.raises(AppendOnlyError):
        AccessLogSeal.objects.all().delete()


def test_a_read_rolled_back_leaves_no_row(world: World) -> None:
    before = AccessLogEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        _write(world, 1)
        raise RuntimeError("the read failed")
    assert AccessLogEntry.objects.count() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_postgresql_refuses_update_and_delete_even_in_raw_sql(world: World) -> None:
    entry = _write(world, 1)[0]
    table = AccessLogEntry._meta.db_table
    seals = AccessLogSeal._meta.db_table
    for sql in (
        f"UPDATE {table} SET action = 'x' WHERE id = %s",
        f"DELETE FROM {table} WHERE id = %s",
        f"UPDATE {seals} SET mac = 'x' WHERE entry_id = %s",
        f"DELETE FROM {seals} WHERE entry_id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert AccessLogEntry.objects.get(pk=entry.pk).action == "subject.view_as_family"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_postgresql_refuses_truncate_of_the_log_and_its_seals_even_for_a_superuser(
    world: World,
) -> None:
    _write(world, 3)
    for table in (AccessLogEntry._meta.db_table, AccessLogSeal._meta.db_table):
        with (
            pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            # (Pending foreign-key checks would refuse TRUNCATE for another reason.)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # Not the test runner emptying its database (tests/conftest.py).
            cursor.execute("SET LOCAL stafett.flush_test_database = 'off'")
            cursor.execute(f"TRUNCATE {table} CASCADE")
    assert AccessLogEntry.objects.filter(chain=world.municipality.id).count() == 3
    assert verify_chain(world.municipality.id) is None


def _tamper(sql: str, params: list[Any]) -> None:
    """Change a row behind the application's back (as a database owner could)."""
    table = AccessLogEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser can bypass triggers; the hash chain still shows the change.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql.format(table=table), params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def test_verify_reports_an_intact_log(world: World) -> None:
    _write(world)
    out = StringIO()
    call_command("verify_access_log", stdout=out)
    assert "intact" in out.getvalue()
    assert verify_chain(world.municipality.id) is None


def test_verify_reports_the_first_edited_row(world: World) -> None:
    rows = _write(world, 4)
    _tamper("UPDATE {table} SET actor_name = 'Someone else' WHERE id = %s", [rows[1].pk])
    broken = verify_chain(world.municipality.id)
    assert broken is not None and broken.entry_id == rows[1].pk
    assert broken.kind == "altered" and broken.seq == 2
    with pytest.raises(CommandError, match=f"altered.*id={rows[1].pk}"):
        call_command("verify_access_log", stdout=StringIO(), stderr=StringIO())


def test_a_row_given_its_time_in_oslo_time_still_verifies(world: World, settings: Any) -> None:
    # The link covers the instant, not how it was written: Oslo time read back as UTC.
    import datetime
    import zoneinfo

    oslo = datetime.datetime(
        2026, 12, 1, 9, 30, 15, 123456, tzinfo=zoneinfo.ZoneInfo("Europe/Oslo")
    )
    record_access(actor=world.leader, action="log.view", obj=world.child, at=oslo)
    settings.STAFETT_ACCESS_LOG_SEAL_AT_ONCE = False
    record_access(actor=world.leader, action="log.view", obj=world.child, at=oslo)
    from stafett.audit.log import seal_pending

    seal_pending()
    assert verify_chain(world.municipality.id) is None
