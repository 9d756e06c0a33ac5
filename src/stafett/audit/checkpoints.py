"""Signed checkpoints of each access-log chain's head, kept outside the database.

A checkpoint is one line of JSON appended to a file in
STAFETT_ACCESS_LOG_CHECKPOINT_DIR (one file a month, opened for appending only):
for every chain its head's seq, entry id and link, how many sealed rows it holds and
the last seq of its legacy (unkeyed) rows, signed with HMAC-SHA256 under
STAFETT_ACCESS_LOG_KEY. Someone who can rewrite the database but not this directory
and not the key cannot make the chain agree with the checkpoint again: a truncated
tail, a re-linked chain or a removed municipality's chain shows in `verify_access_log`.
The scheduler writes one every STAFETT_ACCESS_LOG_CHECKPOINT_MINUTES;
`manage.py export_access_log_checkpoint` writes one on demand.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from stafett.audit.models import AccessLogSeal

FORMAT = "stafett-access-log-checkpoint/1"
# A pruning of a chain's oldest rows (stafett.audit.pruning), in the same files.
PRUNE_FORMAT = "stafett-access-log-prune/1"


@dataclass(frozen=True)
class ChainHead:
    chain: int
    seq: int
    entry_id: int
    mac: str
    count: int
    legacy_seq: int

    def as_json(self) -> dict[str, Any]:
        return {
            "chain": self.chain,
            "seq": self.seq,
            "entry_id": self.entry_id,
            "mac": self.mac,
            "count": self.count,
            "legacy_seq": self.legacy_seq,
        }


@dataclass(frozen=True)
class Checkpoint:
    written_at: datetime.datetime
    heads: dict[int, ChainHead]
    source: str  # "file:line", for the report

    def describe(self) -> str:
        return f"the checkpoint of {self.written_at:%Y-%m-%d %H:%M:%S} UTC ({self.source})"


def checkpoint_dir() -> Path:
    return Path(settings.STAFETT_ACCESS_LOG_CHECKPOINT_DIR)


def current_heads() -> list[ChainHead]:
    """Each chain's sealed head, in two queries whatever the number of chains."""
    aggregates = list(
        AccessLogSeal.objects.order_by()
        .values("chain")
        .annotate(
            head=Max("seq"),
            count=Count("entry"),
            legacy=Max("seq", filter=Q(version=AccessLogSeal.Version.LEGACY_SHA256)),
        )
    )
    if not aggregates:
        return []
    where = Q()
    for row in aggregates:
        where |= Q(chain=row["chain"], seq=row["head"])
    heads = {
        chain: (entry_id, mac)
        for chain, entry_id, mac in AccessLogSeal.objects.filter(where).values_list(
            "chain", "entry_id", "mac"
        )
    }
    return [
        ChainHead(
            chain=row["chain"],
            seq=row["head"],
            entry_id=heads[row["chain"]][0],
            mac=heads[row["chain"]][1],
            # Rows sealed after the aggregate was read are not counted in it.
            count=row["count"],
            legacy_seq=row["legacy"] or 0,
        )
        for row in sorted(aggregates, key=lambda row: row["chain"])
        if row["chain"] in heads
    ]


def _sign(body: dict[str, Any], *, kind: str = FORMAT) -> str:
    message = json.dumps(body, sort_keys=True, separators=(",", ":"))
    key = str(settings.STAFETT_ACCESS_LOG_KEY).encode()
    return hmac.new(key, f"{kind}|{message}".encode(), hashlib.sha256).hexdigest()


def sign_prune(fields: dict[str, Any]) -> str:
    """The signature of a prune record (`AccessLogPrune.signed_fields()`)."""
    return _sign(fields, kind=PRUNE_FORMAT)


