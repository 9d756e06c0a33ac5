"""The one picker and renderer for texts the municipality writes (core/texts.py), and the
migrations that moved the nynorsk/bokmål columns to texts by language without loss."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from stafett.core.texts import language_order, pick_text, render_shown


def test_the_reader_then_the_main_language_then_the_rest() -> None:
    assert language_order("en", "nb") == ["en", "nb", "nn"]
    texts = {"nn": "Nynorsk tekst", "nb": "Bokmålstekst"}
    assert pick_text(texts, main="nb", language="en").language == "nb"
    assert pick_text(texts, main="nn", language="en").language == "nn"
    assert pick_text(texts, main="nn", language="nb").language == "nb"
    assert pick_text({"en": "Only English"}, main="nn", language="nn").language == "en"
    assert not pick_text({"nn": "   "}, main="nn", language="en")


def test_a_fallback_is_marked_and_the_text_is_escaped() -> None:
    with translation.override("en"):
        shown = pick_text({"nn": "<b>Ring</b> no"}, main="nn")
        assert str(render_shown(shown)) == (
            '<span lang="nn">&lt;b&gt;Ring&lt;/b&gt; no</span> '
            '<span class="muted text-fallback">(nynorsk — not yet written in English)</span>'
        )
    with translation.override("nn"):
        shown = pick_text({"nn": "Ring no", "en": "Call now"}, main="nn")
        assert str(render_shown(shown)) == '<span lang="nn">Ring no</span>'
        shown = pick_text({"nb": "Ring nå"}, main="nb")
        assert shown.note == "(bokmål — ikkje skrive på nynorsk enno)"


@pytest.mark.django_db(transaction=True)
def test_the_migrations_keep_the_nynorsk_and_bokmal_texts() -> None:
    executor = MigrationExecutor(connection)
    before = [
        ("concerns", "0006_attach_to_an_existing_log"),
        ("organisation", "0003_municipality_slug"),
    ]
    after = [
        ("concerns", "0007_worry_band_texts_by_language"),
        ("organisation", "0004_emergency_contact_descriptions_by_language"),
    ]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    place = old.get_model("organisation", "Municipality").objects.create(
        name="Gamlevik kommune", slug="gamlevik", language="nb"
    )
    old.get_model("concerns", "WorryBand").objects.create(
        municipality=place, low=1, high=10, text_nn="Uro i nynorsk", text_nb="Uro på bokmål"
    )
    old.get_model("organisation", "EmergencyContact").objects.create(
        municipality=place, name="Politiet", phone="02800", description="Når det ikke haster"
    )
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    band = new.get_model("concerns", "WorryBand").objects.get(municipality_id=place.id)
    assert band.texts == {"nn": "Uro i nynorsk", "nb": "Uro på bokmål"}
    contact = new.get_model("organisation", "EmergencyContact").objects.get(name="Politiet")
    assert contact.descriptions == {"nb": "Når det ikke haster"}
    # And back again, without loss.
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    back = executor.loader.project_state(before).apps
    band = back.get_model("concerns", "WorryBand").objects.get(municipality_id=place.id)
    assert (band.text_nn, band.text_nb) == ("Uro i nynorsk", "Uro på bokmål")
    contact = back.get_model("organisation", "EmergencyContact").objects.get(name="Politiet")
    assert contact.description == "Når det ikke haster"
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
