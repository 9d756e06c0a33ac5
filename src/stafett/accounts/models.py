"""People who log in: staff, guardians and youth."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    class Kind(models.TextChoices):
        STAFF = "staff", _("Municipal staff")
        CITIZEN = "citizen", _("Guardian or youth")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(
        "organisation.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("municipality"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.STAFF)
    is_municipal_admin = models.BooleanField(_("municipal administrator"), default=False)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # Demo personas can log in only when STAFETT_DEMO=1.
    is_demo = models.BooleanField(default=False, editable=False)
    # Ready for ID-porten / Feide / Entra ID: users are keyed by (issuer, subject).
    external_issuer = models.CharField(max_length=200, blank=True)
    external_subject = models.CharField(max_length=200, blank=True)
    # ID-porten (issue 13): the national identity number only as a keyed hash
    # (stafett.signin.pid), and what the municipality needs to recognise it.
    pid_hash = models.CharField(max_length=64, blank=True, editable=False)
    pid_masked = models.CharField(_("national identity number"), max_length=20, blank=True)
    # May use the password log-in even where the municipality has switched it off.
    is_break_glass = models.BooleanField(_("break-glass account"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["first_name", "last_name", "username"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_issuer", "external_subject"],
                condition=~Q(external_issuer=""),
                name="user_unique_external_identity",
            ),
            models.UniqueConstraint(
                fields=["pid_hash"], condition=~Q(pid_hash=""), name="user_unique_pid_hash"
            ),
        ]
        indexes = [models.Index(fields=["municipality", "kind"])]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_staff_member(self) -> bool:
        return self.kind == self.Kind.STAFF

    @property
    def is_citizen(self) -> bool:
        return self.kind == self.Kind.CITIZEN


class LoginFailureWindow(models.Model):
    """Failed password steps for one typed username from one address in one time window.

    Kept apart from the access log: the access log is the family's and the municipality's
    record of who read what, and an anonymous visitor (or a scanner) must not be able to
    write thousands of rows into it. One row per (username, address, window) counts the
    failures instead. django-axes still does the lock-out itself.
    """

    # What was typed, cut to 150 characters; never the password.
    username = models.CharField(_("username tried"), max_length=150)
    address = models.CharField(_("network address"), max_length=45, blank=True)
    window_start = models.DateTimeField(_("window from"))
    # The account tried, when one has that username (for the municipality's own view).
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    municipality = models.ForeignKey(
        "organisation.Municipality",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    count = models.PositiveIntegerField(_("failures"), default=0)
    # How many of them met a lock-out (refused without the password being checked).
    locked_count = models.PositiveIntegerField(_("refused by lock-out"), default=0)
    first_at = models.DateTimeField(_("first failure"))
    last_at = models.DateTimeField(_("last failure"))

    class Meta:
        verbose_name = _("failed log-ins")
        verbose_name_plural = _("failed log-ins")
        ordering = ["-last_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["username", "address", "window_start"], name="login_failure_window_key"
            )
        ]
        indexes = [models.Index(fields=["municipality", "last_at"])]

    def __str__(self) -> str:
        return f"{self.username} {self.address} {self.window_start:%Y-%m-%d %H:%M} x{self.count}"
