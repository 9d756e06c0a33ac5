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
