"""Issue 11, item 10: a parent without parental responsibility reads, on her home page
and where a log's address leads her, in words for a parent why there is nothing for her
and whom to ask, with nothing telling whether a log exists."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories as f
from tests.conftest import World
from tests.family.conftest import LogWorld, read_as
from tests.markup_checks import visible_text

WORDS = {
    "nn": ("Her er det ingenting for deg å lese", "barnehagen, skulen eller helsestasjonen"),
    "nb": ("Her er det ingenting for deg å lese", "barnehagen, skolen eller helsestasjonen"),
    "en": ("There is nothing here for you to read", "kindergarten, school or health visitor"),
}


def _text(client: Client, url: str) -> str:
    return " ".join(html.unescape(visible_text(client.get(url).content.decode())).split())


@pytest.mark.parametrize("language", ["nn", "nb", "en"])
def test_her_home_explains_in_words_for_a_parent(
    active_log: LogWorld, client: Client, language: str
) -> None:
    w = active_log.world
    read_as(client, w.guardian_without_responsibility, language)
    text = _text(client, "/")
    title, whom = WORDS[language]
    assert title in text and whom in text
    assert "Ask your leader" not in text and "leiaren din" not in text and "lederen din" not in text
    assert "Mia" not in text
    # The log's address: not found, with the same words for a parent.
    response = client.get(reverse("logs:detail", kwargs={"log": active_log.log.uuid}))
    assert response.status_code == 404
    assert whom in " ".join(html.unescape(visible_text(response.content.decode())).split()).lower()


def test_the_words_do_not_tell_whether_a_log_exists(
    world: World, active_log: LogWorld, client: Client
) -> None:
    """A resident with no child in Stafett at all reads the same page."""
    stranger = f.make_user(world.municipality, kind="citizen", username="nabo")
    read_as(client, world.guardian_without_responsibility)
    with_log = _text(client, "/").replace("Per", "X")
    read_as(client, stranger)
    without = _text(client, "/")
    start, end = with_log.index("There is nothing"), with_log.index("works with children")
    assert with_log[start:end] in without


def test_staff_without_a_role_keep_their_own_words(world: World, client: Client) -> None:
    newcomer = f.make_user(world.municipality, username="ny")
    read_as(client, newcomer)
    text = _text(client, "/")
    assert "Ask your leader" in text and "There is nothing here for you to read" not in text
