"""Pruning a chain's oldest access-log rows once the municipality's period has passed.

The one path that removes access-log rows. `prune_chain` removes a PREFIX of one
municipality's sealed chain: every row with seal seq ≤ N, where every one of them is
older than the cutoff (the first younger row, and all after it, stay). In one
transaction, holding the chain's lock, it

1. writes a row `access_log.pruned` (no person) into the chain and seals it, so the
   pruning is itself in the log;
2. writes a signed `AccessLogPrune` record (municipality's chain, up to seq N, the link
   of row N, how many rows, their first and last time, the cutoff, the rule and period;
   HMAC-SHA256 under STAFETT_ACCESS_LOG_KEY);
3. deletes the prefix: on PostgreSQL only through `stafett_access_log_prune()`, the
   SECURITY DEFINER function of audit migration 0005 (the application's role has no
   DELETE right on the log, and the row trigger refuses every DELETE outside that
   function); on SQLite with plain SQL (the models refuse `.delete()`);

and after the commit appends a copy of the record to the checkpoint file. It refuses
(`PruneRefused`) when the rows to go do not verify: pruning must not erase the
evidence of tampering.
`verify_access_log` starts each chain after its latest prune record whose signature
holds: the row after N must link to the recorded link of row N. Rows removed without
such a record still show as a gap.
"""

from __future__ import annotations

import datetime
import hmac
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from stafett.audit.checkpoints import append_prune_record, sign_prune
from stafett.audit.log import _entry, _link, _lock_chain, link_mac, seal_chain
from stafett.audit.models import GENESIS_HASH, AccessLogEntry, AccessLogPrune, AccessLogSeal

logger = logging.getLogger(__name__)

ACTION = "access_log.pruned"
BATCH = 2000


class PruneRefused(Exception):
    """The rows to be pruned do not verify: pruning them would erase the evidence."""


@dataclass(frozen=True)
class PrunePlan:
    """What a pruning of one chain would remove (the dry run shows this)."""

    chain: int
    from_seq: int
    upto_seq: int
    upto_entry_id: int
    upto_mac: str
    count: int
    from_at: datetime.datetime
    to_at: datetime.datetime
    cutoff: datetime.datetime


def plan_prune(chain: int, *, before: datetime.datetime) -> PrunePlan | None:
    """The longest prefix of the chain's sealed rows that are all older than `before`;
    None when the oldest row left is not. Unsealed rows are never pruned."""
    seals = AccessLogSeal.objects.filter(chain=chain)
    first_young = seals.filter(entry__at__gte=before).aggregate(seq=Min("seq"))["seq"]
    bounds = seals.aggregate(low=Min("seq"), high=Max("seq"))
    if bounds["low"] is None:
        return None
    upto = first_young - 1 if first_young is not None else int(bounds["high"])
    if upto < bounds["low"]:
        return None
    prefix = seals.filter(seq__lte=upto).aggregate(
        count=Count("entry"), from_at=Min("entry__at"), to_at=Max("entry__at")
    )
    entry_id, mac = seals.filter(seq=upto).values_list("entry_id", "mac").get()
    return PrunePlan(
        chain=chain,
        from_seq=int(bounds["low"]),
        upto_seq=upto,
        upto_entry_id=entry_id,
        upto_mac=mac,
        count=int(prefix["count"]),
        from_at=prefix["from_at"],
        to_at=prefix["to_at"],
        cutoff=before,
    )


