"""Reads of the access log for the family's "who has read our log" (innsynslogg).

The rows of one relay log are those about the log itself (every read of its pages,
its consent, its participants, and refused attempts), about its consents' scanned
forms and about the forms filled in on it. Rows about level-0 concerns are never shown
here: a concern (and the violence and abuse path above all) is not the family's to see
until it becomes a relay log.
Each function runs one query, whatever the number of rows, on the
(object_uuid, at) and (object_uuid, actor, at) indexes.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from stafett.audit.models import AccessLogEntry


@dataclass(frozen=True)
class Reader:
    """A person who appears in the log's access list, for the filter."""

    uuid: uuid.UUID
    name: str


def log_reads(
    object_uuids: list[uuid.UUID],
    *,
    person: uuid.UUID | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    hide_actor_id: int | None = None,
) -> QuerySet[AccessLogEntry]:
    """Rows about these objects (the log, its consents, its filled forms), newest first,
    optionally one person's and within a period (whole days in Europe/Oslo, both ends included)."""
    rows = AccessLogEntry.objects.filter(object_uuid__in=object_uuids)
    if hide_actor_id is not None:
        # The youth's own visits, left out of what a guardian reads (docs/security.md).
        rows = rows.exclude(actor_id=hide_actor_id)
    if person is not None:
        rows = rows.filter(actor__uuid=person)
    if since is not None:
        rows = rows.filter(at__gte=_start_of(since))
    if until is not None:
        rows = rows.filter(at__lt=_start_of(until + datetime.timedelta(days=1)))
    return rows.only(
        "id", "at", "actor_name", "role", "unit_name", "action", "reason", "outcome"
    ).order_by("-at", "-id")


def log_readers(object_uuids: list[uuid.UUID], *, hide_actor_id: int | None = None) -> list[Reader]:
    """Everyone who has read (or tried to read) these objects, by name."""
    pairs = (
        AccessLogEntry.objects.filter(object_uuid__in=object_uuids, actor__isnull=False)
        .exclude(actor_id=hide_actor_id)
        .values_list("actor__uuid", "actor_name")
        .distinct()
        .order_by("actor_name", "actor__uuid")
    )
    seen: dict[uuid.UUID, str] = {}
    for person, name in pairs:
        seen.setdefault(person, name)
    return [Reader(uuid=person, name=name) for person, name in seen.items()]


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
