"""The municipality's public guides have a readable address (issue 11, item 21)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from stafett.organisation.models import Municipality, municipality_slug
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_a_municipality_gets_a_readable_short_name() -> None:
    assert municipality_slug("Fjordvik kommune") == "fjordvik"
    assert municipality_slug("Bø kommune") == "bo"
    assert municipality_slug("Sør-Fron") == "sor-fron"
    assert Municipality.objects.create(name="Ålesund kommune").slug == "alesund"


def test_the_public_guides_live_at_the_short_name(world: World, client: Client) -> None:
    assert world.municipality.slug == "testvik"
    response = client.get("/m/testvik/guides/")
    assert response.status_code == 200
    assert world.municipality.name in response.content.decode()


def test_the_old_address_with_the_id_leads_to_the_short_name(world: World, client: Client) -> None:
    response = client.get(f"/m/{world.municipality.uuid}/guides/")
    assert response.status_code == 301 and response["Location"] == "/m/testvik/guides/"
    assert client.get("/m/no-such-place/guides/").status_code == 404


def test_the_administrators_home_shows_the_address_and_no_promise(
    world: World, login_as: Any
) -> None:
    html = login_as(world.admin).get("/").content.decode()
    assert "http://testserver/m/testvik/guides/" in html
    assert "will come here" not in html
    for link in ("/municipality/guides/", "/municipality/consent-texts/"):
        assert f'href="{link}"' in html
