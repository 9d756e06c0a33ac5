"""Writes on user accounts: invitations, password set-up, deactivation.

Each function takes keyword-only arguments, runs in one transaction and writes an
access-log row for the account event. Callers (views) ask the access policy first;
these functions also refuse to act across municipalities.
"""

from __future__ import annotations

import smtplib
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from stafett.audit.log import record_access
from stafett.audit.models import AccessLogEntry

if TYPE_CHECKING:
    from stafett.accounts.models import User


class InvitationError(Exception):
    """The user cannot be invited (no e-mail address, not active, or the e-mail failed)."""


def _check_same_municipality(*, user: User, by: User) -> None:
    if by.is_superuser:
        return
    if by.municipality_id is None or by.municipality_id != user.municipality_id:
        raise PermissionDenied("Users can only be managed within one's own municipality.")


def user_language(user: User) -> str:
    """The language for e-mails to the user: their municipality's (nn/nb), else the default."""
    municipality = user.municipality
    if municipality is not None and municipality.language:
        return str(municipality.language)
    return str(settings.LANGUAGE_CODE)


def set_password_link(user: User) -> str:
    """An absolute, one-time link to choose a password (valid PASSWORD_RESET_TIMEOUT)."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:set_password", kwargs={"uidb64": uidb64, "token": token})
    return settings.STAFETT_BASE_URL.rstrip("/") + path


def invite_user(*, user: User, invited_by: User, request: HttpRequest | None = None) -> None:
    """E-mail the user a one-time link to set their password and log in.

    The e-mail is written in the language of the user's municipality and holds no
    child data: only the person's own name, username, the municipality and the link.
    The link stops working once a password is set (the token covers the password hash)
    or after settings.PASSWORD_RESET_TIMEOUT.
    """
    if not user.email:
        raise InvitationError("The user has no e-mail address.")
    if not user.is_active:
        raise InvitationError("The user is deactivated.")
    _check_same_municipality(user=user, by=invited_by)
    with transaction.atomic():
        link = set_password_link(user)
        valid_days = max(1, round(settings.PASSWORD_RESET_TIMEOUT / 86400))
        context = {
            "user": user,
            "invited_by": invited_by,
            "municipality": user.municipality,
            "link": link,
            "valid_days": valid_days,
            "login_url": settings.STAFETT_BASE_URL.rstrip("/") + reverse("accounts:login"),
        }
        with translation.override(user_language(user)):
            subject = " ".join(
                render_to_string("accounts/email/invitation_subject.txt", context).split()
            )
            body = render_to_string("accounts/email/invitation_body.txt", context)
        record_access(
            actor=invited_by,
            action="account.invited",
            obj=user,
            outcome=AccessLogEntry.Outcome.ALLOWED,
            request=request,
            municipality_id=user.municipality_id,
        )
        try:
            send_mail(
                subject,
                body,
                settings.DEFAULT_FROM_EMAIL,
                [user.email],
                fail_silently=False,
            )
        except (OSError, smtplib.SMTPException) as error:
            # Roll back the access-log row too: no invitation was made.
            raise InvitationError("The invitation e-mail could not be sent.") from error


def deactivate_user(*, user: User, by: User, request: HttpRequest | None = None) -> None:
    """Deactivate an account. Its sessions end at the next request (the log-in
    backend refuses inactive users when it loads a session's user)."""
    _check_same_municipality(user=user, by=by)
    with transaction.atomic():
        _check_holds_nothing(user)
        if user.is_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
        record_access(
            actor=by,
            action="account.deactivated",
            obj=user,
            request=request,
            municipality_id=user.municipality_id,
        )


def _check_holds_nothing(user: User) -> None:
    """A deactivated account loses every role at once: it may not hold a baton (an open
    relay log would be left without a coordinator who counts) nor an open concern (nobody
    else could read it). The unit's leader hands them over, or takes them, first, by
    removing the person from the unit."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from stafett.concerns.models import Concern
    from stafett.logs.models import RelayLog
    from stafett.organisation.selectors import open_for_author

    logs = RelayLog.objects.filter(coordinator=user).exclude(status=RelayLog.Status.CLOSED)
    concerns = Concern.objects.filter(open_for_author(), author=user)
    if logs.exists() or concerns.exists():
        raise ValidationError(
            _(
                "%(name)s still holds batons or open concerns. Ask the unit's leader to "
                "remove them from the unit (and hand the batons over) first. Nothing was "
                "changed."
            )
            % {"name": user.get_full_name() or user.username}
        )


def reactivate_user(*, user: User, by: User, request: HttpRequest | None = None) -> None:
    """Let a deactivated account log in again."""
    _check_same_municipality(user=user, by=by)
    with transaction.atomic():
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        record_access(
            actor=by,
            action="account.reactivated",
            obj=user,
            request=request,
            municipality_id=user.municipality_id,
        )
