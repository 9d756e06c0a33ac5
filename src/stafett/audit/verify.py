"""Check the access log's chains against their signatures and the latest checkpoint.

What each finding means (docs/security.md, "The access log: threat model"):

- `altered`: a sealed row's content no longer matches its signed link.
- `forged`: a row after the last checkpoint whose link is not signed with the key
  (a plain SHA-256 may match: someone who could write the database but had no key
  appended it).
- `rechained`: rows the latest checkpoint vouched for were re-linked (a row removed
  or changed and the rows after it re-hashed), or the head it saw has changed.
- `truncated`: the chain ends before the head the latest checkpoint saw.
- `missing_chain`: a chain the latest checkpoint saw has no sealed rows at all.
- `gap`: seal sequence numbers are missing, or a sealed row has gone.
- `broken_link`: a row does not link to the row before it.
- `unsealed`: rows older than a minute have not been sealed (the sealer is not running,
  or a row's seal was removed).
- `bad_checkpoint`: a checkpoint line whose signature does not hold.
- `forged_prune`: a prune record in the database whose signature does not hold (written
  without the key); it is ignored, so the rows it claims to have pruned show as a gap.

Pruning (stafett.audit.pruning) removes a prefix of a chain under a signed prune record;
a chain is verified from its latest valid record on: the row after seq N must link to
the recorded link of row N.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from stafett.audit.checkpoints import (
    ChainHead,
    Checkpoint,
    latest_checkpoint,
    read_prune_records,
    sign_prune,
)
from stafett.audit.log import link_mac
from stafett.audit.models import GENESIS_HASH, AccessLogEntry, AccessLogPrune, AccessLogSeal

BATCH = 2000


@dataclass
class Problem:
    kind: str
    chain: int | None
    message: str
    seq: int | None = None
    seq_to: int | None = None
    entry_id: int | None = None

    def __str__(self) -> str:
        where = f"chain {self.chain}" if self.chain is not None else "checkpoints"
        if self.seq is not None:
            span = f"seq {self.seq}" + (
                f"–{self.seq_to}" if self.seq_to and self.seq_to != self.seq else ""
            )
            where += f", {span}"
        if self.entry_id is not None:
            where += f", entry id={self.entry_id}"
        return f"[{self.kind}] {where}: {self.message}"


@dataclass(frozen=True)
class Pruned:
    """A prune record whose signature holds."""

    uuid: str
    chain: int
    upto_seq: int
    upto_mac: str
    count: int
    pruned_at: datetime.datetime
    source: str


@dataclass
class ChainSummary:
    chain: int
    sealed: int = 0
    head_seq: int = 0
    unsealed: int = 0
    legacy: int = 0
    pruned_upto: int = 0


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    chains: dict[int, ChainSummary] = field(default_factory=dict)
    checkpoint: Checkpoint | None = None

    @property
    def intact(self) -> bool:
        return not self.problems

    def kinds(self) -> set[str]:
        return {problem.kind for problem in self.problems}


def verify_access_log(
    *,
    chains: list[int] | None = None,
    directory: Path | None = None,
    now: datetime.datetime | None = None,
) -> Report:
    """Walk every chain (or these) and compare each with the latest valid checkpoint."""
    now = now or timezone.now()
    checkpoint, errors = latest_checkpoint(directory)
    report = Report(checkpoint=checkpoint)
    for error in errors:
        report.problems.append(Problem("bad_checkpoint", None, error))
    known = set(AccessLogSeal.objects.order_by().values_list("chain", flat=True).distinct())
    known |= set(AccessLogEntry.objects.order_by().values_list("chain", flat=True).distinct())
    if checkpoint is not None:
        known |= set(checkpoint.heads)
    prunes = _valid_prunes(report, directory)
    for chain in sorted(known if chains is None else set(chains)):
        head = checkpoint.heads.get(chain) if checkpoint is not None else None
        _verify_chain(report, chain, checkpoint, head, now, prunes.get(chain, []))
    return report


def _valid_prunes(report: Report, directory: Path | None) -> dict[int, list[Pruned]]:
    """Every prune record whose signature holds, from the database and the checkpoint
    files, per chain; a database record that does not hold is reported."""
    found: dict[str, Pruned] = {}
    for record in AccessLogPrune.objects.order_by("id"):
        fields = record.signed_fields()
        if not hmac.compare_digest(record.signature, sign_prune(fields)):
            report.problems.append(
                Problem(
                    "forged_prune",
                    record.chain,
                    f"the prune record {record.uuid} (up to seq {record.upto_seq}) is not "
                    "signed with the key: it is ignored",
                    seq=record.upto_seq,
                )
            )
            continue
        found[str(record.uuid)] = _pruned(fields, f"database record id={record.pk}")
    file_records, errors = read_prune_records(directory)
    for error in errors:
        report.problems.append(Problem("bad_checkpoint", None, error))
    for fields in file_records:
        try:
            found.setdefault(str(fields["uuid"]), _pruned(fields, str(fields["source"])))
        except (KeyError, TypeError, ValueError) as error:
            report.problems.append(
                Problem("bad_checkpoint", None, f"{fields.get('source')}: unreadable ({error})")
            )
    by_chain: dict[int, list[Pruned]] = {}
    for pruned in found.values():
        by_chain.setdefault(pruned.chain, []).append(pruned)
    for records in by_chain.values():
        records.sort(key=lambda pruned: pruned.upto_seq)
    return by_chain


def _pruned(fields: dict[str, object], source: str) -> Pruned:
    return Pruned(
        uuid=str(fields["uuid"]),
        chain=int(str(fields["chain"])),
        upto_seq=int(str(fields["upto_seq"])),
        upto_mac=str(fields["upto_mac"]),
        count=int(str(fields["count"])),
        pruned_at=datetime.datetime.fromisoformat(str(fields["pruned_at"])),
        source=source,
    )


def _seals(chain: int) -> Iterator[tuple[AccessLogSeal, AccessLogEntry | None]]:
    """The chain's seals in seq order with their rows (None where the row has gone)."""
    last_seq = 0
    while True:
        batch = list(
            AccessLogSeal.objects.filter(chain=chain, seq__gt=last_seq).order_by("seq")[:BATCH]
        )
        if not batch:
            return
        rows = AccessLogEntry.objects.in_bulk([seal.entry_id for seal in batch])
        for seal in batch:
            yield seal, rows.get(seal.entry_id)
        last_seq = batch[-1].seq


