"""Reads for the delivery pages (metadata only: no log content, no child)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from stafett.delivery.models import ArchiveDelivery, DeliveryStep, FiksReport, FiksSettings

PAGE = 50


def archive_deliveries(municipality_id: int) -> QuerySet[ArchiveDelivery]:
    """The newest hand-overs with their steps (two queries)."""
    return (
        ArchiveDelivery.objects.filter(municipality_id=municipality_id)
        .order_by("-created_at", "-id")
        .prefetch_related(Prefetch("steps", queryset=DeliveryStep.objects.order_by("at", "id")))[
            :PAGE
        ]
    )


def settings_of(municipality_id: int) -> FiksSettings:
    found = FiksSettings.objects.filter(municipality_id=municipality_id).first()
    return found or FiksSettings(municipality_id=municipality_id)


def fiks_report_of(report_id: int | None) -> FiksReport | None:
    if report_id is None:
        return None
    return FiksReport.objects.filter(report_id=report_id).first()
