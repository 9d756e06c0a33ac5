"""Let the application run as a PostgreSQL role that can only add to and read the access log.

Run as the role that owns the tables (the one that runs `migrate`), or as a superuser:

    manage.py access_log_grants --role stafett_app [--owner stafett_owner]

It grants the application role SELECT, INSERT, UPDATE and DELETE on Stafett's other
tables (and future ones the owner creates), but on the access log and its seals only
SELECT and INSERT: the sealer only inserts seals, so the application never needs more.
With --owner (a superuser runs it) the access-log tables and their trigger function are
given to that role first, and the triggers are switched on if someone had switched them
off. It refuses when the application role would still own, or
could become, the owner of the tables, their schema or the trigger function, because
an owner can disable the triggers or drop the tables. Re-run it after every `migrate`.
`--check` changes nothing and reports what is wrong.

Pruning (retention) removes old rows only through `stafett_access_log_prune()`, a
SECURITY DEFINER function owned by the tables' owner: the application role gets
EXECUTE on it and nothing else; PUBLIC gets nothing.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from stafett.audit.models import AccessLogEntry, AccessLogPending, AccessLogPrune, AccessLogSeal

ROLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
TRIGGER_FUNCTIONS = ["stafett_access_log_append_only", "stafett_access_log_no_truncate"]
EVIDENCE = [
    AccessLogEntry._meta.db_table,
    AccessLogSeal._meta.db_table,
    AccessLogPrune._meta.db_table,
]
# The one path that deletes old rows (audit migration 0005): runs as its owner.
PRUNE_FUNCTION = "stafett_access_log_prune(bigint, bigint)"
QUEUE = AccessLogPending._meta.db_table
# Rights the application role must not hold on the evidence tables.
FORBIDDEN = ["UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"]
# Each evidence table's triggers: the row trigger and the TRUNCATE statement trigger.
TRIGGERS = ["stafett_access_log_append_only", "stafett_access_log_no_truncate"]


class Command(BaseCommand):
    help = "Grant the application role INSERT and SELECT only on the access log (PostgreSQL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--role", required=True, help="The role the application runs as.")
        parser.add_argument(
            "--owner",
            help="Give the access-log tables and trigger function to this role first "
            "(needs a superuser).",
        )
        parser.add_argument(
            "--check", action="store_true", help="Change nothing; report what is wrong."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("access_log_grants is for PostgreSQL (SQLite has no roles).")
        role = _role(options["role"])
        owner = _role(options["owner"]) if options["owner"] else None
        if owner == role:
            raise CommandError("The owner must be another role than the application's.")
        if not options["check"]:
            with transaction.atomic():
                self.grant(role, owner)
        problems = privilege_problems(role)
        if problems:
            raise CommandError(
                f"Role {role} can still tamper with the access log:\n- " + "\n- ".join(problems)
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Role {role} may only SELECT and INSERT the access log; it does not own "
                "its tables, schema or triggers, and the triggers are enabled."
            )
        )

    def grant(self, role: str, owner: str | None) -> None:
        q = connection.ops.quote_name
        with connection.cursor() as cursor:
            if owner is not None:
                for table in EVIDENCE:
                    cursor.execute(f"ALTER TABLE {q(table)} OWNER TO {q(owner)}")
                for function in TRIGGER_FUNCTIONS:
                    cursor.execute(f"ALTER FUNCTION {function}() OWNER TO {q(owner)}")
                cursor.execute(f"ALTER FUNCTION {PRUNE_FUNCTION} OWNER TO {q(owner)}")
            # Switched off by someone earlier? On again.
            for table in EVIDENCE:
                for trigger in TRIGGERS:
                    cursor.execute(f"ALTER TABLE {q(table)} ENABLE TRIGGER {q(trigger)}")
            # Everything else: the ordinary rights of a web application.
            cursor.execute(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {q(role)}"
            )
            cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {q(role)}")
            # Tables a later `migrate` creates (as the owner) are usable at once; re-run this
            # command after it all the same, in case the new table is evidence.
            creator = f"FOR ROLE {q(owner)} " if owner is not None else ""
            cursor.execute(
                f"ALTER DEFAULT PRIVILEGES {creator}IN SCHEMA public "
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {q(role)}"
            )
            cursor.execute(
                f"ALTER DEFAULT PRIVILEGES {creator}IN SCHEMA public "
                f"GRANT USAGE, SELECT ON SEQUENCES TO {q(role)}"
            )
            # The evidence: add and read, nothing else, for this role and for everyone.
            for table in EVIDENCE:
                cursor.execute(f"REVOKE ALL ON {q(table)} FROM {q(role)}, PUBLIC")
                cursor.execute(f"GRANT SELECT, INSERT ON {q(table)} TO {q(role)}")
            # Pruning: only through the owner's function.
            cursor.execute(f"REVOKE ALL ON FUNCTION {PRUNE_FUNCTION} FROM PUBLIC")
            cursor.execute(f"GRANT EXECUTE ON FUNCTION {PRUNE_FUNCTION} TO {q(role)}")
            # The sealer's work queue is not evidence: it removes what it has sealed.
            cursor.execute(f"GRANT SELECT, INSERT, DELETE ON {q(QUEUE)} TO {q(role)}")


def _role(name: str) -> str:
    if not ROLE_NAME.match(name):
        raise CommandError(f"{name!r} is not a plain role name.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
        if cursor.fetchone() is None:
            raise CommandError(f"Role {name} does not exist (CREATE ROLE it first).")
    return name


def privilege_problems(role: str) -> list[str]:
    """Everything that would let `role` change, remove or hide access-log rows."""
    problems: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
        row = cursor.fetchone()
        if row is None:
            return [f"role {role} does not exist"]
        if row[0]:
            problems.append(f"{role} is a superuser (it can do anything)")
        for table in EVIDENCE:
            cursor.execute(
                "SELECT pg_has_role(%s, c.relowner, 'MEMBER'), "
                "pg_has_role(%s, n.nspowner, 'MEMBER'), n.nspname "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.oid = %s::regclass",
                [role, role, table],
            )
            owns_table, owns_schema, schema = cursor.fetchone() or (True, True, "?")
            if owns_table:
                problems.append(f"{role} owns {table} (or can become its owner)")
            if owns_schema:
                problems.append(
                    f"{role} owns schema {schema} (or can become its owner), so it can drop "
                    f"{table}: ALTER SCHEMA {schema} OWNER TO the owner role (and ALTER "
                    "DATABASE … OWNER TO it, if the schema belongs to pg_database_owner)"
                )
            for right in FORBIDDEN:
                cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [role, table, right])
                allowed = cursor.fetchone()
                if allowed and allowed[0]:
                    problems.append(f"{role} has {right} on {table}")
            for right in ("SELECT", "INSERT"):
                cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [role, table, right])
                allowed = cursor.fetchone()
                if not (allowed and allowed[0]):
                    problems.append(f"{role} lacks {right} on {table} (the application needs it)")
            cursor.execute(
                "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = %s::regclass "
                "AND NOT tgisinternal",
                [table],
            )
            triggers = dict(cursor.fetchall())
            for trigger in TRIGGERS:
                if trigger not in triggers:
                    problems.append(f"trigger {trigger} is missing on {table}")
                elif triggers[trigger] == "D":
                    problems.append(f"trigger {trigger} is disabled on {table}")
        for name in TRIGGER_FUNCTIONS:
            cursor.execute(
                "SELECT pg_has_role(%s, proowner, 'MEMBER') FROM pg_proc WHERE proname = %s",
                [role, name],
            )
            function = cursor.fetchone()
            if function is None:
                problems.append(f"the trigger function {name} is missing")
            elif function[0]:
                problems.append(
                    f"{role} owns the trigger function {name} (it could replace it with one "
                    "that allows all)"
                )
        cursor.execute(
            "SELECT pg_has_role(%s, p.proowner, 'MEMBER'), p.prosecdef, "
            "has_function_privilege('public', p.oid, 'EXECUTE'), "
            "has_function_privilege(%s, p.oid, 'EXECUTE') "
            "FROM pg_proc p WHERE p.oid = %s::regprocedure",
            [role, role, PRUNE_FUNCTION],
        )
        prune = cursor.fetchone()
        if prune is None:
            problems.append("the pruning function stafett_access_log_prune is missing")
        else:
            owns, definer, public, may_execute = prune
            if owns:
                problems.append(
                    f"{role} owns the pruning function stafett_access_log_prune (it could "
                    "replace it with one that deletes anything)"
                )
            if not definer:
                problems.append("stafett_access_log_prune is not SECURITY DEFINER")
            if public:
                problems.append("PUBLIC may EXECUTE stafett_access_log_prune")
            if not may_execute:
                problems.append(
                    f"{role} lacks EXECUTE on stafett_access_log_prune (retention needs it)"
                )
    return problems
