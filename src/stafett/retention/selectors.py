"""What has passed its time (reads only; `services` deletes)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import DateTimeField, Max, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from stafett.concerns.models import Concern, RecordKind
from stafett.core.dates import add_months
from stafett.logs.models import RelayLog
from stafett.organisation.models import Municipality
from stafett.retention.models import RetentionRules, Tombstone


@dataclass(frozen=True)
class Periods:
    closed_log_months: int
    concern_months: int
    access_log_months: int


def rules_for(municipality: Municipality) -> RetentionRules:
    """The municipality's rules; the defaults when none are saved yet (not saved)."""
    rules = RetentionRules.objects.filter(municipality=municipality).first()
    return rules or RetentionRules(municipality=municipality)


def periods_for(municipality: Municipality) -> Periods:
    rules = rules_for(municipality)
    return Periods(
        closed_log_months=municipality.retention_years * 12,
        concern_months=rules.concern_months,
        access_log_months=rules.access_log_months,
    )


def cutoff(now: datetime.datetime, months: int) -> datetime.datetime:
    """The moment `months` before `now` (Oslo time, the same clock time)."""
    local = timezone.localtime(now)
    day = add_months(local.date(), -months)
    return timezone.make_aware(datetime.datetime.combine(day, local.time().replace(tzinfo=None)))


def logs_due(municipality: Municipality, *, now: datetime.datetime) -> QuerySet[RelayLog]:
    """Closed logs closed before the period. A reopened log is not closed (and its
    `closed_at` was cleared), so it never matches; the deletion checks again."""
    before = cutoff(now, periods_for(municipality).closed_log_months)
    return due_logs_filter(
        RelayLog.objects.in_municipality(municipality.id), before=before
    ).order_by("closed_at", "id")


def due_logs_filter(
    queryset: QuerySet[RelayLog], *, before: datetime.datetime
) -> QuerySet[RelayLog]:
    return queryset.filter(
        status=RelayLog.Status.CLOSED, closed_at__isnull=False, closed_at__lt=before
    )


def _closed_concerns(queryset: QuerySet[Concern]) -> QuerySet[Any]:
    """Concerns closed at level 0 without a log or a report to child welfare, with the
    time of the decision that closed them (`closed_on`). A concern that took the
    violence/abuse path did lead somewhere (child welfare or the police were to be
    contacted): it is not counted here and is kept."""
    return queryset.filter(
        status=Concern.Status.CLOSED,
        log__isnull=True,
        report__isnull=True,
        violence_path_at__isnull=True,
    ).annotate(
        closed_on=Coalesce(
            Max("records__created_at", filter=Q(records__kind=RecordKind.DECISION)),
            "created_at",
            output_field=DateTimeField(),
        )
    )


def concerns_due(municipality: Municipality, *, now: datetime.datetime) -> QuerySet[Any]:
    before = cutoff(now, periods_for(municipality).concern_months)
    return due_concerns_filter(
        Concern.objects.in_municipality(municipality.id), before=before
    ).order_by("closed_on", "id")


def due_concerns_filter(queryset: QuerySet[Concern], *, before: datetime.datetime) -> QuerySet[Any]:
    return _closed_concerns(queryset).filter(closed_on__lt=before)


def tombstones_page(municipality_id: int, page: str | None) -> Page[Tombstone]:
    queryset = Tombstone.objects.in_municipality(municipality_id).order_by("-deleted_at", "-id")
    return Paginator(queryset, 50).get_page(page)
