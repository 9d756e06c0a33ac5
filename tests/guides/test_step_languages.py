"""Guide steps in a language the municipality has not written yet are shown in its main
language, marked with `lang` and a note (issue 11, item 3); the main language is needed."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from stafett.guides import services
from stafett.guides.models import GuideStepText
from tests.conftest import World
from tests.guides.builders import as_actor, make_guide


def public_guide(world: World, guide: Any, language: str) -> str:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    url = reverse(
        "guides:public_guide", kwargs={"municipality": world.municipality.slug, "guide": guide.uuid}
    )
    response = client.get(url)
    assert response.status_code == 200
    return str(response.content.decode())


def test_an_english_reader_sees_the_nynorsk_step_marked(world: World) -> None:
    guide = make_guide(world, what="Lag ein felles plan.")
    html = public_guide(world, guide, "en")
    assert '<dd lang="nn">Lag ein felles plan.</dd>' in html
    assert '<p class="muted text-fallback">(nynorsk — not yet written in English)</p>' in html
    assert '<h1 lang="nn">Rettleiar for barnehage og skule</h1>' in html


def test_readers_of_the_written_languages_see_no_note(world: World) -> None:
    guide = make_guide(world, what="Lag ein felles plan.")
    html = public_guide(world, guide, "nn")
    assert '<dd lang="nn">Lag ein felles plan.</dd>' in html and "text-fallback" not in html
    html = public_guide(world, guide, "nb")
    # The step is written in nynorsk only: a bokmål reader is told so, in bokmål.
    assert "(nynorsk — ikke skrevet på bokmål ennå)" in html


def test_a_step_written_in_english_is_shown_in_english(world: World) -> None:
    guide = make_guide(world, what="Lag ein felles plan.")
    services.update_guide_step(
        actor=as_actor(world.admin),
        guide=guide,
        level=2,
        step="start",
        texts={"nn": {"what": "Lag ein felles plan."}, "en": {"what": "Make a shared plan."}},
        tools=[],
    )
    services.publish_guide(actor=as_actor(world.admin), guide=guide)
    html = public_guide(world, guide, "en")
    assert '<dd lang="en">Make a shared plan.</dd>' in html
    # Only the guide's title is still nynorsk, and only it is marked.
    assert html.count("(nynorsk — not yet written in English)") == 1


def test_a_step_without_the_main_language_is_refused_and_changes_nothing(
    world: World, login_as: Any
) -> None:
    guide = make_guide(world, what="Lag ein felles plan.")
    before = sorted(GuideStepText.objects.values_list("language", "what"))
    with translation.override("en"), pytest.raises(ValidationError, match="main language"):
        services.update_guide_step(
            actor=as_actor(world.admin),
            guide=guide,
            level=2,
            step="start",
            texts={"en": {"what": "Make a shared plan."}},
            tools=[],
        )
    url = reverse("guides:admin_step", kwargs={"guide": guide.uuid, "level": 2, "step": "start"})
    response = login_as(world.admin).post(url, {"what_en": "Make a shared plan."})
    assert response.status_code == 200
    assert "in nynorsk, the municipality&#x27;s main language" in response.content.decode()
    assert sorted(GuideStepText.objects.values_list("language", "what")) == before
