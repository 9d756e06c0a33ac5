"""Consent (samtykke) to a relay log: who consented, to which units, for how long.

State is computed from dates and rows, never stored twice: pending (not all the
required people have consented yet), valid, expiring (within 30 days), expired,
withdrawn, or replaced (by a renewal).
"""

from __future__ import annotations

import datetime
import enum

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stafett.core.models import PublicIdModel, TenantQuerySet

EXPIRING_DAYS = 30


class ConsentState(enum.StrEnum):
    PENDING = "pending"
    UPCOMING = "upcoming"
    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    REPLACED = "replaced"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])

    @property
    def grants_access(self) -> bool:
        return self in (ConsentState.VALID, ConsentState.EXPIRING)


STATE_LABELS = {
    ConsentState.PENDING: _("Waiting for consent"),
    ConsentState.UPCOMING: _("Not yet in force"),
    ConsentState.VALID: _("Valid"),
    ConsentState.EXPIRING: _("Expiring soon"),
    ConsentState.EXPIRED: _("Expired"),
    ConsentState.WITHDRAWN: _("Withdrawn"),
    ConsentState.REPLACED: _("Replaced by a renewal"),
    ConsentState.DECLINED: _("The family said no"),
}


class Consent(PublicIdModel):
    class Method(models.TextChoices):
        DIGITAL = "digital", _("Given digitally in Stafett")
        PAPER = "paper", _("Given on paper, registered by the coordinator")

    municipality = models.ForeignKey("organisation.Municipality", on_delete=models.PROTECT)
    log = models.ForeignKey("logs.RelayLog", on_delete=models.PROTECT, related_name="consents")
    purpose = models.TextField(_("purpose"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    method = models.CharField(_("how it was given"), max_length=10, choices=Method.choices)
    scanned_form = models.FileField(_("scanned consent form"), upload_to="consent/%Y/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set when every required person has consented: from then on the consent counts.
    completed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The family said no to the request (issue 11): the request then ends like a
    # cancelled one (`withdrawn_at`, `withdrawn_by` = who said no), and nothing is shared.
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(_("why not"), max_length=500, blank=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    # Set when the request was asked for automatically because the coordinator changed
    # (the municipality's `renew_consent_on_handover` setting): the handover that did it.
    after_handover = models.ForeignKey(
        "logs.Handover",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asked because the coordinator changed"),
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["log", "completed_at"]),
            # Statistics: consents withdrawn in a period.
            models.Index(fields=["municipality", "withdrawn_at"], name="consent_stats_withdrawn"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gte=models.F("valid_from")), name="consent_period_in_order"
            )
        ]

    def __str__(self) -> str:
        return f"Consent {self.valid_from}–{self.valid_to}"

    def state(self, today: datetime.date | None = None, *, replaced: bool = False) -> ConsentState:
        today = today or timezone.localdate()
        if self.declined_at is not None:
            return ConsentState.DECLINED
        if self.withdrawn_at is not None:
            return ConsentState.WITHDRAWN
        if replaced:
            return ConsentState.REPLACED
        if self.completed_at is None:
            return ConsentState.PENDING
        if today < self.valid_from:
            return ConsentState.UPCOMING
        if today > self.valid_to:
            return ConsentState.EXPIRED
        if (self.valid_to - today).days <= EXPIRING_DAYS:
            return ConsentState.EXPIRING
        return ConsentState.VALID


class ConsentGiver(models.Model):
    """One person who must consent: a guardian with parental responsibility, or the
    youth (from the municipality's consent age) or pregnant woman themself."""

    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="givers")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Name as written on a paper form, for a person without a Stafett account.
    name = models.CharField(_("name"), max_length=200)
    is_subject = models.BooleanField(default=False)
    given_at = models.DateTimeField(null=True, blank=True)
    method = models.CharField(max_length=10, choices=Consent.Method.choices, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consent", "person"],
                condition=Q(person__isnull=False),
                name="consent_giver_once",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ConsentUnit(models.Model):
    """A unit the consent covers. Added units need the consenting people's
    confirmation before they count; removed units stop counting at once."""

    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="scope")
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Null while a widening waits for the family's confirmation.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consent", "unit"],
                condition=Q(removed_at__isnull=True),
                name="consent_unit_once",
            )
        ]

    def __str__(self) -> str:
        return str(self.unit_id)

    @property
    def is_effective(self) -> bool:
        return self.confirmed_at is not None and self.removed_at is None


class ScopeConfirmation(models.Model):
    """A consenting person's confirmation of a unit added to the scope."""

    scope_unit = models.ForeignKey(
        ConsentUnit, on_delete=models.PROTECT, related_name="confirmations"
    )
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope_unit", "person"], name="scope_confirmed_once")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} confirmed {self.scope_unit_id}"


