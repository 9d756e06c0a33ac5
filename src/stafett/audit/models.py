"""The access log: who read or tried to read what, when, and from where.

Rows are append-only. Each row carries a hash over its own content and the hash of
the previous row in the same chain (one chain per municipality), so an edited or
missing row shows when `manage.py verify_access_log` walks the chain. On PostgreSQL
a trigger also refuses UPDATE and DELETE (see migration 0002).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an access-log row."""


class AccessLogQuerySet(models.QuerySet["AccessLogEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("The access log cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The access log cannot be deleted.")

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
            "at": self.at.isoformat(),
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

    def compute_hash(self) -> str:
        payload = json.dumps(self.content(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256((self.prev_hash + payload).encode()).hexdigest()


GENESIS_HASH = "0" * 64
