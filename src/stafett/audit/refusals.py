"""Refused accesses, written to the access log where the refusal happens.

A refusal is raised as PermissionDenied or Http404, usually inside the
`transaction.atomic()` block of a view or a service, which then rolls back. The
refusal's access-log row must not roll back with it, must not wait for the view to
finish (a process that dies in between would lose it), and writing it must never
turn the refusal into an error page. `record_refusal` therefore writes the row:

1. at once, in its own transaction, when no transaction of the application is open;
2. on PostgreSQL, inside an open transaction: at once, on a second connection to the
   same database (`settings.STAFETT_REFUSAL_DATABASE`, the "audit" alias in
   autocommit), so it is committed before the refusal is even raised and survives the
   rollback of the view's transaction;
3. otherwise (SQLite, or the second connection failed): kept on the request in progress
   and written right after the view, each row in its own transaction. SQLite allows one
   writer at a time and the view's transaction holds that lock (BEGIN IMMEDIATE), so a
   second connection could only wait for it. On SQLite a process that dies between the
   refusal and the end of the request loses that row; the server log says when a row
   could not be written.

Outside a request (a task, a management command) there is nothing to write the row
after, so case 3 writes it in the caller's transaction (inside a savepoint): on SQLite
it is then lost if that transaction rolls back. (On PostgreSQL case 2 covers it.)

Tests: a test wrapped in one transaction cannot see rows another connection commits,
so tests/conftest.py turns case 2 off except for tests marked
`django_db(transaction=True, databases=[..., "audit"])`.

A row that cannot be written is reported in the server log (who, what, which object
id; never child data) and the next one is still written.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import HttpRequest
from django.utils import timezone

from stafett.audit import log as audit_log
from stafett.audit.models import AccessLogEntry

logger = logging.getLogger(__name__)

# How long the second connection waits for a lock before the row falls back to the
# after-the-view path (the view's own connection may hold the lock it waits for).
LOCK_TIMEOUT = "1s"


@dataclass
class _Request:
    request: HttpRequest | None
    pending: list[dict[str, Any]] = field(default_factory=list)


_current: ContextVar[_Request | None] = ContextVar("stafett_refusals", default=None)


def record_refusal(
    *,
    actor: Any,
    action: str,
    obj: Any = None,
    object_type: str = "",
    subject_uuid: uuid.UUID | None = None,
    role: str = "",
    municipality_id: int | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Write one refused access to the access log, durably (see the module's docstring).
    Never raises: the caller goes on to raise the refusal itself."""
    scope = _current.get()
    if request is None and scope is not None:
        request = scope.request
    row: dict[str, Any] = {
        "actor": actor,
        "action": action,
        "obj": obj,
        "object_type": object_type,
        "subject_uuid": subject_uuid,
        "role": role,
        "outcome": AccessLogEntry.Outcome.REFUSED,
        "municipality_id": municipality_id,
        "request": request,
        "at": timezone.now(),
    }
    if not _in_application_transaction():
        _write(row)
        return
    alias = settings.STAFETT_REFUSAL_DATABASE
    if alias and _write_on_second_connection(alias, row):
        return
    if scope is not None:
        scope.pending.append(row)
        return
    _write(row)


@contextlib.contextmanager
def collected(request: HttpRequest) -> Iterator[None]:
    """Around one request: refusals that could not be written at once are written when
    the block ends, after the view's transaction, each on its own."""
    token = _current.set(_Request(request=request))
    try:
        yield
    finally:
        scope = _current.get()
        _current.reset(token)
        if scope is not None:
            for row in scope.pending:
                _write(row)


def _in_application_transaction() -> bool:
    """Is a transaction of the application open on the default connection? The outer
    transaction a test case wraps each test in does not count: there, as in production,
    a refusal outside the application's own blocks is written at once."""
    connection = connections[DEFAULT_DB_ALIAS]
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def _write(row: dict[str, Any]) -> bool:
    """One row in its own transaction (a savepoint when one is open); a failure is
    reported in the server log and leaves the caller's transaction usable."""
    try:
        audit_log.record_access(**row)
    except Exception:
        _report(row)
        return False
    return True


def _write_on_second_connection(alias: str, row: dict[str, Any]) -> bool:
    """Write the row on `alias`, a second connection to the same database in autocommit:
    it commits at once, whatever becomes of the default connection's transaction."""
    try:
        with transaction.atomic(using=alias):
            connection = connections[alias]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = %s", [LOCK_TIMEOUT])
            audit_log.record_access(**row, using=alias)
    except Exception:
        logger.warning(
            "A refused access could not be written on the %r connection; it is written "
            "after the request instead.",
            alias,
            exc_info=True,
        )
        return False
    return True


def _report(row: dict[str, Any]) -> None:
    actor = row["actor"]
    obj = row["obj"]
    at: datetime.datetime = row["at"]
    logger.exception(
        "A refused access could not be written to the access log: actor=%s action=%s "
        "object=%s %s at=%s",
        getattr(actor, "pk", None),
        row["action"],
        row["object_type"] or (type(obj).__name__ if obj is not None else ""),
        getattr(obj, "uuid", ""),
        at.isoformat(),
    )
