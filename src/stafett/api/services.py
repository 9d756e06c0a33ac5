"""Creating and revoking integration tokens (the municipal administrator)."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Sequence

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stafett.accounts.models import User
from stafett.api.auth import TOKEN_PREFIX, hash_key
from stafett.api.models import ApiToken
from stafett.api.text import _line
from stafett.audit.log import record_access
from stafett.core.errors import ServiceError
from stafett.organisation.models import Membership, Municipality, Unit
from stafett.policy import Actor, acting_user, enforce

MAX_VALID_DAYS = 366


@transaction.atomic
def create_token(
    *,
    actor: Actor,
    municipality: Municipality,
    name: str,
    scope: str,
    units: Sequence[Unit],
    valid_days: int,
) -> tuple[ApiToken, str]:
    """A new token and its secret (shown once; only its hash is kept). Its service
    account is an employee of `units` and of nothing else."""
    enforce(actor, "api_token.manage", municipality)
    admin = acting_user(actor)
    try:
        name = _line(name)
    except ValueError as error:
        raise ServiceError(str(error)) from error
    if not name:
        raise ServiceError(_("Give the token a name: the system that will use it."))
    if scope not in ApiToken.Scope.values:
        raise ServiceError(_("Choose whether the token may only read, or also write."))
    if not units:
        raise ServiceError(_("Choose at least one unit."))
    if any(unit.municipality_id != municipality.id or not unit.is_active for unit in units):
        raise ServiceError(_("Choose units of your own municipality that are in use."))
    if not 1 <= valid_days <= MAX_VALID_DAYS:
        raise ServiceError(_("A token is valid for 1 to %(days)s days.") % {"days": MAX_VALID_DAYS})
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    prefix = key[: len(TOKEN_PREFIX) + 6]
    user = User.objects.create(
        username=f"api-{secrets.token_hex(8)}",
        first_name=name[:150],
        last_name=_("(integration)"),
        kind=User.Kind.STAFF,
        municipality=municipality,
        password=make_password(None),
    )
    token = ApiToken.objects.create(
        municipality=municipality,
        name=name,
        prefix=prefix,
        key_hash=hash_key(key),
        scope=scope,
        user=user,
        created_by=admin,
        expires_at=timezone.now() + datetime.timedelta(days=valid_days),
    )
    token.units.set(units)
    Membership.objects.bulk_create(
        [
            Membership(
                municipality=municipality,
                unit=unit,
                user=user,
                role=Membership.Role.EMPLOYEE,
                title=_("Integration"),
            )
            for unit in units
        ]
    )
    record_access(actor=admin, action="api_token.create", obj=token, object_type="ApiToken")
    return token, key


@transaction.atomic
def revoke_token(*, actor: Actor, token: ApiToken) -> ApiToken:
    """The token stops working at once: its service account is deactivated and leaves
    its units (the memberships stay as history)."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    enforce(actor, "api_token.revoke", token)
    admin = acting_user(actor)
    if token.revoked_at is not None:
        raise ServiceError(_("This token has already been revoked."))
    now = timezone.now()
    token.revoked_at = now
    token.revoked_by = admin
    token.save(update_fields=["revoked_at", "revoked_by"])
    User.objects.filter(pk=token.user_id).update(is_active=False)
    Membership.objects.filter(user_id=token.user_id, ended_at__isnull=True).update(
        ended_at=now, ended_by=admin
    )
    record_access(actor=admin, action="api_token.revoke", obj=token, object_type="ApiToken")
    return token