def prune_chain(
    chain: int,
    *,
    before: datetime.datetime,
    rule: str,
    period_months: int,
    now: datetime.datetime | None = None,
    directory: Path | None = None,
) -> AccessLogPrune | None:
    """Remove the chain's rows older than `before` (a prefix; see the module). Returns
    the signed record, or None when nothing is due. Runs in its own transaction, or in
    the caller's (the retention service writes its tombstone in the same one)."""
    now = now or timezone.now()
    if chain == 0:
        return None  # rows without a municipality have no municipality's rule
    seal_chain(chain)
    with transaction.atomic():
        _lock_chain(chain)
        plan = plan_prune(chain, before=before)
        if plan is None:
            return None
        # Pruning must not erase evidence: the rows going must verify first.
        problem = prefix_problem(plan)
        if problem:
            raise PruneRefused(f"Chain {chain} is not pruned: {problem}")
        record_uuid = uuid.uuid4()
        entry = _entry(
            user=None,
            municipality_id=chain,
            at=now,
            role="",
            action=ACTION,
            object_type="AccessLogPrune",
            object_uuid=record_uuid,
            subject_uuid=None,
            reason=(
                f"seq {plan.from_seq}-{plan.upto_seq} ({plan.count} rows), "
                f"rule {rule}, {period_months} months"
            ),
            request=None,
        )
        entry.save()
        AccessLogSeal.objects.bulk_create(_link(chain, [entry], using="default"))
        record = AccessLogPrune(
            uuid=record_uuid,
            chain=chain,
            upto_seq=plan.upto_seq,
            upto_entry_id=plan.upto_entry_id,
            upto_mac=plan.upto_mac,
            count=plan.count,
            from_at=plan.from_at,
            to_at=plan.to_at,
            cutoff=before,
            pruned_at=now,
            rule=rule,
            period_months=period_months,
            record_entry_id=entry.pk,
            signature="",
        )
        record.signature = sign_prune(record.signed_fields())
        record.save()
        removed = _delete_prefix(chain, plan.upto_seq, before=before)
        if removed != plan.count:
            raise RuntimeError(
                f"Pruning chain {chain}: {removed} rows went, the record counts {plan.count}."
            )
        fields, signature = record.signed_fields(), record.signature

        def copy_to_file() -> None:
            try:
                append_prune_record(fields, signature, directory=directory)
            except OSError:
                # The record in the database is enough for verify; say so loudly.
                logger.exception("The prune record of chain %s was not written to file", chain)

        transaction.on_commit(copy_to_file)
    return record


def prefix_problem(plan: PrunePlan) -> str:
    """What is wrong with the rows a plan would remove ("" when they verify): each row
    is there, in sequence, linked to the one before and signed (or, for rows from
    before keyed sealing, hashed) right; the first links to the start of the chain or
    to the latest prune record whose signature holds."""
    if plan.from_seq == 1:
        prev = GENESIS_HASH
    else:
        records = AccessLogPrune.objects.filter(chain=plan.chain, upto_seq=plan.from_seq - 1)
        valid = [
            record.upto_mac
            for record in records
            if hmac.compare_digest(record.signature, sign_prune(record.signed_fields()))
        ]
        if not valid:
            return f"rows before seq {plan.from_seq} are gone without a signed prune record"
        prev = valid[-1]
    expected = plan.from_seq
    while expected <= plan.upto_seq:
        seals = list(
            AccessLogSeal.objects.filter(
                chain=plan.chain, seq__gte=expected, seq__lte=plan.upto_seq
            ).order_by("seq")[:BATCH]
        )
        rows = AccessLogEntry.objects.in_bulk([seal.entry_id for seal in seals])
        for seal in seals:
            entry = rows.get(seal.entry_id)
            if seal.seq != expected or entry is None:
                return f"seq {expected} is missing"
            if seal.prev_mac != prev or entry.chain != plan.chain:
                return f"seq {seal.seq} does not link to the row before it"
            if seal.version == AccessLogSeal.Version.HMAC_SHA256:
                good = link_mac(chain=plan.chain, seq=seal.seq, entry=entry, prev_mac=prev)
            else:
                good = entry.compute_hash() if entry.prev_hash == prev else ""
            if not hmac.compare_digest(good, seal.mac):
                return f"seq {seal.seq} (entry id={entry.pk}) does not match its link"
            prev = seal.mac
            expected += 1
        if not seals:
            return f"seq {expected} is missing"
    return ""


def _delete_prefix(chain: int, upto_seq: int, *, before: datetime.datetime) -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT stafett_access_log_prune(%s, %s)", [chain, upto_seq])
            row = cursor.fetchone()
            return int(row[0]) if row else 0
    # SQLite has no roles and no triggers on the log: the same checks, then plain SQL.
    seals = AccessLogSeal._meta.db_table
    entries = AccessLogEntry._meta.db_table
    ids = list(
        AccessLogSeal.objects.filter(chain=chain, seq__lte=upto_seq).values_list(
            "entry_id", flat=True
        )
    )
    if AccessLogEntry.objects.filter(pk__in=ids, at__gte=before).exists():
        raise RuntimeError(f"Rows up to seq {upto_seq} are not all past their period.")
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {seals} WHERE chain = %s AND seq <= %s",  # noqa: S608 (our table)
            [chain, upto_seq],
        )
        removed = 0
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {entries} WHERE id IN ({marks})", chunk)  # noqa: S608
            removed += cursor.rowcount
    return removed
