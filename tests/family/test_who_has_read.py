"""Issue 11, item 7: "Who has read our log" in words for a parent. A refused attempt is a
sentence about the person who tried; a reversed period gets a clear message and keeps
the dates; the youth who consents alone is told what his guardians see, and his own
visits are not shown to them."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from stafett.audit.models import AccessLogEntry
from stafett.consent.services import withdraw_consent
from stafett.logs.models import RelayLog
from tests.conftest import World
from tests.family.conftest import LogWorld, as_actor, read_as
from tests.markup_checks import visible_text


def _list(client: Client, log: RelayLog, query: str = "") -> str:
    response = client.get(reverse("logs:access_list", kwargs={"log": log.uuid}) + query)
    assert response.status_code == 200
    return html.unescape(visible_text(response.content.decode()))


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "Siri Lærar tried to open the log, but was not let in."),
        ("nn", "Siri Lærar prøvde å opne loggen, men fekk ikkje tilgang."),
        ("nb", "Siri Lærar prøvde å åpne loggen, men fikk ikke tilgang."),
    ],
)
def test_a_refused_attempt_reads_as_a_person_who_tried(
    active_log: LogWorld, client: Client, language: str, sentence: str
) -> None:
    w = active_log.world
    withdraw_consent(actor=as_actor(w.guardian), log=active_log.log)
    read_as(client, w.school_employee)
    assert (
        client.get(reverse("logs:detail", kwargs={"log": active_log.log.uuid})).status_code == 403
    )
    assert (
        AccessLogEntry.objects.filter(actor=w.school_employee).exclude(outcome="allowed").exists()
    )
    read_as(client, w.guardian, language)
    text = " ".join(_list(client, active_log.log).split())
    assert sentence in text
    assert "tried, but was refused" not in text and "Another part of the log" not in text


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "The “To” date is before the “From” date"),
        ("nn", "«Til»-datoen er før «Frå»-datoen"),
        ("nb", "«Til»-datoen er før «Fra»-datoen"),
    ],
)
def test_a_reversed_period_is_explained_and_the_dates_are_kept(
    active_log: LogWorld, client: Client, language: str, message: str
) -> None:
    read_as(client, active_log.world.guardian, language)
    url = reverse("logs:access_list", kwargs={"log": active_log.log.uuid})
    page = client.get(url + "?since=2026-05-10&until=2026-05-01").content.decode()
    assert message in html.unescape(page)
    assert 'value="2026-05-10"' in page and 'value="2026-05-01"' in page
    # No "0 reads" as if no one had read it.
    assert "0 reads" not in page and "0 lesingar" not in page
    # In order, the same dates filter as before.
    fine = client.get(url + "?since=2026-05-01&until=2026-05-10").content.decode()
    assert message not in html.unescape(fine)


def test_the_youth_is_told_and_his_own_visits_are_kept_from_his_guardians(
    jonas_log: RelayLog, world: World, client: Client
) -> None:
    read_as(client, world.employee)
    assert client.get(reverse("logs:detail", kwargs={"log": jonas_log.uuid})).status_code == 200
    read_as(client, world.youth, "nn")
    detail = client.get(reverse("logs:detail", kwargs={"log": jonas_log.uuid})).content.decode()
    assert "men ikkje dine eigne besøk" in html.unescape(detail)
    own = _list(client, jonas_log)
    assert "men ikkje dine eigne besøk" in own and "Jonas Ung" in own
    # His mother, reading because Jonas lets her, sees everyone's reads but his.
    read_as(client, world.guardian, "nn")
    text = _list(client, jonas_log)
    assert "Gro Mor" in text and "Eva Tilsett" in text
    assert "Jonas Ung" not in text
    assert "Besøka til Jonas sjølv er ikkje viste her" in text
