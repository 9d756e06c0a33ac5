"""The access log: who read or tried to read what, when, and from where.

Rows are append-only. A read writes its `AccessLogEntry` in its own transaction
without touching any chain (no lock: readers of one municipality never wait for each
other). Shortly after, the sealer (`stafett.audit.log.seal_pending`) links the new
rows of each chain (one chain per municipality) in a gap-free sequence and signs each
link with HMAC-SHA256 under a key from the environment; the link lives in its own
append-only table, `AccessLogSeal`, so the content table is INSERT-only. Rows written
before sealing existed keep their plain SHA-256 link (seal version 1).
On PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE on both tables
(migrations 0002 and 0004), and `manage.py access_log_grants` lets the application
run as a role that may only INSERT and SELECT them. docs/security.md has the threat model.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an access-log row."""


_M = TypeVar("_M", bound=models.Model)


class AppendOnlyQuerySet(models.QuerySet[_M]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("The access log cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The access log cannot be deleted.")


class AccessLogQuerySet(AppendOnlyQuerySet["AccessLogEntry"]):
    def for_subject(self, subject_uuid: Any) -> AccessLogQuerySet:
        return self.filter(subject_uuid=subject_uuid)


class AccessLogEntry(models.Model):
    class Outcome(models.TextChoices):
        ALLOWED = "allowed", _("Allowed")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Failed")

    chain = models.BigIntegerField(editable=False)  # municipality id, 0 for none
    municipality = models.ForeignKey(
        "organisation.Municipality", on_delete=models.PROTECT, null=True, blank=True
    )
    at = models.DateTimeField(_("when"), editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    # Snapshots, so that the family's list still reads right after a name or unit change.
    actor_name = models.CharField(_("who"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=40, blank=True)
    unit_name = models.CharField(_("unit"), max_length=160, blank=True)
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("what"), max_length=60, blank=True)
    object_uuid = models.UUIDField(null=True, blank=True)
    # The child or pregnant woman the content is about, for the family's own access list.
    subject_uuid = models.UUIDField(null=True, blank=True, db_index=True)
    reason = models.CharField(_("why"), max_length=200, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.ALLOWED)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["chain", "id"]),
            models.Index(fields=["subject_uuid", "at"]),
            models.Index(fields=["actor", "at"]),
            # The family's "who has read our log" (innsynslogg), by log and by person.
            models.Index(fields=["object_uuid", "at"], name="access_object_at"),
            models.Index(fields=["object_uuid", "actor", "at"], name="access_object_actor_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("The access log cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The access log cannot be deleted.")

    def content(self) -> dict[str, Any]:
        """The fields the hash covers, in a stable form."""
        return {
            "chain": self.chain,
            "municipality": self.municipality_id,
            "at": self.at.astimezone(datetime.UTC).isoformat(),
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "role": self.role,
            "unit_name": self.unit_name,
            "action": self.action,
            "object_type": self.object_type,
            "object_uuid": str(self.object_uuid) if self.object_uuid else "",
            "subject_uuid": str(self.subject_uuid) if self.subject_uuid else "",
            "reason": self.reason,
            "outcome": self.outcome,
            "ip_address": self.ip_address or "",
        }

    def payload(self) -> str:
        return json.dumps(self.content(), sort_keys=True, separators=(",", ":"))

    def compute_hash(self) -> str:
        """The legacy (version 1) link: plain SHA-256 over the previous hash and the content."""
        return hashlib.sha256((self.prev_hash + self.payload()).encode()).hexdigest()


GENESIS_HASH = "0" * 64


class AccessLogSealQuerySet(AppendOnlyQuerySet["AccessLogSeal"]):
    pass


class AccessLogSeal(models.Model):
    """The link of one access-log row into its municipality's chain, written by the sealer.

    `seq` is gap-free within a chain and given at sealing time (entry ids are not: a
    rolled-back read leaves a hole, and reads commit out of order). Version 2 links are
    HMAC-SHA256 under STAFETT_ACCESS_LOG_KEY over the chain, seq, entry id, previous
    link and content; version 1 links are the rows written before sealing existed,
    whose plain SHA-256 link was copied from the row (`entry.prev_hash`, `entry.hash`).
    """

    class Version(models.IntegerChoices):
        LEGACY_SHA256 = 1, "SHA-256 (before keyed sealing)"
        HMAC_SHA256 = 2, "HMAC-SHA256"

    entry = models.OneToOneField(
        AccessLogEntry, on_delete=models.PROTECT, related_name="seal", primary_key=True
    )
    chain = models.BigIntegerField(editable=False)
    seq = models.BigIntegerField(editable=False)
    version = models.PositiveSmallIntegerField(choices=Version.choices, editable=False)
    prev_mac = models.CharField(max_length=64, editable=False)
    mac = models.CharField(max_length=64, editable=False)
    sealed_at = models.DateTimeField(editable=False)

    objects = AccessLogSealQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="access_seal_chain_seq"),
        ]

    def __str__(self) -> str:
        return f"chain {self.chain} #{self.seq}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("The access log cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The access log cannot be deleted.")


