"""The one helper that writes the access log.

Call `record_access` inside the same `transaction.atomic()` block as the read it
records: if the read's transaction rolls back, so does the record, and a record
never exists for a read that did not happen.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any, Protocol

from django.db import connection, transaction
from django.http import HttpRequest

from stafett.audit.models import GENESIS_HASH, AccessLogEntry


class _HasUuid(Protocol):
    uuid: uuid.UUID


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # Behind a proxy the deployment sets REMOTE_ADDR right (gunicorn --forwarded-allow-ips);
    # X-Forwarded-For is not trusted here because any client can send it.
    address = request.META.get("REMOTE_ADDR")
    return str(address) if address else None


def _lock_chain(chain: int) -> None:
    """Serialise writers of one chain so that each row sees its true predecessor."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7316, chain])
    # SQLite: Stafett opens write transactions with BEGIN IMMEDIATE, which already
    # serialises writers on the whole database.


def record_access(
    *,
    actor: Any,
    action: str,
    obj: Any = None,
    object_type: str = "",
    subject_uuid: uuid.UUID | None = None,
    role: str = "",
    unit_name: str = "",
    reason: str = "",
    outcome: str = AccessLogEntry.Outcome.ALLOWED,
    request: HttpRequest | None = None,
    municipality_id: int | None = None,
    at: datetime.datetime | None = None,
) -> AccessLogEntry:
    """Write one access-log row (who, role, what, action, when, from where)."""
    from django.utils import timezone

    user = actor if getattr(actor, "is_authenticated", False) else None
    if municipality_id is None:
        municipality_id = getattr(obj, "municipality_id", None) or getattr(
            user, "municipality_id", None
        )
    chain = municipality_id or 0
    entry = AccessLogEntry(
        chain=chain,
        municipality_id=municipality_id,
        at=at or timezone.now(),
        actor=user,
        actor_name=(user.get_full_name() or user.username) if user else "",
        role=role,
        unit_name=unit_name,
        action=action,
        object_type=object_type or (type(obj).__name__ if obj is not None else ""),
        object_uuid=getattr(obj, "uuid", None),
        subject_uuid=subject_uuid,
        reason=reason[:200],
        outcome=outcome,
        ip_address=client_ip(request),
    )
    with transaction.atomic():
        _lock_chain(chain)
        last = (
            AccessLogEntry.objects.filter(chain=chain)
            .order_by("-id")
            .values_list("hash", flat=True)
            .first()
        )
        entry.prev_hash = last or GENESIS_HASH
        entry.hash = entry.compute_hash()
        entry.save()
    return entry


def record_accesses(
    *,
    actor: Any,
    action: str,
    objects: list[Any],
    role_for: Any,
    reason: str = "",
    request: HttpRequest | None = None,
) -> list[AccessLogEntry]:
    """One row per object read on a list page, written with a constant number of queries.

    `objects` must carry `uuid` and `municipality_id`; they are treated as subjects of
    care (the family's access list shows them). `role_for(obj)` names the role.
    """
    from django.utils import timezone

    if not objects:
        return []
    user = actor if getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    by_chain: dict[int, list[AccessLogEntry]] = {}
    for obj in objects:
        municipality_id = obj.municipality_id
        entry = AccessLogEntry(
            chain=municipality_id or 0,
            municipality_id=municipality_id,
            at=now,
            actor=user,
            actor_name=(user.get_full_name() or user.username) if user else "",
            role=role_for(obj),
            action=action,
            object_type=type(obj).__name__,
            object_uuid=obj.uuid,
            subject_uuid=obj.uuid,
            reason=reason[:200],
            ip_address=client_ip(request),
        )
        by_chain.setdefault(entry.chain, []).append(entry)
    written: list[AccessLogEntry] = []
    with transaction.atomic():
        for chain, entries in by_chain.items():
            _lock_chain(chain)
            prev = (
                AccessLogEntry.objects.filter(chain=chain)
                .order_by("-id")
                .values_list("hash", flat=True)
                .first()
            ) or GENESIS_HASH
            for entry in entries:
                entry.prev_hash = prev
                entry.hash = entry.compute_hash()
                prev = entry.hash
            # Rows of one bulk insert get increasing ids in list order on both databases.
            written.extend(AccessLogEntry.objects.bulk_create(entries))
    return written


def verify_chain(chain: int) -> AccessLogEntry | None:
    """Return the first row whose link or content does not match, or None when all hold."""
    expected_prev = GENESIS_HASH
    for entry in (
        AccessLogEntry.objects.filter(chain=chain).order_by("id").iterator(chunk_size=2000)
    ):
        if entry.prev_hash != expected_prev or entry.compute_hash() != entry.hash:
            return entry
        expected_prev = entry.hash
    return None
