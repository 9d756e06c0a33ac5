"""A concern registered by Eva (kindergarten employee) about "a child in group Blue"."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone, translation

from stafett.concerns import services
from stafett.concerns.models import Concern
from stafett.policy import Actor, build_actor
from tests.conftest import World


def as_actor(user: Any) -> Actor:
    """The actor as after log-in (staff have passed the one-time code)."""
    user.is_verified = lambda: True
    return build_actor(user)


def register(world: World, **fields: Any) -> Concern:
    data: dict[str, Any] = {
        "unit": world.kindergarten,
        "kind": Concern.Kind.CHILD,
        "label": "Eit barn på Blå avdeling",
        "noticed": "Sit mykje åleine i leiken, et lite.",
        "noticed_on": timezone.localdate() - datetime.timedelta(days=1),
        "noticed_where": "Uteleik",
        "score": 4,
    }
    data.update(fields)
    return services.register_concern(actor=as_actor(world.employee), **data)


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Service messages are read in English here."""
    with translation.override("en"):
        yield


@pytest.fixture
def concern(world: World) -> Concern:
    return register(world)
