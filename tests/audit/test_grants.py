"""The application's database role can add to and read the access log, nothing more
(issue 10, item 9). Today the application's role owns the table: it can TRUNCATE it
or switch its trigger off. These tests create real roles (inside the test's
transaction, so they vanish with it) and act as them with SET ROLE."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from stafett.audit.log import record_access, seal_pending
from stafett.audit.models import AccessLogEntry, AccessLogSeal
from stafett.audit.verify import verify_access_log
from tests.conftest import World

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database roles exist on PostgreSQL"
)

APP = "stafett_audit_test_app"
OWNER = "stafett_audit_test_owner"
ENTRIES = AccessLogEntry._meta.db_table
SEALS = AccessLogSeal._meta.db_table


@pytest.fixture
def roles(world: World) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {APP} NOLOGIN")
        cursor.execute(f"CREATE ROLE {OWNER} NOLOGIN")
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


def _as_app(sql: str) -> str:
    """Run one statement as the application's role; return PostgreSQL's refusal."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {APP}")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(sql)
            cursor.execute("RESET ROLE")
    except DatabaseError as error:
        return str(error)
    return "allowed"


def _read(world: World) -> AccessLogEntry:
    return record_access(
        actor=world.leader, action="log.view", obj=world.child, subject_uuid=world.child.uuid
    )


def test_the_application_role_can_read_and_add_but_not_change_remove_or_unprotect_the_log(
    world: World, roles: None, settings: Any
) -> None:
    out = StringIO()
    call_command("access_log_grants", "--role", APP, "--owner", OWNER, stdout=out)
    assert "may only SELECT and INSERT the access log" in out.getvalue()
    first = _read(world)

    # The application works as this role: it reads, writes rows and seals them.
    settings.STAFETT_ACCESS_LOG_SEAL_AT_ONCE = False
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {APP}")
        second = _read(world)
        assert seal_pending() == 1
        assert AccessLogEntry.objects.filter(pk__in=[first.pk, second.pk]).count() == 2
        cursor.execute("RESET ROLE")

    refusals = {
        "update": _as_app(f"UPDATE {ENTRIES} SET action = 'x' WHERE id = {first.pk}"),
        "delete": _as_app(f"DELETE FROM {ENTRIES} WHERE id = {first.pk}"),
        "truncate": _as_app(f"TRUNCATE {ENTRIES} CASCADE"),
        "disable trigger": _as_app(f"ALTER TABLE {ENTRIES} DISABLE TRIGGER USER"),
        "disable row trigger": _as_app(
            f"ALTER TABLE {ENTRIES} DISABLE TRIGGER stafett_access_log_append_only"
        ),
        "drop": _as_app(f"DROP TABLE {ENTRIES} CASCADE"),
        "update seal": _as_app(f"UPDATE {SEALS} SET mac = 'x'"),
        "delete seal": _as_app(f"DELETE FROM {SEALS}"),
        "truncate seal": _as_app(f"TRUNCATE {SEALS}"),
        "disable seal trigger": _as_app(f"ALTER TABLE {SEALS} DISABLE TRIGGER USER"),
        "replace trigger function": _as_app(
            "CREATE OR REPLACE FUNCTION stafett_access_log_append_only() RETURNS trigger "
            "AS $$ BEGIN RETURN OLD; END; $$ LANGUAGE plpgsql"
        ),
        "replace truncate trigger function": _as_app(
            "CREATE OR REPLACE FUNCTION stafett_access_log_no_truncate() RETURNS trigger "
            "AS $$ BEGIN RETURN NULL; END; $$ LANGUAGE plpgsql"
        ),
        "triggers off for the session": _as_app("SET session_replication_role = replica"),
    }
    for attempt, refusal in refusals.items():
        assert "permission denied" in refusal or "must be owner" in refusal, (attempt, refusal)
    assert AccessLogEntry.objects.get(pk=first.pk).action == "log.view"
    assert verify_access_log().intact


def test_grants_refuse_an_application_role_that_owns_the_log(world: World, roles: None) -> None:
    # Today's set-up: the application's role owns the table and its trigger function.
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {ENTRIES} OWNER TO {APP}")
        cursor.execute(f"ALTER FUNCTION stafett_access_log_append_only() OWNER TO {APP}")
    assert _as_app(f"ALTER TABLE {ENTRIES} DISABLE TRIGGER USER") == "allowed"
    with pytest.raises(CommandError) as refused:
        call_command("access_log_grants", "--role", APP, "--check", stdout=StringIO())
    assert f"{APP} owns {ENTRIES}" in str(refused.value)
    assert f"{APP} owns the trigger function" in str(refused.value)
    # Given to an owner role, the same attempt is refused.
    call_command("access_log_grants", "--role", APP, "--owner", OWNER, stdout=StringIO())
    assert "must be owner" in _as_app(f"ALTER TABLE {ENTRIES} DISABLE TRIGGER USER")


def test_grants_check_reports_a_disabled_trigger_and_a_role_that_can_become_the_owner(
    world: World, roles: None
) -> None:
    call_command("access_log_grants", "--role", APP, "--owner", OWNER, stdout=StringIO())
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {SEALS} DISABLE TRIGGER stafett_access_log_no_truncate")
        cursor.execute(f"GRANT {OWNER} TO {APP}")
    with pytest.raises(CommandError) as refused:
        call_command("access_log_grants", "--role", APP, "--check", stdout=StringIO())
    message = str(refused.value)
    assert f"trigger stafett_access_log_no_truncate is disabled on {SEALS}" in message
    assert f"{APP} owns {ENTRIES} (or can become its owner)" in message


