"""The demo's concerns (level 0): one near its date, one overdue, one new; none on the
violence/abuse path; loading twice changes nothing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from stafett.concerns.models import Concern, ConcernRecord, ConcernShare, WorryScore
from stafett.demo.concerns import CONCERNS
from stafett.demo.services import demo_uuid, load_demo
from tests import factories as f


@pytest.fixture
def demo(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("stafett.demo.logs.load_demo_logs", lambda **kwargs: None)
    # The year of history for the statistics (demo/history.py) has concerns of its own.
    monkeypatch.setattr("stafett.demo.history.load_demo_history", lambda **kwargs: None)
    load_demo()


def concern(key: str) -> Concern:
    found: Concern = Concern.objects.select_related("author", "unit").get(
        uuid=demo_uuid("concern", key)
    )
    return found


def rows() -> dict[str, list[dict[str, Any]]]:
    models: list[Any] = [Concern, ConcernRecord, ConcernShare, WorryScore]
    return {
        model.__name__: list(model._default_manager.order_by("pk").values()) for model in models
    }


def test_the_kindergarten_teacher_has_a_concern_near_its_date_and_one_overdue(
    demo: None,
) -> None:
    today = timezone.localdate()
    near = concern("barnehage.raud")
    assert near.author.username == "pedagog.barnehage" and near.is_anonymous
    assert near.is_open and not near.is_overdue()
    assert today < near.decide_by <= today + datetime.timedelta(days=3)
    assert near.shares.get().user.username == "leiar.barnehage"
    assert [s.score for s in near.scores.all()] == [4, 5]
    overdue = concern("barnehage.bla")
    assert overdue.author.username == "pedagog.barnehage" and overdue.is_anonymous
    assert overdue.is_overdue()
    assert concern("skule.4b").author.username == "larar.skule"
    assert Concern.objects.count() == len(CONCERNS) == 3


def test_no_demo_concern_is_on_the_violence_path_or_names_a_child(demo: None) -> None:
    assert not Concern.objects.filter(violence_path_at__isnull=False).exists()
    assert not Concern.objects.filter(subject__isnull=False).exists()
    assert not Concern.objects.filter(requested_by__isnull=False).exists()


def test_the_teachers_home_shows_the_overdue_concern(demo: None, settings: Any) -> None:
    settings.STAFETT_DEMO = True
    marit = Concern.objects.get(uuid=demo_uuid("concern", "barnehage.bla")).author
    client = f.login(f.english_client(), marit)
    home = client.get(reverse("home:home")).content.decode()
    assert "1 concern waits for a decision past its date" in home
    assert "Gut på Blå avdeling (3 år)" in home


def test_loading_twice_leaves_the_concerns_as_they_were(demo: None) -> None:
    first = rows()
    load_demo()
    assert rows() == first
