"""Delivery to the outside: the municipality's archive, and the report to child welfare
through KS Fiks.

`FiksSettings` is what the municipal administrator chooses (which archive transport,
which drop folder, which Fiks accounts, whether reports go through Fiks). Secrets (the
Maskinporten key, the Fiks integration password) are never here: they come from the
environment or a file (`stafett.delivery.config`).

`ArchiveDelivery` is one closed log's hand-over to the archive: its status, attempts and
the last error, and `DeliveryStep` rows for each step (sent, receipt, error, retry). It
holds metadata only: the log's uuid, the files' checksums, the archive's reference.

`FiksReport` is one report to child welfare sent through Fiks bekymringsmelding, with the
statuses Fiks reported (`FiksReportStatus`); each new status is also a line in the
concern's history.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stafett.core.models import PublicIdModel, TenantQuerySet


class Transport(models.TextChoices):
    NONE = "none", _("Not handed over (the archive fetches it itself)")
    FOLDER = "folder", _("A folder the archive system reads (folder drop)")
    FIKS_ARKIV = "fiks_arkiv", _("KS Fiks Arkiv")


class FiksSettings(models.Model):
    municipality = models.OneToOneField(
        "organisation.Municipality", on_delete=models.CASCADE, related_name="fiks_settings"
    )
    municipality_number = models.CharField(
        _("municipality number"),
        max_length=4,
        blank=True,
        validators=[RegexValidator(r"^\d{4}$", _("Write the four digits of the number."))],
    )
    archive_transport = models.CharField(
        _("hand-over to the archive"),
        max_length=12,
        choices=Transport.choices,
        default=Transport.NONE,
    )
    # A folder under STAFETT_ARCHIVE_DROP_ROOT (the operator chooses the root; the
    # administrator only its sub-folder, so no one can write elsewhere on the server).
    drop_folder = models.CharField(
        _("folder for the archive"),
        max_length=60,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
                _("Use letters, digits, - and _ only (one folder, no slashes)."),
            )
        ],
    )
    archive_account = models.UUIDField(_("Fiks account of the archive"), null=True, blank=True)
    reports_through_fiks = models.BooleanField(
        _("send reports to child welfare through Fiks"), default=False
    )
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Fiks settings {self.municipality_id}"


class ArchiveDelivery(PublicIdModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent, waiting for the archive")
        RECEIVED = "received", _("Received by the archive")
        ARCHIVED = "archived", _("Archived")
        RETRYING = "retrying", _("No answer yet, will try again")
        FAILED = "failed", _("Failed")

    FINAL = (Status.ARCHIVED, Status.FAILED)

    municipality = models.ForeignKey("organisation.Municipality", on_delete=models.PROTECT)
    log_uuid = models.UUIDField()
    transport = models.CharField(max_length=12, choices=Transport.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # The submission, to send again: paths, checksums and the Noark 5 metadata.
    submission = models.JSONField()
    pdf_sha256 = models.CharField(max_length=64)
    package_sha256 = models.CharField(max_length=64)
    # Fiks IO's id of the message last sent (the receipts refer to it).
    message_id = models.CharField(max_length=64, blank=True)
    # What the archive answered: its reference (e.g. a journalpost's systemID) or where
    # the folder drop wrote the package.
    reference = models.CharField(max_length=300, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["municipality", "created_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
        ]
        constraints = [
            # One hand-over per log and package: delivering the same package twice is
            # the same delivery (idempotent); a new package (a reopened log) is a new one.
            models.UniqueConstraint(
                fields=["log_uuid", "package_sha256"], name="archive_delivery_once"
            )
        ]

    def __str__(self) -> str:
        return f"ArchiveDelivery {self.uuid} ({self.status})"


class DeliveryStep(models.Model):
    class Kind(models.TextChoices):
        SENT = "sent", _("Sent")
        WRITTEN = "written", _("Written to the folder")
        RECEIVED = "received", _("Receipt: received")
        ARCHIVED = "archived", _("Receipt: archived")
        ERROR = "error", _("Error from the archive")
        NO_ANSWER = "no_answer", _("No answer")
        TRANSPORT_ERROR = "transport", _("Could not reach the archive")
        GAVE_UP = "gave_up", _("Gave up")

    delivery = models.ForeignKey(ArchiveDelivery, on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # A message type, a message id, an error code: never content.
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class FiksReport(PublicIdModel):
    class Status(models.TextChoices):
        SENT = "sent", _("Sent through Fiks")
        ACCEPTED = "accepted", _("Accepted by Fiks")
        DELIVERED = "delivered", _("Delivered to child welfare")
        PAPER = "paper", _("Sent on paper (not fetched within two working days)")
        FAILED = "failed", _("Failed")

    FINAL = (Status.DELIVERED, Status.PAPER, Status.FAILED)

    municipality = models.ForeignKey("organisation.Municipality", on_delete=models.PROTECT)
    report = models.OneToOneField(
        "concerns.ChildWelfareReport", on_delete=models.PROTECT, related_name="fiks"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    # Fiks' id of the report (bekymringsmeldingId) and the office it went to.
    fiks_id = models.UUIDField()
    office_number = models.CharField(max_length=2)
    office_name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    polled_at = models.DateTimeField(null=True, blank=True)
    # Child welfare gives a public reporter feedback within three weeks (barnevernsloven);
    # the author is reminded when that day has come.
    feedback_due = models.DateField()
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["status"]),
            models.Index(fields=["feedback_due", "reminded_at"]),
        ]

    def __str__(self) -> str:
        return f"FiksReport {self.fiks_id} ({self.status})"


class FiksReportStatus(models.Model):
    """A status line Fiks reported (its own word `tilstand`, our reading, its time)."""

    fiks_report = models.ForeignKey(FiksReport, on_delete=models.CASCADE, related_name="statuses")
    state = models.CharField(max_length=60)
    status = models.CharField(max_length=10, choices=FiksReport.Status.choices)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["fiks_report", "state", "at"], name="fiks_status_once")
        ]

    def __str__(self) -> str:
        return f"{self.state} {self.at:%Y-%m-%d}"
