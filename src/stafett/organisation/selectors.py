"""Reads for the organisation pages: always scoped to one municipality, constant query counts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from stafett.accounts.models import User
from stafett.organisation.models import EmergencyContact, Membership, ServiceKind, Unit


def _current(role: str) -> Q:
    return Q(memberships__ended_at__isnull=True, memberships__role=role)


def units_for_overview(municipality_id: int) -> list[Unit]:
    """Every unit with its service kind, current leaders and number of current employees.

    Three queries whatever the number of units (units, kinds joined; leaders prefetched).
    """
    leaders = Prefetch(
        "memberships",
        queryset=Membership.objects.current()
        .filter(role=Membership.Role.LEADER)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username"),
        to_attr="current_leaders",
    )
    return list(
        Unit.objects.in_municipality(municipality_id)
        .select_related("service_kind")
        .annotate(employee_count=Count("memberships", filter=_current(Membership.Role.EMPLOYEE)))
        .prefetch_related(leaders)
        .order_by("-is_active", "name")
    )


def service_kinds(municipality_id: int) -> list[ServiceKind]:
    return list(
        ServiceKind.objects.in_municipality(municipality_id)
        .annotate(unit_count=Count("units"))
        .order_by("-is_active", "category", "name")
    )


def service_kinds_for_choice(
    municipality_id: int, *, include: ServiceKind | None = None
) -> QuerySet[ServiceKind]:
    """The kinds a unit may be given: this municipality's kinds in use (and its current one)."""
    condition = Q(is_active=True)
    if include is not None:
        condition |= Q(id=include.id)
    return (
        ServiceKind.objects.in_municipality(municipality_id)
        .filter(condition)
        .order_by("category", "name")
    )


def emergency_contacts(municipality_id: int) -> list[EmergencyContact]:
    return list(
        EmergencyContact.objects.in_municipality(municipality_id)
        .select_related("municipality")
        .order_by("position", "name")
    )


def unit_memberships(unit: Unit, role: str) -> list[Membership]:
    """The unit's current leaders or employees, with the person, in name order."""
    return list(
        Membership.objects.current()
        .filter(municipality_id=unit.municipality_id, unit=unit, role=role)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )


def current_membership(unit: Unit, *, person: uuid.UUID, role: str) -> Membership | None:
    return (
        Membership.objects.current()
        .filter(municipality_id=unit.municipality_id, unit=unit, role=role, user__uuid=person)
        .select_related("user")
        .first()
    )


def staff_choices(municipality_id: int, *, unit: Unit, role: str) -> QuerySet[User]:
    """Active staff of the municipality who do not already hold this role in the unit."""
    return (
        User.objects.filter(municipality_id=municipality_id, kind=User.Kind.STAFF, is_active=True)
        .exclude(
            id__in=Membership.objects.current()
            .filter(municipality_id=municipality_id, unit=unit, role=role)
            .values("user_id")
        )
        .only("id", "uuid", "first_name", "last_name", "username", "email")
        .order_by("first_name", "last_name", "username")
    )


@dataclass
class Batons:
    """What someone leaving a unit still holds there: open relay logs they coordinate
    and open level-0 concerns they wrote. Ending their membership must not leave these
    without a holder (`services.end_membership`)."""

    logs: list[Any] = field(default_factory=list)  # RelayLog, with subject
    concerns: list[Any] = field(default_factory=list)  # Concern, metadata only
    offered: int = 0  # handovers offered to them in this unit, cancelled when they leave

    def __bool__(self) -> bool:
        return bool(self.logs or self.concerns)


def stays_in_unit(unit: Unit, person: User, *, ending: Membership | None = None) -> bool:
    """Does the person keep another role in the unit once `ending` has ended?"""
    rows = Membership.objects.current().filter(unit=unit, user=person)
    if ending is not None:
        rows = rows.exclude(pk=ending.pk)
    return rows.exists()


def open_for_author() -> Q:
    """Concerns their author still has work on: open, or decided for a report to child
    welfare that is not sent yet (an unsent report must never be orphaned)."""
    from stafett.concerns.models import Concern

    unsent = Q(status=Concern.Status.CHILD_WELFARE) & ~Q(report__sent_at__isnull=False)
    return Q(status=Concern.Status.OPEN) | unsent


def batons_in_unit(unit: Unit, person: User) -> Batons:
    """Three queries. The logs carry their subject (named on the removal page, as on the
    leader's home page: metadata, no content); concerns carry no child at all."""
    from stafett.concerns.models import Concern
    from stafett.logs.models import Handover, RelayLog

    logs = list(
        RelayLog.objects.in_municipality(unit.municipality_id)
        .filter(unit=unit, coordinator=person)
        .exclude(status=RelayLog.Status.CLOSED)
        .select_related("subject", "subject__municipality")
        .order_by("created_at", "id")
    )
    concerns = list(
        Concern.objects.in_municipality(unit.municipality_id)
        .filter(unit=unit, author=person)
        .filter(open_for_author())
        .only(
            "id",
            "uuid",
            "municipality_id",
            "unit_id",
            "author_id",
            "created_at",
            "step",
            "decide_by",
        )
        .order_by("created_at", "id")
    )
    offered = Handover.objects.filter(
        to_user=person, to_unit=unit, status=Handover.Status.PENDING
    ).count()
    return Batons(logs=logs, concerns=concerns, offered=offered)
