"""Shared model pieces."""

from __future__ import annotations

import uuid

from django.db import models


class TenantQuerySet(models.QuerySet):  # type: ignore[type-arg]
    """Rows that belong to a municipality; every list starts with `.in_municipality()`."""

    def in_municipality(self, municipality_id: int | None) -> TenantQuerySet:
        if municipality_id is None:
            return self.none()
        return self.filter(municipality_id=municipality_id)


class PublicIdModel(models.Model):
    """A random UUID for URLs; sequential ids never leave the database."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True
