"""Writes of the home app."""

from __future__ import annotations

import datetime

from django.utils import timezone

from stafett.home.models import LogVisit


def mark_log_seen(*, user_id: int, log_id: int, at: datetime.datetime | None = None) -> None:
    """Remember that the user has looked at the log (call from the log page after the
    policy allowed the read). One upsert query on both databases."""
    LogVisit.objects.bulk_create(
        [LogVisit(user_id=user_id, log_id=log_id, seen_at=at or timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "log"],
        update_fields=["seen_at"],
    )
