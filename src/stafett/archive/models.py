"""The archive document of a relay log: a PDF of the whole log and, beside it, a ZIP
package for the municipality's archive system (Noark 5 names), built by a background
task when the log closes and on the coordinator's demand.

Files live under `settings.STAFETT_ARCHIVE_DIR` (never under static or media, which a
web server might serve): the model keeps their paths relative to it, their SHA-256 and
their size. Downloads go through `stafett.archive.views`, which ask the policy and write
the access log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stafett.core.models import PublicIdModel, TenantQuerySet


class ArchiveDocument(PublicIdModel):
    class Kind(models.TextChoices):
        CLOSING = "closing", _("When the log closed")
        ON_DEMAND = "on_demand", _("Asked for by the coordinator")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be made")
        BUILDING = "building", _("Being made")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    municipality = models.ForeignKey("organisation.Municipality", on_delete=models.PROTECT)
    log = models.ForeignKey(
        "logs.RelayLog", on_delete=models.PROTECT, related_name="archive_documents"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # The language the PDF is written in: the log's (its municipality's) language.
    language = models.CharField(max_length=5)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Failed builds: how many attempts so far, what went wrong (the error's kind and
    # message, never the log's content), and when the next attempt is due (None: no more).
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The files, relative to STAFETT_ARCHIVE_DIR.
    pdf_path = models.CharField(max_length=300, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pdf_size = models.PositiveBigIntegerField(null=True, blank=True)
    package_path = models.CharField(max_length=300, blank=True)
    package_sha256 = models.CharField(max_length=64, blank=True)
    package_size = models.PositiveBigIntegerField(null=True, blank=True)
    # The Noark 5 metadata written into the package (noark-metadata.json), kept for the
    # hand-over to the archive (`selectors.submission_for`).
    noark_metadata = models.JSONField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["log", "created_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
        ]

    def __str__(self) -> str:
        return f"Archive document {self.uuid} ({self.status})"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def will_retry(self) -> bool:
        return self.status == self.Status.FAILED and self.next_attempt_at is not None