class AccessLogPending(models.Model):
    """A row written by a read and not yet sealed: the sealer's work queue.

    Not evidence (the sealer deletes it once the row is sealed; `verify_access_log`
    finds unsealed rows from the entries themselves), so it may be deleted.
    """

    entry = models.OneToOneField(
        AccessLogEntry, on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    chain = models.BigIntegerField(db_index=True)

    def __str__(self) -> str:
        return f"pending {self.entry_id}"


class AccessLogPrune(models.Model):
    """The signed record of one pruning of a chain's oldest rows (retention).

    Pruning removes a prefix of a chain: every sealed row with seq ≤ `upto_seq`, all of
    them older than `cutoff`. The record keeps the link (`upto_mac`) of the last row
    removed, so `verify_access_log` goes on from there; `signature` is HMAC-SHA256 under
    STAFETT_ACCESS_LOG_KEY over the rest, so a record written without the key is
    refused. A copy goes to the checkpoint file, and a row `access_log.pruned` (no
    person) goes into the chain itself. Append-only like the log (PostgreSQL triggers).
    """

    uuid = models.UUIDField(unique=True, editable=False)
    chain = models.BigIntegerField(editable=False)
    upto_seq = models.BigIntegerField(editable=False)
    upto_entry_id = models.BigIntegerField(editable=False)
    upto_mac = models.CharField(max_length=64, editable=False)
    count = models.BigIntegerField(editable=False)
    from_at = models.DateTimeField(editable=False)
    to_at = models.DateTimeField(editable=False)
    cutoff = models.DateTimeField(editable=False)
    pruned_at = models.DateTimeField(editable=False)
    rule = models.CharField(max_length=40, editable=False)
    period_months = models.PositiveSmallIntegerField(editable=False)
    # The access-log row that records this pruning (an id, not a key: a later pruning
    # may remove that row too, and this record stays).
    record_entry_id = models.BigIntegerField(editable=False)
    signature = models.CharField(max_length=64, editable=False)

    objects = AppendOnlyQuerySet["AccessLogPrune"].as_manager()

    class Meta:
        indexes = [models.Index(fields=["chain", "upto_seq"], name="access_prune_chain_seq")]

    def __str__(self) -> str:
        return f"chain {self.chain} pruned to #{self.upto_seq}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("The access log cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The access log cannot be deleted.")

    def signed_fields(self) -> dict[str, Any]:
        return {
            "uuid": str(self.uuid),
            "chain": self.chain,
            "upto_seq": self.upto_seq,
            "upto_entry_id": self.upto_entry_id,
            "upto_mac": self.upto_mac,
            "count": self.count,
            "from_at": self.from_at.astimezone(datetime.UTC).isoformat(),
            "to_at": self.to_at.astimezone(datetime.UTC).isoformat(),
            "cutoff": self.cutoff.astimezone(datetime.UTC).isoformat(),
            "pruned_at": self.pruned_at.astimezone(datetime.UTC).isoformat(),
            "rule": self.rule,
            "period_months": self.period_months,
            "record_entry_id": self.record_entry_id,
        }
