"""Issue 11, item 11: a parent with two closed logs for one child tells them apart on
the home page: each shows its period and who held the baton."""

from __future__ import annotations

import datetime
import html

import pytest
from django.test import Client
from django.utils import timezone

from stafett.consent.models import Consent
from stafett.consent.services import give_consent, request_consent
from stafett.logs.models import Handover, RelayLog
from stafett.logs.services import close_log, start_log
from tests.conftest import World
from tests.family.conftest import as_actor, read_as
from tests.markup_checks import visible_text


def _closed_log(world: World, started: datetime.datetime, closed: datetime.datetime) -> RelayLog:
    eva = as_actor(world.employee)
    log = start_log(actor=eva, subject=world.child, unit=world.kindergarten, level=1)
    consent = request_consent(
        actor=eva,
        log=log,
        purpose="Samarbeid om Mia.",
        valid_from=timezone.localdate(),
        valid_to=timezone.localdate() + datetime.timedelta(days=180),
        units=[world.kindergarten],
        method=Consent.Method.DIGITAL,
    )
    give_consent(actor=as_actor(world.guardian), consent=consent)
    log.refresh_from_db()
    close_log(actor=eva, log=log, reason="Måla er nådde.", close_reason="goals_met")
    RelayLog.objects.filter(pk=log.pk).update(activated_at=started, closed_at=closed)
    return log


@pytest.mark.parametrize(
    ("language", "first", "second", "holders"),
    [
        (
            "nn",
            "Frå 01.02.2024 til 30.06.2024",
            "Frå 15.09.2025 til 20.03.2026",
            "Kontaktpersonar, etter kvarandre",
        ),
        (
            "nb",
            "Fra 01.02.2024 til 30.06.2024",
            "Fra 15.09.2025 til 20.03.2026",
            "Kontaktpersoner, etter hverandre",
        ),
        (
            "en",
            "From 01.02.2024 to 30.06.2024",
            "From 15.09.2025 to 20.03.2026",
            "Contact persons, in turn",
        ),
    ],
)
def test_two_closed_logs_for_one_child_are_told_apart(
    world: World, client: Client, language: str, first: str, second: str, holders: str
) -> None:
    tz = timezone.get_current_timezone()
    _closed_log(
        world,
        datetime.datetime(2024, 2, 1, 12, tzinfo=tz),
        datetime.datetime(2024, 6, 30, 12, tzinfo=tz),
    )
    later = _closed_log(
        world,
        datetime.datetime(2025, 9, 15, 12, tzinfo=tz),
        datetime.datetime(2026, 3, 20, 12, tzinfo=tz),
    )
    # The later log's baton went from Siri to Eva before it closed.
    Handover.objects.create(
        log=later,
        from_user=world.school_employee,
        to_user=world.employee,
        to_unit=world.kindergarten,
        proposed_by=world.school_employee,
        message="Over til barnehagen.",
        expires_at=timezone.now(),
        status=Handover.Status.ACCEPTED,
        answered_at=timezone.now(),
    )
    read_as(client, world.guardian, language)
    text = " ".join(html.unescape(visible_text(client.get("/").content.decode())).split())
    assert first in text and second in text
    assert "01.02.2024–30.06.2024" in text and "15.09.2025–20.03.2026" in text
    assert f"{holders} Siri Lærar, Eva Tilsett" in text
