"""Issue 11, items 6 and 8: the family reads plain words where staff read the BTI terms
(level and step, "Felles forståing", "aktør", "Barnet si stemme"), in nynorsk, bokmål
and English; a youth's own entries are "What you wrote" to him and "What Jonas wrote" to
everyone else."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from stafett.logs.models import EntryKind, RelayLog
from stafett.logs.services import add_entry, move
from tests.conftest import World
from tests.family.conftest import LogWorld, as_actor, read_as
from tests.markup_checks import visible_text

# (language, jargon the family must not read, the plain words they read instead)
WORDS = {
    "nn": {
        "jargon": ["Nivå 2", "Gjennomføring av tiltak", "Felles forståing", "aktør"],
        "plain": [
            "To tenester samarbeider",
            "Vi gjer det vi vart samde om",
            "Det vi ser saman",
            "hjelpar",
        ],
    },
    "nb": {
        "jargon": ["Nivå 2", "Gjennomføring av tiltak", "Felles forståelse", "aktør"],
        "plain": [
            "To tjenester samarbeider",
            "Vi gjør det vi ble enige om",
            "Det vi ser sammen",
            "hjelper",
        ],
    },
    "en": {
        "jargon": ["Level 2", "Carrying out measures", "Shared understanding", "participant"],
        "plain": [
            "Two services work together",
            "Doing what we agreed",
            "What we see together",
            "helper",
        ],
    },
}


def _page(client: Client, name: str, log: RelayLog) -> str:
    response = client.get(reverse(name, kwargs={"log": log.uuid}))
    assert response.status_code == 200
    return html.unescape(visible_text(response.content.decode()))


@pytest.fixture
def busy_log(active_log: LogWorld) -> LogWorld:
    """Mia's log at level 2, carrying out measures, with a shared understanding written
    by Siri (a participant) and Mia's words written down by Eva."""
    w = active_log.world
    eva = as_actor(w.employee)
    log = active_log.log
    move(actor=eva, log=log, to_step="measures", reason="Planen er klar.")
    add_entry(
        actor=as_actor(w.school_employee),
        log=log,
        kind=EntryKind.UNDERSTANDING,
        body="Mia er stille i friminutta.",
    )
    add_entry(actor=eva, log=log, kind=EntryKind.CHILD_VOICE, body="Mia seier ho likar å teikne.")
    return active_log


@pytest.mark.parametrize("language", ["nn", "nb", "en"])
def test_the_family_reads_plain_words_on_the_log_page_print_and_home(
    busy_log: LogWorld, client: Client, language: str
) -> None:
    words = WORDS[language]
    read_as(client, busy_log.world.guardian, language)
    pages = {
        "detail": _page(client, "logs:detail", busy_log.log),
        "print": _page(client, "logs:print", busy_log.log),
    }
    home = client.get(reverse("home:home"))
    pages["home"] = html.unescape(visible_text(home.content.decode()))
    for name, text in pages.items():
        for jargon in words["jargon"]:
            if name == "home" and jargon in (
                "Felles forståing",
                "Felles forståelse",
                "Shared understanding",
                "aktør",
                "participant",
                "helper",
            ):
                continue
            assert jargon not in text, (name, jargon)
    detail = pages["detail"]
    for plain in words["plain"]:
        assert plain in detail, plain
    assert words["plain"][0] in pages["home"] and words["plain"][1] in pages["home"]
    assert words["plain"][0] in pages["print"] and words["plain"][2] in pages["print"]
    said = {"nn": "Det Mia sa", "nb": "Det Mia sa", "en": "What Mia said"}[language]
    assert said in detail
    assert {"nn": "Barnet si stemme", "nb": "Barnets stemme", "en": "The child's voice"}[
        language
    ] not in detail


@pytest.mark.parametrize("language", ["nn", "en"])
def test_staff_keep_the_bti_terms(busy_log: LogWorld, client: Client, language: str) -> None:
    words = WORDS[language]
    read_as(client, busy_log.world.employee, language)
    detail = _page(client, "logs:detail", busy_log.log)
    for jargon in words["jargon"][:3]:
        assert jargon in detail, jargon
    assert {"nn": "Barnet si stemme", "en": "The child's voice"}[language] in detail
    assert words["plain"][0] not in detail and words["plain"][2] not in detail


@pytest.mark.parametrize(
    ("language", "mine", "his"),
    [
        ("nn", "Det du skreiv", "Det Jonas skreiv"),
        ("nb", "Det du skrev", "Det Jonas skrev"),
        ("en", "What you wrote", "What Jonas wrote"),
    ],
)
def test_the_youth_reads_his_own_words_as_his(
    jonas_log: RelayLog, world: World, client: Client, language: str, mine: str, his: str
) -> None:
    read_as(client, world.youth, language)
    text = _page(client, "logs:detail", jonas_log)
    assert mine in text and his not in text
    assert "Barnet si stemme" not in text and "The child's voice" not in text
    # His mother, and the staff, read his name.
    for reader in (world.guardian, world.employee):
        read_as(client, reader, language)
        text = _page(client, "logs:detail", jonas_log)
        assert his in text and mine not in text, reader


def test_the_family_reads_services_not_units_in_their_consent_history(
    active_log: LogWorld, client: Client
) -> None:
    read_as(client, active_log.world.guardian, "nn")
    family = _page(client, "logs:consent", active_log.log)
    assert "Tenester som kan vere med" in family and "Einingar som kan vere med" not in family
    read_as(client, active_log.world.employee, "nn")
    staff = _page(client, "logs:consent", active_log.log)
    assert "Einingar som kan vere med" in staff
