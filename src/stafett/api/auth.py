"""Who is calling the API: an integration token (`Authorization: Bearer …`) or the
person's own web session (with the CSRF token for writes).

A token acts as its service account (`ApiToken.user`); its actor is built by the one
access policy (`policy.build_actor`) like anyone's, so what it may read and write is
decided by the same rules as for a person in its position. The token itself adds two
limits on top, never rights: a read token never writes, and every token has a rate
limit."""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from stafett.api.errors import UNSAFE_METHODS, ApiError
from stafett.api.models import ApiToken
from stafett.policy import build_actor

TOKEN_PREFIX = "stafett_"  # noqa: S105 (a label in front of every token, not a secret)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _unauthenticated(message: str) -> ApiError:
    return ApiError(401, "invalid_token", message, headers={"WWW-Authenticate": "Bearer"})


class TokenAuth(HttpBearer):
    """An integration token of the municipality (README: "The JSON API")."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization")
        if not header:
            return None
        scheme, _sep, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise _unauthenticated(_("Send the token as 'Authorization: Bearer <token>'."))
        return self.authenticate(request, key.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = (
            ApiToken.objects.select_related("user", "municipality")
            .filter(key_hash=hash_key(token))
            .first()
        )
        if found is None:
            raise _unauthenticated(_("This token is not known."))
        now = timezone.now()
        if found.revoked_at is not None:
            raise _unauthenticated(_("This token has been revoked."))
        if found.expires_at <= now:
            raise _unauthenticated(_("This token has expired."))
        if not found.user.is_active:
            raise _unauthenticated(_("This token has been revoked."))
        if request.method in UNSAFE_METHODS and not found.may_write:
            raise ApiError(403, "read_only_token", _("This token may only read."))
        _count_request(found)
        user = found.user
        # The token stands in for the log-in and the one-time code of a person.
        user.is_verified = lambda: True  # type: ignore[attr-defined]
        request.user = user
        request._stafett_actor = build_actor(user)  # type: ignore[attr-defined]
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        return found


def _count_request(token: ApiToken) -> None:
    """At most STAFETT_API_RATE_LIMIT requests per token per minute (a fixed window in
    the cache); above it, 429 with Retry-After."""
    limit = settings.STAFETT_API_RATE_LIMIT
    now = time.time()
    window = int(now // 60)
    key = f"stafett-api-rate:{token.pk}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    if count > limit:
        wait = max(1, math.ceil((window + 1) * 60 - now))
        raise ApiError(
            429,
            "rate_limited",
            _("Too many requests with this token. Try again in %(seconds)s seconds.")
            % {"seconds": wait},
            headers={"Retry-After": str(wait)},
        )


class WebSessionAuth(SessionAuth):
    """The person's web session; writes need the CSRF token (header X-CSRFToken)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return user
