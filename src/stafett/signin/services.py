"""Writes for provider log-in: who a checked ID token is, link requests, registrations.

Keyword-only arguments; each function runs in one transaction and writes its access-log
row there. The administrator's functions ask the policy first (`enforce`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from stafett.accounts.login_failures import record_failed_login
from stafett.accounts.models import User
from stafett.audit.log import client_ip, record_access
from stafett.audit.models import AccessLogEntry
from stafett.organisation.models import Municipality
from stafett.policy import Actor, acting_user, enforce
from stafett.signin import pid
from stafett.signin.models import ExternalIdentity, LinkRequest, Provider

# Name lengths kept from the provider's claims.
_NAME = 200
_EMAIL = 254


@dataclass(frozen=True)
class Resolved:
    """Who the ID token belongs to: a user to log in, or a link request to wait for."""

    user: User | None = None
    device: ExternalIdentity | None = None
    link: LinkRequest | None = None


def record_refused_login(*, provider: Provider | None, reason: str, request: HttpRequest) -> None:
    """A refused provider log-in by someone not (yet) known: counted with the failed
    passwords (accounts.LoginFailureWindow), under the provider's name in brackets (no
    username can contain brackets) and the municipality, never a claim's value."""
    label = f"[{provider.get_kind_display() if provider else 'OpenID Connect'}: {reason}]"
    record_failed_login(
        typed_username=label,
        address=client_ip(request),
        locked=False,
        municipality_id=provider.municipality_id if provider else None,
    )


def resolve(*, provider: Provider, claims: dict[str, Any], request: HttpRequest) -> Resolved:
    """The account the checked claims belong to (or a link request for staff)."""
    if provider.for_citizens:
        return Resolved(user=_citizen(provider, claims))
    return _staff(provider, claims)


def _citizen(provider: Provider, claims: dict[str, Any]) -> User | None:
    """The guardian or youth the municipality registered with this national identity
    number. The number itself goes no further than this function."""
    try:
        number = pid.validate(str(claims.get("pid", "")))
    except ValidationError:
        return None
    return (
        User.objects.filter(
            pid_hash=pid.keyed_hash(number),
            municipality_id=provider.municipality_id,
            kind=User.Kind.CITIZEN,
        )
        .select_related("municipality")
        .first()
    )


def _staff(provider: Provider, claims: dict[str, Any]) -> Resolved:
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    device = (
        ExternalIdentity.objects.filter(issuer=issuer, subject=subject)
        .select_related("user")
        .first()
    )
    if device is not None:
        if device.municipality_id != provider.municipality_id:
            return Resolved()
        return Resolved(user=device.user, device=device)
    name = str(claims.get("name") or "").strip()[:_NAME]
    email = str(claims.get("email") or claims.get("preferred_username") or "").strip()[:_EMAIL]
    with transaction.atomic():
        try:
            with transaction.atomic():
                link, _created = LinkRequest.objects.get_or_create(
                    issuer=issuer,
                    subject=subject,
                    defaults={
                        "municipality_id": provider.municipality_id,
                        "provider": provider,
                        "name": name,
                        "email": email,
                    },
                )
        except IntegrityError:
            link = LinkRequest.objects.get(issuer=issuer, subject=subject)
    if link.municipality_id != provider.municipality_id:
        return Resolved()
    return Resolved(link=link)


def record_login(*, user: User, provider: Provider, request: HttpRequest) -> None:
    record_access(
        actor=user,
        action="login.succeeded",
        obj=user,
        object_type="User",
        role="staff" if user.is_staff_member else "citizen",
        reason=provider.get_kind_display(),
        outcome=AccessLogEntry.Outcome.ALLOWED,
        request=request,
        municipality_id=user.municipality_id,
    )


def record_refused_account(*, user: User, reason: str, request: HttpRequest) -> None:
    """A known account that may not log in this way (e.g. the password log-in is off)."""
    record_access(
        actor=user,
        action="login.refused",
        obj=user,
        object_type="User",
        role="staff" if user.is_staff_member else "citizen",
        reason=reason,
        outcome=AccessLogEntry.Outcome.REFUSED,
        request=request,
        municipality_id=user.municipality_id,
    )


