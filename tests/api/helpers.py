"""Tokens and clients for the API tests."""

from __future__ import annotations

import datetime
from typing import Any

from django.test import Client
from django.utils import timezone

from stafett.api.models import ApiToken
from stafett.api.services import create_token
from stafett.organisation.models import Municipality, Unit
from stafett.policy import Actor, build_actor


def as_actor(user: Any) -> Actor:
    user.is_verified = lambda: True
    return build_actor(user)


def make_token(
    admin: Any,
    municipality: Municipality,
    units: list[Unit],
    *,
    scope: str = "read",
    name: str = "Skulesystemet",
    valid_days: int = 30,
) -> tuple[ApiToken, str]:
    return create_token(
        actor=as_actor(admin),
        municipality=municipality,
        name=name,
        scope=scope,
        units=units,
        valid_days=valid_days,
    )


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def expire(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def api_client() -> Client:
    return Client()
