"""Integration tokens: how a municipality's own systems (school, health, archive) call
the JSON API under /api/v1/.

A token belongs to one municipality, is shown once and stored only as a SHA-256 hash,
is scoped to reading or writing and to listed units, and expires. Each token acts
through its own service account (`ApiToken.user`): a staff user of the municipality who
is an employee of the listed units and nothing else, so the one access policy decides
what the token may do, exactly as for a person in that position."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stafett.core.models import PublicIdModel


class ApiToken(PublicIdModel):
    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    municipality = models.ForeignKey(
        "organisation.Municipality", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name of the system"), max_length=120)
    # The first characters of the token, shown on the page to tell tokens apart.
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("access"), max_length=5, choices=Scope.choices)
    units = models.ManyToManyField("organisation.Unit", related_name="+")
    # The service account the token acts as (see the module's docstring).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_token"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["municipality", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now: datetime.datetime | None = None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())

    @property
    def may_write(self) -> bool:
        return self.scope == self.Scope.WRITE
