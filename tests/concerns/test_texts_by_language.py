"""The worry scale's anchor texts and the emergency contacts' "when to call" are written
in the municipality's languages (issue 11, item 3): a reader sees their own language, or
the main language marked with its `lang` and a note that says so."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from stafett.concerns import services
from stafett.concerns.models import Concern, WorryBand
from stafett.organisation.models import EmergencyContact
from tests.concerns.conftest import as_actor
from tests.conftest import World
from tests.markup_checks import visible_text

NN_ONLY = {"nn": "Alvorleg uro: ring barnevernet i dag.", "nb": "Alvorlig uro: ring i dag."}


def bands(top: dict[str, str]) -> list[tuple[int, int, dict[str, str]]]:
    return [
        (1, 4, {"nn": "Lita uro.", "nb": "Liten uro.", "en": "Little worry."}),
        (5, 8, {"nn": "Uro.", "nb": "Uro.", "en": "Worry."}),
        (9, 10, top),
    ]


def save(world: World, top: dict[str, str]) -> None:
    services.save_worry_bands(
        actor=as_actor(world.admin),
        municipality=world.municipality,
        bands=bands(top),
        help_unit=None,
    )


def score_page(client: Any, concern: Concern, language: str = "en") -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("concerns:score", kwargs={"concern": concern.uuid}))
    assert response.status_code == 200
    return str(response.content.decode())


def test_an_english_reader_sees_the_english_anchor_when_it_is_written(
    world: World, concern: Concern, login_as: Any
) -> None:
    save(world, {**NN_ONLY, "en": "Serious worry: call child welfare today."})
    html = score_page(login_as(world.employee), concern)
    assert (
        '<option value="9" lang="en">9 – Serious worry: call child welfare today.</option>' in html
    )
    assert "Alvorleg uro" not in html
    assert "not yet written" not in html
    assert "skala for uro" not in visible_text(html)


def test_an_english_reader_sees_the_nynorsk_anchor_marked_when_english_is_missing(
    world: World, concern: Concern, login_as: Any
) -> None:
    save(world, NN_ONLY)
    html = score_page(login_as(world.employee), concern)
    assert (
        '<option value="10" lang="nn">10 – Alvorleg uro: ring barnevernet i dag.</option>' in html
    )
    assert '<option value="1" lang="en">1 – Little worry.</option>' in html
    assert "(nynorsk — not yet written in English)" in html


@pytest.mark.parametrize(
    ("language", "own", "other"),
    [
        ("nn", "Alvorleg uro: ring barnevernet i dag.", "Alvorlig"),
        ("nb", "Alvorlig uro: ring i dag.", "Alvorleg"),
    ],
)
def test_nynorsk_and_bokmal_readers_see_their_own_anchor(
    world: World, concern: Concern, login_as: Any, language: str, own: str, other: str
) -> None:
    save(world, NN_ONLY)
    html = score_page(login_as(world.employee), concern, language)
    assert f'lang="{language}">10 – {own}</option>' in html
    assert other not in html
    assert "ikkje skrive" not in html and "ikke skrevet" not in html


def test_the_default_anchors_are_in_english_for_an_english_reader(
    world: World, concern: Concern, login_as: Any
) -> None:
    html = score_page(login_as(world.employee), concern)
    assert "10 – Serious worry: act now.</option>" in html
    assert "Alvorleg" not in html and "skala for uro" not in visible_text(html)


# --- the administrator's form ------------------------------------------------------------------


def form_data(**texts: str) -> dict[str, str]:
    data = {"help_unit": ""}
    for key in ("1_2", "3_4", "5_6", "7_8", "9_10"):
        data[f"nn_{key}"] = f"Tekst {key}"
        data[f"nb_{key}"] = f"Tekst {key}"
    data.update(texts)
    return data


def test_the_administrator_writes_the_anchors_in_english_too(world: World, login_as: Any) -> None:
    admin = login_as(world.admin)
    page = admin.get(reverse("concerns:worry_scale")).content.decode()
    assert "9–10 in English" in page and 'name="en_9_10"' in page
    response = admin.post(reverse("concerns:worry_scale"), form_data(en_9_10="Act now."))
    assert response.status_code == 302
    band = WorryBand.objects.get(municipality=world.municipality, low=9)
    assert band.texts == {"nn": "Tekst 9_10", "nb": "Tekst 9_10", "en": "Act now."}


def test_an_anchor_without_the_main_language_changes_nothing(world: World, login_as: Any) -> None:
    admin = login_as(world.admin)
    assert admin.post(reverse("concerns:worry_scale"), form_data()).status_code == 302
    before = list(WorryBand.objects.order_by("low").values_list("texts", flat=True))
    assert len(before) == 5
    response = admin.post(
        reverse("concerns:worry_scale"), form_data(nn_9_10="", en_9_10="Serious worry.")
    )
    assert response.status_code == 200
    assert 'id="id_nn_9_10_error"' in response.content.decode()
    assert list(WorryBand.objects.order_by("low").values_list("texts", flat=True)) == before
    # The service refuses it too, whatever form it comes from.
    with translation.override("en"), pytest.raises(ValidationError, match="main language"):
        save(world, {"en": "Serious worry."})
    assert list(WorryBand.objects.order_by("low").values_list("texts", flat=True)) == before


# --- emergency contacts ---------------------------------------------------------------------


def contact(world: World, **texts: str) -> EmergencyContact:
    return EmergencyContact.objects.create(
        municipality=world.municipality,
        name="Barnevernvakta",
        phone="55 11 11 11",
        descriptions=texts,
    )


def violence_page(client: Any, concern: Concern, language: str = "en") -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("concerns:violence_path", kwargs={"concern": concern.uuid}))
    assert response.status_code == 200
    return str(response.content.decode())


def test_the_violence_path_shows_when_to_call_in_the_readers_language_or_marked(
    world: World, concern: Concern, login_as: Any
) -> None:
    item = contact(world, nn="Kveld og helg.")
    client = login_as(world.employee)
    html = violence_page(client, concern)
    assert (
        '<span lang="nn">Kveld og helg.</span> '
        '<span class="muted text-fallback">(nynorsk — not yet written in English)</span>'
    ) in html
    html = violence_page(client, concern, "nb")
    assert "(nynorsk — ikke skrevet på bokmål ennå)" in html
    html = violence_page(client, concern, "nn")
    assert '<span lang="nn">Kveld og helg.</span>' in html and "ikkje skrive" not in html
    item.descriptions = {"nn": "Kveld og helg.", "en": "Evenings and weekends."}
    item.save()
    html = violence_page(client, concern)
    assert '<span lang="en">Evenings and weekends.</span>' in html
    assert "not yet written" not in html and "Kveld og helg." not in html


def test_the_contacts_form_offers_every_language_and_needs_the_main_one(
    world: World, login_as: Any
) -> None:
    admin = login_as(world.admin)
    url = reverse("organisation:contacts")
    page = admin.get(url).content.decode()
    assert "When to call, in Nynorsk" in page and "When to call, in English" in page
    base = {"name": "Politiet", "phone": "02800", "position": "0"}
    response = admin.post(url, {**base, "description_en": "When it is not urgent."})
    assert response.status_code == 200
    assert "Write “when to call” in nynorsk too" in response.content.decode()
    assert not EmergencyContact.objects.filter(name="Politiet").exists()
    response = admin.post(
        url, {**base, "description_nn": "Når det ikkje hastar.", "description_en": "Not urgent."}
    )
    assert response.status_code == 302
    saved = EmergencyContact.objects.get(name="Politiet")
    assert saved.descriptions == {"nn": "Når det ikkje hastar.", "en": "Not urgent."}
    edit = reverse("organisation:contact_edit", kwargs={"contact": saved.uuid})
    page = admin.get(edit).content.decode()
    assert 'value="Not urgent."' in page and 'lang="en"' in page
