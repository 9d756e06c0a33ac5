"""Log-in through OpenID Connect providers: ID-porten, Feide and Entra ID.

A municipality lists the providers its people may use (`Provider`). Secrets are never
stored here: they are read from the environment or a file (`stafett.signin.oidc`).
Staff are keyed by (issuer, subject): the first log-in with an unknown identity asks
the municipal administrator to link it to a staff account (`LinkRequest`); once
approved, the identity is an `ExternalIdentity`, which is also a django-otp device, so
a log-in through the provider counts as the staff member's second factor.
Guardians and youth log in with ID-porten and are found by a keyed hash of the national
identity number (`User.pid_hash`), which the municipality registered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from stafett.core.models import PublicIdModel, TenantQuerySet

if TYPE_CHECKING:
    from stafett.accounts.models import User
    from stafett.organisation.models import Municipality


class Provider(PublicIdModel):
    class Kind(models.TextChoices):
        IDPORTEN = "idporten", "ID-porten"
        FEIDE = "feide", "Feide"
        ENTRA = "entra", "Microsoft Entra ID"

    municipality = models.ForeignKey(
        "organisation.Municipality", on_delete=models.CASCADE, related_name="signin_providers"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # The issuer; discovery is read from <issuer>/.well-known/openid-configuration.
    issuer = models.URLField(_("issuer"), max_length=300)
    client_id = models.CharField(_("client id"), max_length=200)
    # ID-porten: the `acr` the ID token must carry (idporten-loa-high). Entra ID: an
    # authentication context (e.g. "c1") that must be among the token's `acrs`. Feide:
    # an `acr` the token must carry, when set.
    required_acr = models.CharField(_("required assurance"), max_length=100, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("log-in provider")
        verbose_name_plural = _("log-in providers")
        ordering = ["municipality", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "kind"], name="signin_provider_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.municipality_id})"

    @property
    def for_citizens(self) -> bool:
        return self.kind == self.Kind.IDPORTEN


class LinkRequest(PublicIdModel):
    """A staff identity seen for the first time, waiting for the administrator."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    municipality = models.ForeignKey("organisation.Municipality", on_delete=models.CASCADE)
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=300)
    # What the provider said about the person, for the administrator to recognise them.
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("link request")
        verbose_name_plural = _("link requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="signin_link_identity")
        ]
        indexes = [models.Index(fields=["municipality", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.name or self.subject} ({self.status})"


class ExternalIdentity(Device):
    """An approved (issuer, subject) of a staff account. The same subject at another
    issuer is another identity. As a django-otp device it marks the session verified."""

    # Annotated by hand: django-otp is untyped, so the model plugin cannot infer them.
    user: models.ForeignKey[User, User] = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    municipality: models.ForeignKey[Municipality, Municipality] = models.ForeignKey(
        "organisation.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    provider: models.ForeignKey[Provider, Provider] = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="+"
    )
    issuer: models.CharField[str, str] = models.CharField(max_length=300)
    subject: models.CharField[str, str] = models.CharField(max_length=300)
    linked_at: models.DateTimeField[Any, Any] = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("external identity")
        verbose_name_plural = _("external identities")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="signin_external_identity")
        ]
        indexes = [models.Index(fields=["municipality", "user"])]

    def verify_token(self, token: object) -> bool:
        # Never a typed code: this device is used only by a completed provider log-in.
        return False