def test_grants_name_a_role_that_does_not_exist(world: World) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        call_command("access_log_grants", "--role", "no_such_role_here", stdout=StringIO())
    with pytest.raises(CommandError, match="not a plain role name"):
        call_command("access_log_grants", "--role", "x; DROP TABLE y", stdout=StringIO())


def test_the_owner_cannot_truncate_by_claiming_to_be_the_test_runner(
    world: World, roles: None
) -> None:
    call_command("access_log_grants", "--role", APP, "--owner", OWNER, stdout=StringIO())
    _read(world)
    with (
        pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"SET LOCAL ROLE {OWNER}")
        cursor.execute("SET LOCAL stafett.flush_test_database = 'on'")  # only for superusers
        cursor.execute(f"TRUNCATE {SEALS}")
    assert AccessLogSeal.objects.exists()


def test_the_application_role_prunes_only_through_the_owners_function(
    world: World, roles: None
) -> None:
    """Retention (issue 12, item 4): the application prunes old rows through
    stafett_access_log_prune(), which runs as the owner; it still cannot DELETE a row
    itself, not even by claiming the pruning setting, nor touch the prune records."""
    from stafett.audit.models import AccessLogPrune
    from stafett.retention.models import Tombstone
    from stafett.retention.services import prune_access_log

    call_command("access_log_grants", "--role", APP, "--owner", OWNER, stdout=StringIO())
    now = timezone.now()
    old = [
        record_access(
            actor=world.leader,
            action="log.view",
            obj=world.child,
            subject_uuid=world.child.uuid,
            at=now - datetime.timedelta(days=6 * 366 - i),
        )
        for i in range(2)
    ]
    young = _read(world)
    prunes = AccessLogPrune._meta.db_table
    refusals = {
        "delete with the setting": _as_app(
            "SET LOCAL stafett.access_log_pruning = 'on'; "
            f"DELETE FROM {ENTRIES} WHERE id = {old[0].pk}"
        ),
        "delete seal with the setting": _as_app(
            "SET LOCAL stafett.access_log_pruning = 'on'; "
            f"DELETE FROM {SEALS} WHERE entry_id = {old[0].pk}"
        ),
        "update prune record": _as_app(f"UPDATE {prunes} SET count = 1"),
        "delete prune record": _as_app(f"DELETE FROM {prunes}"),
        "truncate prune records": _as_app(f"TRUNCATE {prunes}"),
        "replace the pruning function": _as_app(
            "CREATE OR REPLACE FUNCTION stafett_access_log_prune(p_chain bigint, p_upto bigint) "
            "RETURNS bigint AS $$ BEGIN RETURN 0; END; $$ LANGUAGE plpgsql"
        ),
    }
    for attempt, refusal in refusals.items():
        assert "permission denied" in refusal or "must be owner" in refusal, (attempt, refusal)
    assert AccessLogEntry.objects.filter(pk=old[0].pk).exists()

    # The lawful path, as the application's role.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {APP}")
        stone = prune_access_log(world.municipality, now=now + datetime.timedelta(days=1))
        cursor.execute("RESET ROLE")
    assert stone is not None and stone.rows_deleted == 2
    assert Tombstone.objects.filter(kind="access_log").count() == 1
    assert not AccessLogEntry.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert AccessLogEntry.objects.filter(pk=young.pk).exists()
    assert verify_access_log().intact


def test_grants_check_reports_a_pruning_function_open_to_everyone(
    world: World, roles: None
) -> None:
    call_command("access_log_grants", "--role", APP, "--owner", OWNER, stdout=StringIO())
    with connection.cursor() as cursor:
        cursor.execute(
            "GRANT EXECUTE ON FUNCTION stafett_access_log_prune(bigint, bigint) TO PUBLIC"
        )
    with pytest.raises(CommandError, match="PUBLIC may EXECUTE stafett_access_log_prune"):
        call_command("access_log_grants", "--role", APP, "--check", stdout=StringIO())


def test_a_callers_temporary_table_cannot_stand_in_for_the_prune_records(
    world: World, roles: None
) -> None:
    """The function's search_path puts pg_temp last: a temporary table named like the
    prune records, holding a record of the caller's making, is not read."""
    call_command("access_log_grants", "--role", APP, "--owner", OWNER, stdout=StringIO())
    first = record_access(
        actor=world.leader,
        action="log.view",
        obj=world.child,
        subject_uuid=world.child.uuid,
        at=timezone.now() - datetime.timedelta(days=6 * 366),
    )
    seal = AccessLogSeal.objects.get(entry_id=first.pk)
    refusal = _as_app(
        "CREATE TEMP TABLE audit_accesslogprune AS SELECT * FROM audit_accesslogprune "
        "WITH NO DATA; "
        "INSERT INTO audit_accesslogprune (uuid, chain, upto_seq, upto_entry_id, upto_mac, "
        "count, from_at, to_at, cutoff, pruned_at, rule, period_months, record_entry_id, "
        f"signature) VALUES (gen_random_uuid(), {seal.chain}, {seal.seq}, {first.pk}, "
        f"'{seal.mac}', 1, now(), now(), now() - interval '2 years', now(), 'x', 60, 0, 'x'); "
        f"SELECT stafett_access_log_prune({seal.chain}, {seal.seq})"
    )
    assert "No prune record" in refusal, refusal
    assert AccessLogEntry.objects.filter(pk=first.pk).exists()