def _append_line(directory: Path | None, now: datetime.datetime, line: str) -> Path:
    directory = directory or checkpoint_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o750)
    path = directory / f"access-log-checkpoints-{now:%Y-%m}.jsonl"
    # O_APPEND: each line goes after the others, never over them.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def append_prune_record(
    fields: dict[str, Any], signature: str, *, directory: Path | None = None
) -> None:
    """Append a copy of a prune record, signed, to the checkpoint file of its month."""
    body = {"format": PRUNE_FORMAT, **fields}
    at = datetime.datetime.fromisoformat(str(fields["pruned_at"]))
    _append_line(directory, at, json.dumps({**body, "signature": signature}, sort_keys=True) + "\n")


def read_prune_records(
    directory: Path | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """The prune records in the checkpoint files whose signature holds (their signed
    fields, with `source`), and what was wrong with the others."""
    directory = directory or checkpoint_dir()
    found: list[dict[str, Any]] = []
    errors: list[str] = []
    if not directory.is_dir():
        return found, errors
    for path in sorted(directory.glob("access-log-checkpoints-*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                where = f"{path.name}:{number}"
                try:
                    data = json.loads(line) if line.strip() else {}
                except ValueError:
                    continue  # read_checkpoints reports it
                if not isinstance(data, dict) or data.get("format") != PRUNE_FORMAT:
                    continue
                signature = str(data.pop("signature", ""))
                data.pop("format")
                if not hmac.compare_digest(signature, sign_prune(data)):
                    errors.append(f"{where}: the prune record's signature does not match")
                    continue
                found.append({**data, "source": where})
    return found, errors


def write_checkpoint(
    *, directory: Path | None = None, now: datetime.datetime | None = None
) -> Checkpoint:
    """Seal what is pending, then append a signed checkpoint of every chain's head."""
    from stafett.audit.log import seal_pending

    seal_pending()
    now = now or timezone.now()
    heads = current_heads()
    body: dict[str, Any] = {
        "format": FORMAT,
        "written_at": now.astimezone(datetime.UTC).isoformat(),
        "chains": [head.as_json() for head in heads],
    }
    line = json.dumps({**body, "signature": _sign(body)}, sort_keys=True) + "\n"
    path = _append_line(directory, now, line)
    return Checkpoint(
        written_at=now,
        heads={head.chain: head for head in heads},
        source=f"{path.name}:end",
    )


def read_checkpoints(directory: Path | None = None) -> tuple[list[Checkpoint], list[str]]:
    """Every checkpoint whose signature holds, oldest first, and what was wrong with the rest."""
    directory = directory or checkpoint_dir()
    found: list[Checkpoint] = []
    errors: list[str] = []
    if not directory.is_dir():
        return found, errors
    for path in sorted(directory.glob("access-log-checkpoints-*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                where = f"{path.name}:{number}"
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                    if data.get("format") == PRUNE_FORMAT:
                        continue  # read_prune_records reads these
                    signature = data.pop("signature")
                    if data.get("format") != FORMAT:
                        raise ValueError("unknown format")
                    if not hmac.compare_digest(str(signature), _sign(data)):
                        errors.append(f"{where}: the signature does not match (edited or forged)")
                        continue
                    heads = {
                        int(head["chain"]): ChainHead(
                            chain=int(head["chain"]),
                            seq=int(head["seq"]),
                            entry_id=int(head["entry_id"]),
                            mac=str(head["mac"]),
                            count=int(head["count"]),
                            legacy_seq=int(head["legacy_seq"]),
                        )
                        for head in data["chains"]
                    }
                    written_at = datetime.datetime.fromisoformat(data["written_at"])
                except (ValueError, KeyError, TypeError, AttributeError) as error:
                    errors.append(f"{where}: not a readable checkpoint ({error})")
                    continue
                found.append(Checkpoint(written_at=written_at, heads=heads, source=where))
    found.sort(key=lambda checkpoint: checkpoint.written_at)
    return found, errors


def latest_checkpoint(directory: Path | None = None) -> tuple[Checkpoint | None, list[str]]:
    found, errors = read_checkpoints(directory)
    return (found[-1] if found else None), errors
