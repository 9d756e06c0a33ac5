"""The one helper that writes the access log, and the sealer that chains it.

Call `record_access` inside the same `transaction.atomic()` block as the read it
records: if the read's transaction rolls back, so does the record, and a record
never exists for a read that did not happen. The row is written unchained and takes
no lock, so the reads of one municipality never wait for each other; `seal_pending`
links new rows into the chain (under the chain's lock, for the few microseconds of
one short transaction) right after the read commits, and the scheduler seals again
every STAFETT_ACCESS_LOG_SEAL_SECONDS in case a read's process died in between.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import hmac
import logging
import uuid
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.http import HttpRequest
from django.utils import timezone

from stafett.audit.models import GENESIS_HASH, AccessLogEntry, AccessLogPending, AccessLogSeal

if TYPE_CHECKING:
    from stafett.audit.verify import Problem

logger = logging.getLogger(__name__)

# The first argument of every advisory lock on an access-log chain.
LOCK_CLASS = 7316
# Rows sealed per transaction: bounds how long one seal holds the chain's lock.
SEAL_BATCH = 2000


class _HasUuid(Protocol):
    uuid: uuid.UUID


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # Behind a proxy the deployment sets REMOTE_ADDR right (gunicorn --forwarded-allow-ips);
    # X-Forwarded-For is not trusted here because any client can send it.
    address = request.META.get("REMOTE_ADDR")
    return str(address) if address else None


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
    using: str = DEFAULT_DB_ALIAS,
) -> AccessLogEntry:
    """Write one access-log row (who, role, what, action, when, from where).

    `using` names the connection: the default one, in the reader's transaction, except
    for refusals written on the second connection (stafett.audit.refusals)."""
    user = _user(actor)
    if municipality_id is None:
        municipality_id = getattr(obj, "municipality_id", None) or getattr(
            user, "municipality_id", None
        )
    entry = _entry(
        user=user,
        municipality_id=municipality_id,
        at=at or timezone.now(),
        role=role,
        unit_name=unit_name,
        action=action,
        object_type=object_type or (type(obj).__name__ if obj is not None else ""),
        object_uuid=getattr(obj, "uuid", None),
        subject_uuid=subject_uuid,
        reason=reason,
        outcome=outcome,
        request=request,
    )
    with transaction.atomic(using=using):
        entry.save(using=using)
        _after_write([entry], using=using)
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
    if not objects:
        return []
    user = _user(actor)
    now = timezone.now()
    entries = [
        _entry(
            user=user,
            municipality_id=obj.municipality_id,
            at=now,
            role=role_for(obj),
            action=action,
            object_type=type(obj).__name__,
            object_uuid=obj.uuid,
            subject_uuid=obj.uuid,
            reason=reason,
            request=request,
        )
        for obj in objects
    ]
    with transaction.atomic():
        written = AccessLogEntry.objects.bulk_create(entries)
        _after_write(written)
    return written


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _entry(
    *,
    user: Any,
    municipality_id: int | None,
    at: datetime.datetime,
    role: str,
    action: str,
    object_type: str,
    object_uuid: uuid.UUID | None,
    subject_uuid: uuid.UUID | None,
    reason: str,
    request: HttpRequest | None,
    unit_name: str = "",
    outcome: str = AccessLogEntry.Outcome.ALLOWED,
) -> AccessLogEntry:
    """One unsaved row; both writers above build their rows here."""
    return AccessLogEntry(
        chain=municipality_id or 0,
        municipality_id=municipality_id,
        at=at,
        actor=user,
        actor_name=(user.get_full_name() or user.username) if user else "",
        role=role,
        unit_name=unit_name,
        action=action,
        object_type=object_type,
        object_uuid=object_uuid,
        subject_uuid=subject_uuid,
        reason=reason[:200],
        outcome=outcome,
        ip_address=client_ip(request),
        # The link lives in AccessLogSeal; these two hold only rows from before sealing.
        prev_hash="",
        hash="",
    )


def _after_write(entries: list[AccessLogEntry], *, using: str = DEFAULT_DB_ALIAS) -> None:
    chains = sorted({entry.chain for entry in entries})
    if settings.STAFETT_ACCESS_LOG_SEAL_AT_ONCE:
        # The old way: link now, holding the chain's lock until the read commits.
        for chain in chains:
            _seal_now(chain, [entry for entry in entries if entry.chain == chain], using=using)
        return
    AccessLogPending.objects.using(using).bulk_create(
        [AccessLogPending(entry=entry, chain=entry.chain) for entry in entries]
    )
    if settings.STAFETT_ACCESS_LOG_SEAL_AFTER_COMMIT:
        for chain in chains:
            transaction.on_commit(
                functools.partial(_seal_if_free, chain, using=using), using=using, robust=True
            )


def _seal_now(chain: int, entries: list[AccessLogEntry], *, using: str) -> None:
    _lock_chain(chain, using=using)
    AccessLogSeal.objects.using(using).bulk_create(_link(chain, entries, using=using))


def _seal_if_free(chain: int, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Right after a read commits: seal its chain, unless another sealer holds it now
    (that one, or the scheduler's next round, seals this row too). Never waits."""
    try:
        seal_chain(chain, wait=False, using=using)
    except DatabaseError:
        # The read has committed and its row is safe; the scheduler seals it later.
        logger.warning("Sealing access-log chain %s after a read failed", chain, exc_info=True)


