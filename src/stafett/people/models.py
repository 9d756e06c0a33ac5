"""The subjects of care: a child (with guardians) or a pregnant woman."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stafett.core.models import PublicIdModel, TenantQuerySet


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Whole years between a birth date and a day (a 29 February birthday counts on 1 March)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


class Subject(PublicIdModel):
    """The person a concern or a relay log is about."""

    class Kind(models.TextChoices):
        CHILD = "child", _("Child or youth")
        PREGNANT = "pregnant", _("Pregnant woman")

    municipality = models.ForeignKey("organisation.Municipality", on_delete=models.PROTECT)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CHILD)
    first_name = models.CharField(_("first name"), max_length=120)
    last_name = models.CharField(_("last name"), max_length=120)
    birth_date = models.DateField(_("birth date"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    # The youth's (or the pregnant woman's) own account, when they log in themselves.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="own_subject",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("subject of care")
        verbose_name_plural = _("subjects of care")
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["municipality", "last_name", "first_name"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age(self, day: datetime.date | None = None) -> int:
        return age_on(self.birth_date, day or timezone.localdate())

    def consents_alone(self, day: datetime.date | None = None) -> bool:
        """From the municipality's consent age (15 or 16) the youth consents alone."""
        if self.kind == self.Kind.PREGNANT:
            return True
        return self.age(day) >= self.municipality.consent_age


class Guardianship(models.Model):
    """A guardian of a child. Only guardians with parental responsibility see anything."""

    class Relation(models.TextChoices):
        MOTHER = "mother", _("Mother")
        FATHER = "father", _("Father")
        OTHER = "other", _("Other guardian")

    municipality = models.ForeignKey("organisation.Municipality", on_delete=models.PROTECT)
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="guardianships")
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardianships"
    )
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)
    parental_responsibility = models.BooleanField(_("has parental responsibility"), default=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("guardianship")
        verbose_name_plural = _("guardianships")
        constraints = [
            models.UniqueConstraint(fields=["subject", "guardian"], name="guardianship_unique")
        ]

    def __str__(self) -> str:
        return f"{self.guardian} → {self.subject}"
