from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from stafett.policy import actor_for


def stafett(request: HttpRequest) -> dict[str, Any]:
    actor = actor_for(request)
    user = getattr(request, "user", None)
    return {
        "stafett_demo": settings.STAFETT_DEMO,
        "actor": actor,
        "roles": [role.value for role in actor.roles],
        # Signed in for the page header: staff only once the one-time code is given, so the
        # code page shows nothing of the account (name, municipality, notifications).
        "signed_in": bool(
            user is not None
            and user.is_authenticated
            and (not user.is_staff_member or _passed_second_factor(user))
        ),
    }


def _passed_second_factor(user: Any) -> bool:
    is_verified = getattr(user, "is_verified", None)  # set by django-otp's middleware
    return bool(is_verified()) if callable(is_verified) else False
