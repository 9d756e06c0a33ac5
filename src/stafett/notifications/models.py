"""Notifications: what happened, for whom, and the e-mails that tell them.

A `Notification` is one event for one person; it is what the notification centre lists.
Its `key` makes it unique per (recipient, kind, object, occasion), so that a scheduled
check that runs twice, or a worker that restarts, never notifies twice.

A `Delivery` is one e-mail: either one notification (immediate) or a day's digest. Its
status moves pending → sending → sent, or on a failure to retrying (with back-off) and
in the end failed; skipped when the recipient may no longer be told (lost access, no
address). It never holds content: `last_error` is the kind of failure only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stafett.core.models import PublicIdModel, TenantQuerySet


class Kind(models.TextChoices):
    MEASURE_ASSIGNED = "measure_assigned", _("A measure is assigned to you")
    MEETING = "meeting", _("Meeting invitations and changes")
    HANDOVER_PROPOSED = "handover_proposed", _("The baton is offered to you")
    HANDOVER_ACCEPTED = "handover_accepted", _("Your handover was accepted")
    BRIGHT_SPOT = "bright_spot", _("A bright spot is added")
    CONSENT_EXPIRING = "consent_expiring", _("Consent is about to expire")
    CONSENT_ENDED = "consent_ended", _("Your access has ended (consent expired or withdrawn)")
    EVALUATION_DUE = "evaluation_due", _("An evaluation date has passed without an evaluation")
    CONSENT_DECLINED = "consent_declined", _("The family said no to a request for consent")
    # A report to child welfare sent through Fiks: three weeks on (stafett.delivery).
    REPORT_FEEDBACK_DUE = "report_feedback_due", _("Child welfare's feedback on your report is due")


# What a guardian or youth can be told about; the rest is about the staff's work
# (a family's "No" to a request for consent is told to the coordinator only).
FAMILY_KINDS = (Kind.MEETING, Kind.BRIGHT_SPOT, Kind.CONSENT_EXPIRING)


class Mode(models.TextChoices):
    IMMEDIATE = "immediate", _("An e-mail at once")
    DIGEST = "digest", _("One e-mail a day with everything")
    NONE = "none", _("No e-mail: only under Notifications")


class NotificationQuerySet(TenantQuerySet):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(PublicIdModel):
    municipality = models.ForeignKey("organisation.Municipality", on_delete=models.PROTECT)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Events go with what they are about: a log deleted at the end of its retention period
    # takes its notifications (and their e-mail rows) with it.
    log = models.ForeignKey(
        "logs.RelayLog", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    entry = models.ForeignKey(
        "logs.Entry", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    consent = models.ForeignKey(
        "consent.Consent", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    handover = models.ForeignKey(
        "logs.Handover", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Machine words only, never content: the occasion ("v3", "30", "withdrawn", a date)
    # and a detail the e-mail needs ("request"/"cancel" for a meeting's calendar file).
    occasion = models.CharField(max_length=40, blank=True)
    detail = models.CharField(max_length=20, blank=True)
    # (kind, object, occasion): unique per recipient.
    key = models.CharField(max_length=120)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # The digest e-mail that carried it (digest mode).
    digest = models.ForeignKey(
        "Delivery", on_delete=models.PROTECT, null=True, blank=True, related_name="digested"
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once")
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["recipient", "created_at"]),
            models.Index(fields=["mode", "digest"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class Delivery(PublicIdModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        RETRYING = "retrying", _("Failed, will try again")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent")

    municipality = models.ForeignKey("organisation.Municipality", on_delete=models.PROTECT)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    mode = models.CharField(max_length=10, choices=Mode.choices)
    notification = models.OneToOneField(
        Notification, on_delete=models.CASCADE, null=True, blank=True, related_name="delivery"
    )
    digest_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The kind of failure (an exception class, an SMTP code): never the message or address.
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "digest_date"],
                condition=Q(digest_date__isnull=False),
                name="one_digest_a_day",
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"Delivery {self.uuid} ({self.status})"


class NotificationPreference(models.Model):
    """Immediate or daily digest, per person and kind; no row means immediate."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.mode}"


class EmailSettings(models.Model):
    """The language of a person's e-mails; blank means the municipality's language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_settings"
    )
    language = models.CharField(
        _("language of e-mails"), max_length=2, choices=settings.LANGUAGES, blank=True
    )

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language or '-'}"