def _plain_sha256(prev: str, entry: AccessLogEntry) -> str:
    return hashlib.sha256((prev + entry.payload()).encode()).hexdigest()


def _verify_chain(
    report: Report,
    chain: int,
    checkpoint: Checkpoint | None,
    head: ChainHead | None,
    now: datetime.datetime,
    prunes: list[Pruned],
) -> None:
    summary = report.chains.setdefault(chain, ChainSummary(chain=chain))
    problems: list[Problem] = []

    def add(kind: str, message: str, seal: AccessLogSeal | None = None) -> None:
        seq = seal.seq if seal is not None else None
        last = problems[-1] if problems else None
        # One finding for a run of rows with the same fault, not one per row.
        if (
            last is not None
            and seq is not None
            and last.kind == kind
            and (last.seq_to or last.seq or 0) + 1 == seq
        ):
            last.seq_to = seq
            return
        problems.append(
            Problem(kind, chain, message, seq=seq, entry_id=seal.entry_id if seal else None)
        )

    expected_seq = 1
    prev = GENESIS_HASH
    prune = prunes[-1] if prunes else None
    if prune is not None:
        first = AccessLogSeal.objects.filter(chain=chain).aggregate(seq=Min("seq"))["seq"]
        if first is None or first > prune.upto_seq:
            # Rows up to seq N went under a signed record: go on from row N's link.
            expected_seq = prune.upto_seq + 1
            prev = prune.upto_mac
            summary.pruned_upto = prune.upto_seq
        else:
            prune = None  # the rows are still there (a pruning that rolled back)
    keyed_seen = False
    mac_at_checkpoint: str | None = None
    sealed_within_checkpoint = 0
    for seal, entry in _seals(chain):
        covered = head is not None and seal.seq <= head.seq
        after_gap = seal.seq != expected_seq
        if after_gap:
            missing = f"{expected_seq}" + (
                f"–{seal.seq - 1}" if seal.seq - 1 > expected_seq else ""
            )
            problems.append(
                Problem(
                    "gap",
                    chain,
                    f"seal sequence {missing} is missing before this row: sealed rows were removed",
                    seq=seal.seq,
                    entry_id=seal.entry_id,
                )
            )
        summary.sealed += 1
        summary.head_seq = seal.seq
        if covered:
            sealed_within_checkpoint += 1
        if head is not None and seal.seq == head.seq:
            mac_at_checkpoint = seal.mac
        expected_seq = seal.seq + 1
        if entry is None:
            add("gap", f"the sealed row id={seal.entry_id} is missing from the log", seal)
            prev = seal.mac
            continue
        if not after_gap and seal.prev_mac != prev:
            add(
                "rechained" if covered else "broken_link",
                f"the row id={entry.pk} does not link to the row before it",
                seal,
            )
        elif entry.chain != chain:
            add("altered", f"the row id={entry.pk} was moved from its chain", seal)
        elif seal.version == AccessLogSeal.Version.HMAC_SHA256:
            keyed_seen = True
            good = link_mac(chain=chain, seq=seal.seq, entry=entry, prev_mac=seal.prev_mac)
            if not hmac.compare_digest(good, seal.mac):
                unkeyed = seal.mac == _plain_sha256(seal.prev_mac, entry)
                if covered:
                    add(
                        "rechained",
                        f"the row id={entry.pk} was re-linked after {checkpoint_name(checkpoint)}"
                        " vouched for it: its link is not signed with the key",
                        seal,
                    )
                elif unkeyed:
                    add(
                        "forged",
                        f"the row id={entry.pk} carries a plain SHA-256 link, not one signed "
                        "with the key: it was added by someone without the key",
                        seal,
                    )
                else:
                    add(
                        "altered",
                        f"the row id={entry.pk} does not match its signed link: its content "
                        "was changed after sealing",
                        seal,
                    )
        elif seal.version == AccessLogSeal.Version.LEGACY_SHA256:
            summary.legacy += 1
            allowed = not keyed_seen and (
                checkpoint is None or (head is not None and seal.seq <= head.legacy_seq)
            )
            if not allowed:
                add(
                    "forged",
                    f"the row id={entry.pk} claims an unkeyed (pre-sealing) link after keyed "
                    "sealing began",
                    seal,
                )
            elif (
                entry.hash != seal.mac
                or entry.prev_hash != seal.prev_mac
                or entry.compute_hash() != seal.mac
            ):
                add("altered", f"the row id={entry.pk} does not match its SHA-256 link", seal)
        else:
            add("forged", f"the row id={entry.pk} has an unknown link version", seal)
        prev = seal.mac

    if head is not None and prune is not None and head.seq <= prune.upto_seq:
        # The checkpoint's head itself was pruned later: the record vouches for it.
        if head.seq == prune.upto_seq and head.mac != prune.upto_mac:
            problems.append(
                Problem(
                    "rechained",
                    chain,
                    f"{checkpoint_name(checkpoint)} saw another row at seq {head.seq} than "
                    f"the prune record {prune.uuid} names",
                    seq=head.seq,
                )
            )
        head = None
    if head is not None:
        assert checkpoint is not None
        name = checkpoint_name(checkpoint)
        # Rows the checkpoint counted and a later pruning removed under a valid record.
        pruned_since = sum(
            record.count
            for record in prunes
            if record.pruned_at > checkpoint.written_at and record.upto_seq <= head.seq
        )
        if summary.sealed == 0:
            problems.append(
                Problem(
                    "missing_chain",
                    chain,
                    f"{name} saw {head.count} sealed rows in this chain (up to seq {head.seq}); "
                    "the database holds none",
                )
            )
        elif any(problem.kind == "rechained" for problem in problems):
            # Re-linking after a removal also shortens the chain: one finding, not two.
            [problem for problem in problems if problem.kind == "rechained"][
                -1
            ].message += (
                f"; the chain now ends at seq {summary.head_seq}, {name} saw seq {head.seq}"
            )
        elif summary.head_seq < head.seq:
            problems.append(
                Problem(
                    "truncated",
                    chain,
                    f"the chain ends at seq {summary.head_seq}, but {name} saw it reach seq "
                    f"{head.seq} (entry id={head.entry_id}): the newest rows were removed",
                    seq=summary.head_seq + 1,
                    seq_to=head.seq,
                )
            )
        elif mac_at_checkpoint is not None and mac_at_checkpoint != head.mac:
            problems.append(
                Problem(
                    "rechained",
                    chain,
                    f"the row at seq {head.seq} is not the one {name} saw there: rows were "
                    "removed or changed and the chain re-linked",
                    seq=head.seq,
                )
            )
        elif sealed_within_checkpoint < head.count - pruned_since:
            problems.append(
                Problem(
                    "gap",
                    chain,
                    f"{name} counted {head.count} rows up to seq {head.seq}"
                    + (f", {pruned_since} of them pruned since" if pruned_since else "")
                    + f"; {sealed_within_checkpoint} are left",
                )
            )

    unsealed = AccessLogEntry.objects.filter(chain=chain, seal__isnull=True)
    summary.unsealed = unsealed.count()
    grace = datetime.timedelta(seconds=settings.STAFETT_ACCESS_LOG_UNSEALED_GRACE_SECONDS)
    stale = unsealed.filter(at__lt=now - grace).order_by("id")
    stale_count = stale.count()
    if stale_count:
        oldest = stale.first()
        assert oldest is not None
        problems.append(
            Problem(
                "unsealed",
                chain,
                f"{stale_count} rows older than {grace.seconds} s are not sealed (oldest "
                f"id={oldest.pk}, {oldest.at:%Y-%m-%d %H:%M:%S} UTC): the sealer is not "
                "running, or their seals were removed",
                entry_id=oldest.pk,
            )
        )
    report.problems.extend(problems)


def checkpoint_name(checkpoint: Checkpoint | None) -> str:
    return checkpoint.describe() if checkpoint is not None else "no checkpoint"