# ---------------------------------------------------------------------------
# The administrator
# ---------------------------------------------------------------------------


def approve_link(
    *, actor: Actor, link: LinkRequest, user: User, request: HttpRequest | None = None
) -> ExternalIdentity:
    """Link a waiting staff identity to one of the municipality's staff accounts."""
    enforce(actor, "signin.links", link)
    by = acting_user(actor)
    if (
        user.municipality_id != link.municipality_id
        or not user.is_staff_member
        or not user.is_active
    ):
        raise ValidationError(_("Choose an active staff account of the municipality."))
    with transaction.atomic():
        link = LinkRequest.objects.select_for_update().get(pk=link.pk)
        if link.status != LinkRequest.Status.PENDING:
            raise ValidationError(_("This request has already been answered. Nothing was changed."))
        device: ExternalIdentity = ExternalIdentity.objects.create(
            user=user,
            name=link.provider.get_kind_display(),
            municipality_id=link.municipality_id,
            provider=link.provider,
            issuer=link.issuer,
            subject=link.subject,
        )
        link.status = LinkRequest.Status.APPROVED
        link.decided_at = timezone.now()
        link.decided_by = by
        link.save(update_fields=["status", "decided_at", "decided_by"])
        record_access(
            actor=by,
            action="signin.link_approved",
            obj=user,
            object_type="User",
            role=actor.main_role,
            reason=link.provider.get_kind_display(),
            request=request,
            municipality_id=link.municipality_id,
        )
    return device


def refuse_link(*, actor: Actor, link: LinkRequest, request: HttpRequest | None = None) -> None:
    enforce(actor, "signin.links", link)
    by = acting_user(actor)
    with transaction.atomic():
        link = LinkRequest.objects.select_for_update().get(pk=link.pk)
        if link.status != LinkRequest.Status.PENDING:
            raise ValidationError(_("This request has already been answered. Nothing was changed."))
        link.status = LinkRequest.Status.REFUSED
        link.decided_at = timezone.now()
        link.decided_by = by
        link.save(update_fields=["status", "decided_at", "decided_by"])
        record_access(
            actor=by,
            action="signin.link_refused",
            obj=link,
            role=actor.main_role,
            request=request,
            municipality_id=link.municipality_id,
        )


def register_national_id(
    *, actor: Actor, user: User, number: str, request: HttpRequest | None = None
) -> None:
    """Store the keyed hash and the masked form of a guardian's or youth's number."""
    enforce(actor, "signin.manage", user.municipality)
    by = acting_user(actor)
    if user.municipality_id != actor.municipality_id or not user.is_citizen:
        raise ValidationError(_("Choose a guardian or youth of the municipality."))
    digits = pid.validate(number)
    hashed = pid.keyed_hash(digits)
    with transaction.atomic():
        if User.objects.filter(pid_hash=hashed).exclude(pk=user.pk).exists():
            raise ValidationError(
                _(
                    "This national identity number is already registered for another "
                    "person. Nothing was changed."
                )
            )
        user.pid_hash = hashed
        user.pid_masked = pid.masked(digits)
        user.save(update_fields=["pid_hash", "pid_masked"])
        record_access(
            actor=by,
            action="signin.national_id_registered",
            obj=user,
            object_type="User",
            role=actor.main_role,
            request=request,
            municipality_id=user.municipality_id,
        )


def set_local_login(
    *, actor: Actor, municipality: Municipality, enabled: bool, request: HttpRequest | None = None
) -> None:
    enforce(actor, "signin.manage", municipality)
    by = acting_user(actor)
    with transaction.atomic():
        Municipality.objects.filter(pk=municipality.pk).update(local_login_enabled=enabled)
        municipality.local_login_enabled = enabled
        record_access(
            actor=by,
            action="signin.local_login_on" if enabled else "signin.local_login_off",
            obj=municipality,
            role=actor.main_role,
            request=request,
            municipality_id=municipality.pk,
        )


def may_use_password(user: User) -> bool:
    """The password + code log-in: where the municipality allows it, or break-glass."""
    if user.is_break_glass or user.municipality_id is None:
        return True
    municipality = user.municipality
    return municipality is None or municipality.local_login_enabled
