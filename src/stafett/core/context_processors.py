from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from stafett.policy import actor_for


def stafett(request: HttpRequest) -> dict[str, Any]:
    actor = actor_for(request)
    return {
        "stafett_demo": settings.STAFETT_DEMO,
        "actor": actor,
        "roles": [role.value for role in actor.roles],
    }
