from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from stafett.notifications.selectors import unread_count
from stafett.policy import actor_for


def notifications(request: HttpRequest) -> dict[str, Any]:
    """The header's unread count: one query, only on pages that show it."""
    return {"notifications_unread": SimpleLazyObject(lambda: unread_count(actor_for(request)))}
