"""How long a municipality keeps what BTI leaves behind, and what is left once it is gone.

`RetentionRules` holds the periods for concerns that led nowhere and for the access
log; the period for closed relay logs is the municipality's own `retention_years`
(set on the settings page and on the retention page: one value, two doors).

A `Tombstone` is all that remains of a deleted log or concern: what it was, its
original ids, its dates, and which rule removed it. Nothing personal: no names, no
birth dates, no text. A pruning of the access log leaves one tombstone too: its
original id and uuid are those of the signed prune record (`audit.AccessLogPrune`).
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stafett.core.models import TenantQuerySet

CONCERN_MONTHS_DEFAULT = 12
CONCERN_MONTHS_MAX = 120
ACCESS_LOG_MONTHS_DEFAULT = 60
ACCESS_LOG_MONTHS_MIN = 12
ACCESS_LOG_MONTHS_MAX = 240


class RetentionRules(models.Model):
    municipality = models.OneToOneField(
        "organisation.Municipality", on_delete=models.PROTECT, related_name="retention_rules"
    )
    concern_months = models.PositiveSmallIntegerField(
        _("keep concerns that led nowhere for (months)"),
        default=CONCERN_MONTHS_DEFAULT,
        validators=[MinValueValidator(1), MaxValueValidator(CONCERN_MONTHS_MAX)],
    )
    access_log_months = models.PositiveSmallIntegerField(
        _("keep the access log for (months)"),
        default=ACCESS_LOG_MONTHS_DEFAULT,
        validators=[
            MinValueValidator(ACCESS_LOG_MONTHS_MIN),
            MaxValueValidator(ACCESS_LOG_MONTHS_MAX),
        ],
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("retention rules")
        verbose_name_plural = _("retention rules")

    def __str__(self) -> str:
        return f"Retention rules {self.municipality_id}"


class Tombstone(models.Model):
    class Kind(models.TextChoices):
        LOG = "relay_log", _("Relay log")
        CONCERN = "concern", _("Concern (level 0)")
        # One tombstone per pruning of a municipality's access log: the count and the
        # first and last time of the rows removed (created_at, closed_at).
        ACCESS_LOG = "access_log", _("Access-log entries")

    class Rule(models.TextChoices):
        CLOSED_LOG = "closed_log", _("Closed relay logs")
        CONCERN = "concern", _("Concerns that led nowhere")
        WITH_LOG = "with_log", _("Went with its relay log")
        ACCESS_LOG = "access_log", _("Access log")

    municipality = models.ForeignKey("organisation.Municipality", on_delete=models.PROTECT)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    original_uuid = models.UUIDField()
    original_id = models.BigIntegerField()
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    # A machine word for why it was closed (a log's close reason, a concern's outcome).
    closed_how = models.CharField(max_length=20, blank=True)
    deleted_at = models.DateTimeField(default=timezone.now)
    rule = models.CharField(max_length=10, choices=Rule.choices)
    period_months = models.PositiveSmallIntegerField()
    rows_deleted = models.PositiveIntegerField(default=0)
    files_deleted = models.PositiveIntegerField(default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-deleted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "original_uuid"], name="tombstone_once")
        ]
        indexes = [models.Index(fields=["municipality", "deleted_at"])]

    def __str__(self) -> str:
        return f"Tombstone {self.kind} {self.original_uuid}"