class ScopeChangeRequest(PublicIdModel):
    """The family asks the coordinator to add a unit to their consent, or to take one
    out. The coordinator answers: an addition is then asked for as a wider scope (which
    the family confirms as usual), a removal takes effect at once."""

    class Kind(models.TextChoices):
        ADD = "add", _("Add a unit")
        REMOVE = "remove", _("Take a unit out")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the coordinator")
        DONE = "done", _("Done")
        DECLINED = "declined", _("Not done")
        WITHDRAWN = "withdrawn", _("Taken back")

    municipality = models.ForeignKey("organisation.Municipality", on_delete=models.PROTECT)
    log = models.ForeignKey(
        "logs.RelayLog", on_delete=models.PROTECT, related_name="scope_requests"
    )
    kind = models.CharField(max_length=6, choices=Kind.choices)
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    message = models.CharField(_("message to the coordinator"), max_length=500, blank=True)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(_("answer to the family"), max_length=500, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-asked_at", "-id"]
        indexes = [models.Index(fields=["log", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["log", "unit"], condition=Q(status="open"), name="one_open_scope_request"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.unit_id} ({self.status})"


# Languages the municipality may add consent texts in, beyond the interface's own three.
# (code, name in the language itself, writing direction)
TEXT_LANGUAGES: list[tuple[str, str, str]] = [
    ("en", "English", "ltr"),
    ("pl", "Polski", "ltr"),
    ("uk", "Українська", "ltr"),
    ("ar", "العربية", "rtl"),
    ("so", "Soomaali", "ltr"),
    ("ti", "ትግርኛ", "ltr"),
    ("fa", "فارسی", "rtl"),
    ("prs", "دری", "rtl"),
    ("ku", "Kurdî", "ltr"),
    ("lt", "Lietuvių", "ltr"),
    ("ro", "Română", "ltr"),
    ("es", "Español", "ltr"),
    ("fr", "Français", "ltr"),
    ("de", "Deutsch", "ltr"),
    ("ru", "Русский", "ltr"),
    ("th", "ไทย", "ltr"),
    ("ur", "اردو", "rtl"),
    ("vi", "Tiếng Việt", "ltr"),
    ("tl", "Tagalog", "ltr"),
    ("sv", "Svenska", "ltr"),
    ("se", "Davvisámegiella", "ltr"),
]
TEXT_LANGUAGE_NAMES = {code: name for code, name, _dir in TEXT_LANGUAGES}
RTL_LANGUAGES = {code for code, _name, direction in TEXT_LANGUAGES if direction == "rtl"}


class ConsentText(PublicIdModel):
    """What consent means, written by the municipality in a language many of its families
    read: shown beside the consent (the interface itself stays nynorsk, bokmål or English).
    The purpose a coordinator writes for one family is not translated here. Every part of
    a consent page that has no text here is shown in the page's language with a note
    saying so (templates/logs/lifecycle/_text_note.html)."""

    municipality = models.ForeignKey("organisation.Municipality", on_delete=models.PROTECT)
    language = models.CharField(
        _("language"), max_length=5, choices=[(code, name) for code, name, _dir in TEXT_LANGUAGES]
    )
    information = models.TextField(
        _("information about the relay log and consent"),
        help_text=_("What the relay log is, what consent means and the family's rights."),
    )
    consent_statement = models.TextField(
        _("what the family agrees to"),
        help_text=_("Shown next to the button the family presses to consent."),
    )
    withdraw_text = models.TextField(_("what happens when consent is withdrawn"), blank=True)
    # The words on the family's buttons in this language. A button without them keeps
    # the page's words, with a note that the municipality has not written them here.
    consent_button = models.CharField(_("the consent button"), max_length=100, blank=True)
    renew_button = models.CharField(_("the renew button"), max_length=100, blank=True)
    withdraw_button = models.CharField(_("the withdraw button"), max_length=100, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "language"], name="consent_text_once_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.language} consent text"

    @property
    def direction(self) -> str:
        return "rtl" if self.language in RTL_LANGUAGES else "ltr"

    @property
    def language_name(self) -> str:
        return TEXT_LANGUAGE_NAMES.get(self.language, self.language)


class GuardianShare(models.Model):
    """A youth who consents alone lets one of their guardians read the log.

    From the municipality's consent age the youth decides about the log, and the
    guardians see nothing of it unless the youth chooses to share it with them. The
    choice belongs to one consent: it counts only while that consent is in force, so it
    ends with a withdrawal or when the consent runs out (a renewal of a consent in force
    carries it over; the youth can change it at any time). Changing it ends the row
    (`ended_at`) and, for a new choice, adds a new one: the history of who decided what
    and when is kept."""

    municipality = models.ForeignKey("organisation.Municipality", on_delete=models.PROTECT)
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="guardian_shares")
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    shared_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["shared_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consent", "guardian"],
                condition=Q(ended_at__isnull=True),
                name="guardian_share_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.consent_id} shared with {self.guardian_id}"
