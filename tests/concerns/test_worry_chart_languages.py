"""The worry chart draws in nynorsk and bokmål as in English (issue 11, item 1)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stafett.concerns import services
from stafett.concerns.models import Concern
from tests import factories as f
from tests.concerns.conftest import as_actor
from tests.conftest import World
from tests.markup_checks import localised_numbers

pytestmark = pytest.mark.django_db


def _page(client: Client, user: Any, concern: Concern, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    f.login(client, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("concerns:detail", kwargs={"concern": concern.uuid}))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", ["nn", "nb", "en"])
def test_the_worry_chart_has_the_same_coordinates_in_every_language(
    world: World, concern: Concern, language: str
) -> None:
    today = timezone.localdate()
    for days, score in ((20, 3), (10, 7)):
        services.add_score(
            actor=as_actor(world.employee),
            concern=concern,
            score=score,
            scored_on=today - datetime.timedelta(days=days),
        )
    html = _page(Client(), world.employee, concern, language)
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert localised_numbers(svg) == []
    # Three grid lines at three different heights, and one dot per score.
    heights = re.findall(r'<line [^>]*y1="([0-9.]+)"', svg)
    assert len(heights) == 3 and len(set(heights)) == 3
    assert len(re.findall(r"<circle ", svg)) == concern.scores.count()
    # The page is in the language asked for (the check above means something in nn/nb).
    assert f'lang="{language}"' in html


def test_the_check_finds_a_decimal_comma() -> None:
    assert localised_numbers('<svg><line y1="136,0"/><polyline points="1,2 3,4"/></svg>') == [
        'y1="136,0"'
    ]
    assert localised_numbers('<polyline points="1,5,2 3,4"/>') == ['points="1,5,2 3,4"']