def _lock_chain(chain: int, *, wait: bool = True, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Take the chain's lock for the rest of the transaction; False if busy and not waiting."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if wait:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, chain])
                return True
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_CLASS, chain])
            row = cursor.fetchone()
            return bool(row and row[0])
    # SQLite: Stafett opens write transactions with BEGIN IMMEDIATE, which already
    # serialises writers on the whole database.
    return True


def link_mac(*, chain: int, seq: int, entry: AccessLogEntry, prev_mac: str) -> str:
    """The version 2 link: HMAC-SHA256 under the access-log key over the row's place in
    its chain (chain, seq, id), the previous link and the row's content."""
    message = f"stafett-access-log-v2|{chain}|{seq}|{entry.pk}|{prev_mac}|{entry.payload()}"
    return hmac.new(_key(), message.encode(), hashlib.sha256).hexdigest()


def _key() -> bytes:
    return str(settings.STAFETT_ACCESS_LOG_KEY).encode()


def seal_chain(chain: int, *, wait: bool = True, using: str = DEFAULT_DB_ALIAS) -> int:
    """Link this chain's unsealed rows, oldest id first, after its current head.

    Each batch is one short transaction holding the chain's lock only while it reads
    the head, signs the rows and inserts their seals. Returns the number of rows sealed.
    """
    sealed = 0
    while True:
        with transaction.atomic(using=using):
            if not _lock_chain(chain, wait=wait, using=using):
                return sealed
            pending_rows = AccessLogPending.objects.using(using)
            pending = list(
                pending_rows.filter(chain=chain)
                .order_by("entry_id")
                .values_list("entry_id", flat=True)[:SEAL_BATCH]
            )
            if not pending:
                return sealed
            entries = list(
                AccessLogEntry.objects.using(using).filter(pk__in=pending).order_by("id")
            )
            seals = _link(chain, entries, using=using)
            AccessLogSeal.objects.using(using).bulk_create(seals)
            pending_rows.filter(entry_id__in=pending).delete()
            sealed += len(seals)
        if len(pending) < SEAL_BATCH:
            return sealed


def _link(chain: int, entries: list[AccessLogEntry], *, using: str) -> list[AccessLogSeal]:
    """Seals for these rows after the chain's head (the caller holds the chain's lock)."""
    head = (
        AccessLogSeal.objects.using(using)
        .filter(chain=chain)
        .order_by("-seq")
        .values_list("seq", "mac")
    )
    seq, prev_mac = head.first() or (0, GENESIS_HASH)
    now = timezone.now()
    seals: list[AccessLogSeal] = []
    for entry in entries:
        seq += 1
        mac = link_mac(chain=chain, seq=seq, entry=entry, prev_mac=prev_mac)
        seals.append(
            AccessLogSeal(
                entry=entry,
                chain=chain,
                seq=seq,
                version=AccessLogSeal.Version.HMAC_SHA256,
                prev_mac=prev_mac,
                mac=mac,
                sealed_at=now,
            )
        )
        prev_mac = mac
    return seals


def seal_pending() -> int:
    """Seal every chain's unsealed rows (the scheduler calls this every few seconds)."""
    chains = sorted(set(AccessLogPending.objects.order_by().values_list("chain", flat=True)))
    return sum(seal_chain(chain) for chain in chains)


def verify_chain(chain: int) -> Problem | None:
    """The first problem found in this chain (against the latest checkpoint), or None."""
    from stafett.audit.verify import verify_access_log

    problems = verify_access_log(chains=[chain]).problems
    return problems[0] if problems else None
