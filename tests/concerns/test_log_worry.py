"""The worry scale at evaluations in a relay log, and the chart on the log page."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from stafett.logs import services as log_services
from stafett.logs.models import Entry, EntryKind
from tests.concerns.conftest import as_actor
from tests.logs.conftest import LogWorld, active_log  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def measure(lw: LogWorld) -> Entry:
    today = timezone.localdate()
    return log_services.add_entry(
        actor=as_actor(lw.world.employee),
        log=lw.log,
        kind=EntryKind.MEASURE,
        title="Fast vaksen i frileiken",
        body="",
        responsible=lw.participant.user,
        start_date=today,
        evaluation_date=today + datetime.timedelta(days=30),
    )


def add_url(lw: LogWorld) -> str:
    return reverse("logs:entry_add", kwargs={"log": lw.log.uuid, "kind": "evaluation"})


def test_an_evaluation_with_a_worry_score_shows_on_the_log_chart(
    active_log: LogWorld,  # noqa: F811
    login_as: Any,
) -> None:
    lw = active_log
    m = measure(lw)
    client = login_as(lw.world.school_employee)
    page = client.get(reverse("logs:detail", kwargs={"log": lw.log.uuid}))
    assert "Worry over time" not in page.content.decode()
    form = client.get(add_url(lw)).content.decode()
    assert "Worry now" in form and "skala for uro" not in form
    assert "Serious worry: act now." in form
    response = client.post(
        add_url(lw),
        {"measure": str(m.uuid), "body": "Betre.", "effect": "better", "worry_score": "6"},
    )
    assert response.status_code == 302
    evaluation = Entry.objects.get(log=lw.log, kind=EntryKind.EVALUATION)
    assert evaluation.latest is not None and evaluation.latest.worry_score == 6
    html = client.get(reverse("logs:detail", kwargs={"log": lw.log.uuid})).content.decode()
    assert "Worry over time" in html and "6 / 10" in html


def test_a_worry_score_out_of_the_scale_is_refused(
    active_log: LogWorld,  # noqa: F811
    login_as: Any,
) -> None:
    lw = active_log
    m = measure(lw)
    client = login_as(lw.world.school_employee)
    response = client.post(
        add_url(lw),
        {"measure": str(m.uuid), "body": "Betre.", "effect": "better", "worry_score": "11"},
    )
    assert response.status_code == 200
    assert not Entry.objects.filter(kind=EntryKind.EVALUATION).exists()
    with translation.override("en"), pytest.raises(Exception, match="from 1 to 10"):
        log_services.add_entry(
            actor=as_actor(lw.world.school_employee),
            log=lw.log,
            kind=EntryKind.EVALUATION,
            measure=m,
            body="x",
            effect="better",
            worry_score=0,
        )


def test_an_evaluation_without_a_score_is_fine(
    active_log: LogWorld,  # noqa: F811
) -> None:
    lw = active_log
    m = measure(lw)
    entry = log_services.add_entry(
        actor=as_actor(lw.world.school_employee),
        log=lw.log,
        kind=EntryKind.EVALUATION,
        measure=m,
        body="x",
        effect="same",
    )
    assert entry.latest is not None and entry.latest.worry_score is None


def test_the_chart_dates_an_evaluation_by_the_day_in_norway_and_keeps_the_latest_version(
    active_log: LogWorld,  # noqa: F811
) -> None:
    """The chart's one query (a UNION of the concern's scores and the evaluations) dates
    an evaluation as timezone.localdate() would: written at 23:30 UTC on 1 June is
    2 June in Oslo. An edited evaluation counts once, with its latest score."""
    from stafett.concerns import selectors as concern_selectors
    from stafett.logs.models import EntryVersion

    lw = active_log
    m = measure(lw)
    early = log_services.add_entry(
        actor=as_actor(lw.world.employee),
        log=lw.log,
        kind=EntryKind.EVALUATION,
        measure=m,
        body="Betre.",
        effect="better",
        worry_score=7,
    )
    late = log_services.add_entry(
        actor=as_actor(lw.world.employee),
        log=lw.log,
        kind=EntryKind.EVALUATION,
        measure=m,
        body="Mykje betre.",
        effect="better",
        worry_score=3,
    )
    evening = datetime.datetime(2026, 6, 1, 23, 30, tzinfo=datetime.UTC)
    EntryVersion.objects.filter(pk=early.latest_id).update(
        created_at=evening - datetime.timedelta(days=30)
    )
    EntryVersion.objects.filter(pk=late.latest_id).update(created_at=evening)
    # A second version of the later evaluation: only its score counts.
    first = EntryVersion.objects.get(pk=late.latest_id)
    first.pk = None
    first.number = 2
    first.worry_score = 2
    first.save()
    Entry.objects.filter(pk=late.pk).update(latest=first, version_count=2)
    EntryVersion.objects.filter(pk=first.pk).update(created_at=evening)

    scores = concern_selectors.log_worry_scores(lw.log)
    assert scores == [
        (datetime.date(2026, 5, 3), 7, "evaluation"),
        (datetime.date(2026, 6, 2), 2, "evaluation"),
    ]
