"""The municipality and its units: who runs BTI where."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from stafett.core.models import PublicIdModel, TenantQuerySet
from stafett.core.texts import Shown, pick_text

if TYPE_CHECKING:
    from stafett.accounts.models import User


class Municipality(PublicIdModel):
    class Language(models.TextChoices):
        NYNORSK = "nn", _("Nynorsk")
        BOKMAL = "nb", _("Bokmål")

    name = models.CharField(_("name"), max_length=120, unique=True)
    # The readable part of the municipality's public addresses (/m/fjordvik/guides/), for
    # its website and letters to families.
    slug = models.SlugField(_("short name in addresses"), max_length=60, unique=True)
    language = models.CharField(
        _("default language"), max_length=2, choices=Language.choices, default=Language.NYNORSK
    )
    consent_age = models.PositiveSmallIntegerField(
        _("consent age"),
        choices=[(15, "15"), (16, "16")],
        default=15,
        help_text=_("From this age the youth consents alone."),
    )
    consent_validity_months = models.PositiveSmallIntegerField(
        _("default consent validity (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    retention_years = models.PositiveSmallIntegerField(
        _("retention of closed logs (years)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    all_guardians_must_consent = models.BooleanField(
        _("all guardians with parental responsibility must consent"), default=True
    )
    renew_consent_on_handover = models.BooleanField(
        _("ask for renewed consent when the coordinator changes"),
        default=False,
        help_text=_(
            "When a new coordinator accepts the baton, the family is asked to renew their "
            "consent. The consent they gave still counts until they answer or it ends."
        ),
    )
    level0_deadline_days = models.PositiveSmallIntegerField(
        _("days to decide a level-0 concern"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(180)],
    )
    # Issue 13: the password + one-time-code log-in; when off, only break-glass accounts.
    local_login_enabled = models.BooleanField(
        _("password log-in for everyone"),
        default=True,
        help_text=_(
            "When this is off, people log in with ID-porten, Feide or Entra ID, and only "
            "break-glass accounts may use a password and a one-time code."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.slug:
            self.slug = municipality_slug(self.name)
        super().save(*args, **kwargs)


def municipality_slug(name: str) -> str:
    """ "Fjordvik kommune" → "fjordvik"; æ, ø and å written as ae, o and a."""
    base = name.strip()
    for suffix in (" kommune", " Kommune"):
        base = base.removesuffix(suffix)
    base = base.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    return slugify(base)[:60] or "kommune"


class EmergencyContact(PublicIdModel):
    """Who to call on the violence/abuse path: child welfare, police, emergency numbers."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="emergency_contacts"
    )
    name = models.CharField(_("name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=40)
    # When to call, in the municipality's languages (keyed by code, see core/texts.py).
    descriptions = models.JSONField(_("when to call"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("emergency contact")
        verbose_name_plural = _("emergency contacts")
        ordering = ["municipality", "position", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.phone})"

    @property
    def shown_description(self) -> Shown:
        """When to call, in the reader's language or marked as a fallback. Read contacts
        with `select_related("municipality")` (the main language is the municipality's)."""
        return pick_text(self.descriptions or {}, main=self.municipality.language)


class ServiceCategory(models.TextChoices):
    BASIS = "basis", _("Basis service")
    HELP = "help", _("Help service")
    ADULT = "adult", _("Adult service")


class ServiceKind(PublicIdModel):
    """A kind of service (kindergarten, school, PPT, ...). Data the municipality extends."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="service_kinds"
    )
    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(_("category"), max_length=10, choices=ServiceCategory.choices)
    is_active = models.BooleanField(_("in use"), default=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("service kind")
        verbose_name_plural = _("service kinds")
        ordering = ["municipality", "category", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="service_kind_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Unit(PublicIdModel):
    """A named kindergarten, school, health station, PPT office, child welfare office, ..."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="units")
    name = models.CharField(_("name"), max_length=160)
    service_kind = models.ForeignKey(
        ServiceKind, on_delete=models.PROTECT, related_name="units", verbose_name=_("service kind")
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["municipality", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="unit_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def category(self) -> str:
        return self.service_kind.category


class MembershipQuerySet(models.QuerySet["Membership"]):
    def current(self) -> MembershipQuerySet:
        return self.filter(ended_at__isnull=True)


class Membership(PublicIdModel):
    """A person's role in a unit. Ending a membership keeps the row (history is kept)."""

    class Role(models.TextChoices):
        LEADER = "leader", _("Unit leader")
        EMPLOYEE = "employee", _("Employee")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE)
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    title = models.CharField(_("job title"), max_length=120, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["unit", "role", "started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "user", "role"],
                condition=Q(ended_at__isnull=True),
                name="membership_one_current_per_role",
            )
        ]
        indexes = [
            models.Index(fields=["user", "ended_at"]),
            models.Index(fields=["unit", "ended_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.unit} ({self.role})"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None

    def person(self) -> User:
        return self.user
