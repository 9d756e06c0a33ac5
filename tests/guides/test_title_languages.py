"""Guide and tool titles in lists, and a tool's title and questions while it is filled in,
say which language they are in when they fall back: the title carries its `lang`, a
list has the language's name beside a fallback title and one note for the whole list, a
form one note at its top. A reader whose language is written sees no note."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from stafett.concerns.models import Concern
from stafett.guides import services
from stafett.guides.models import FormTemplate
from stafett.guides.selectors import public_guides, tools_to_choose
from tests.concerns.conftest import register
from tests.conftest import World
from tests.guides.builders import as_actor, make_guide, make_tool
from tests.logs.conftest import LogWorld

pytestmark = pytest.mark.django_db

TITLE_NOTE_EN = "Some titles are shown in nynorsk because they are not written in English yet."
GUIDE_NN = "Rettleiar for barnehage og skule"
TOOL_NN = "Observasjonsskjema"


def marked(title: str, language: str = "nn", name: str = "nynorsk") -> str:
    """A fallback title in a list: its `lang` and the language's name beside it."""
    tag = f'<span class="muted text-fallback">({name})</span>'
    return f'<span lang="{language}">{title}</span> {tag}'


def read(client: Client, url: str, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return str(response.content.decode())


def section(html: str, heading_id: str) -> str:
    return html.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


def english_guide(world: World) -> None:
    """A second guide the municipality has written in English too."""
    services.create_guide(
        actor=as_actor(world.admin),
        municipality=world.municipality,
        category="",
        titles={"nn": "Vald i nære relasjonar", "en": "Violence in close relationships"},
    )
    guide = services.create_guide(
        actor=as_actor(world.admin),
        municipality=world.municipality,
        category="",
        titles={"nn": "Rus i familien", "en": "Substance use in the family"},
    )
    services.publish_guide(actor=as_actor(world.admin), guide=guide)


def test_an_english_reader_sees_the_nynorsk_titles_of_the_guide_lists_marked(
    world: World, login_as: Any
) -> None:
    make_guide(world)
    english_guide(world)
    client = login_as(world.admin)
    admin = section(read(client, reverse("guides:admin_guides"), "en"), "list-heading")
    assert marked(GUIDE_NN) in admin
    assert '<span lang="en">Violence in close relationships</span></a>' in admin
    assert admin.count(TITLE_NOTE_EN) == 1
    public_url = reverse("guides:public_guides", kwargs={"municipality": world.municipality.slug})
    public = section(read(Client(), public_url, "en"), "guides-heading")
    assert marked(GUIDE_NN) in public
    assert '<span lang="en">Substance use in the family</span></a>' in public
    assert public.count(TITLE_NOTE_EN) == 1


@pytest.mark.parametrize("language", ["nn", "nb"])
def test_readers_of_a_written_language_see_no_note_in_the_guide_lists(
    world: World, login_as: Any, language: str
) -> None:
    make_guide(world)  # written in nynorsk and bokmål
    public_url = reverse("guides:public_guides", kwargs={"municipality": world.municipality.slug})
    title = GUIDE_NN if language == "nn" else "Veileder for barnehage og skole"
    for html in (
        read(login_as(world.admin), reverse("guides:admin_guides"), language),
        read(Client(), public_url, language),
    ):
        assert f'<span lang="{language}">{title}</span></a>' in html
        assert "text-fallback" not in html


def test_the_tool_list_marks_a_fallback_title_in_english_and_bokmal(
    world: World, login_as: Any
) -> None:
    make_tool(world)  # nynorsk and bokmål
    services.create_form_template(
        actor=as_actor(world.admin),
        municipality=world.municipality,
        kind="mapping",
        titles={"nn": "Kartleggingsskjema"},
    )
    client = login_as(world.admin)
    html = section(read(client, reverse("guides:admin_templates"), "en"), "list-heading")
    assert marked(TOOL_NN) in html and marked("Kartleggingsskjema") in html
    assert html.count(TITLE_NOTE_EN) == 1
    html = section(read(client, reverse("guides:admin_templates"), "nb"), "list-heading")
    assert f'<span lang="nb">{TOOL_NN}</span></a>' in html
    assert marked("Kartleggingsskjema", name="nynorsk") in html
    assert "Noen titler vises på nynorsk fordi de ikke er skrevet på bokmål ennå." in html
    html = read(client, reverse("guides:admin_templates"), "nn")
    assert "text-fallback" not in html


def test_the_note_names_both_languages_when_titles_fall_back_to_two(world: World) -> None:
    from django.utils import translation

    from stafett.core.texts import list_fallback_note

    with translation.override("en"):
        assert list_fallback_note(["nn", "en", "nb", "nn"], "en") == (
            "Some titles are shown in nynorsk or bokmål because they are not written in "
            "English yet."
        )
        assert list_fallback_note(["en", "en"], "en") == ""
    # The selectors give each title its language, for the lists to mark.
    make_guide(world)
    make_tool(world)
    assert [r.language for r in public_guides(world.municipality.id, "en", "nn")] == ["nn"]
    assert [t.language for t in tools_to_choose(world.municipality.id, "nb", "nn")] == ["nb"]


def test_the_guide_tools_beside_a_log_and_the_filled_forms_are_marked(
    active_log: LogWorld, login_as: Any
) -> None:
    w = active_log.world
    tool = make_tool(w)
    make_guide(w, tools=[tool])
    client = login_as(w.employee)
    log_url = reverse("logs:detail", kwargs={"log": active_log.log.uuid})
    html = section(read(client, log_url, "en"), "guide-at-step")
    tool_url = reverse("guides:tool", kwargs={"template": tool.uuid})
    assert f'<a href="{tool_url}">{marked(TOOL_NN)}</a>' in html
    assert f'<span class="visually-hidden"> <span lang="nn">{TOOL_NN}</span></span>' in html
    assert html.count(TITLE_NOTE_EN) == 1
    assert "text-fallback" not in section(read(client, log_url, "nn"), "guide-at-step")

    fill_url = reverse("guides:fill", kwargs={"template": tool.uuid, "log": active_log.log.uuid})
    text = tool.versions.get(number=1).fields.order_by("position").first()
    assert text is not None
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nn"
    assert client.post(fill_url, {f"f{text.id}": "Sat åleine."}).status_code == 302
    filled = section(read(client, log_url, "en"), "filled-forms")
    assert marked(TOOL_NN) in filled and TITLE_NOTE_EN in filled
    assert "text-fallback" not in section(read(client, log_url, "nn"), "filled-forms")


def test_the_tools_offered_on_a_concern_are_marked(world: World, login_as: Any) -> None:
    listed = make_tool(world)
    make_tool(world, title="Kartleggingsskjema")
    make_guide(world, level=0, step="assess", what="Skriv ned.", tools=[listed])
    concern: Concern = register(world)
    client = login_as(world.employee)
    url = reverse("concerns:detail", kwargs={"concern": concern.uuid})
    html = read(client, url, "en")
    others = section(html, "other-tools")
    assert marked("Kartleggingsskjema") in others and others.count(TITLE_NOTE_EN) == 1
    assert (
        '<span class="visually-hidden"> <span lang="nn">Kartleggingsskjema</span></span>' in others
    )
    step = section(html, "guide-at-step")
    assert marked(TOOL_NN) in step and step.count(TITLE_NOTE_EN) == 1
    html = read(client, url, "nn")
    assert "text-fallback" not in section(html, "other-tools")
    assert "text-fallback" not in section(html, "guide-at-step")


def fill_pages(world: World, tool: FormTemplate, active_log: LogWorld) -> list[str]:
    concern = register(world)
    return [
        reverse("guides:fill", kwargs={"template": tool.uuid, "log": active_log.log.uuid}),
        reverse("guides:fill_concern", kwargs={"template": tool.uuid, "concern": concern.uuid}),
        reverse("guides:tool", kwargs={"template": tool.uuid}),
    ]


def test_an_english_reader_fills_in_a_nynorsk_form_marked(
    active_log: LogWorld, login_as: Any
) -> None:
    w = active_log.world
    tool = make_tool(w)
    client = login_as(w.employee)
    for url in fill_pages(w, tool, active_log):
        html = read(client, url, "en")
        assert f'<h1 lang="nn">{TOOL_NN}</h1>' in html
        assert html.count("text-fallback") == 1
        assert "This form is shown in nynorsk because it is not written in English yet." in html
        assert '<span lang="nn">Kva såg du?</span>' in html
        assert '<h2 lang="nn">6–12 år</h2>' in html
        assert '<span lang="nn">Kor uroa er du?</span>' in html
        if "/fill" in url:  # the form the person fills in
            assert '<span lang="nn">Kva såg du?</span></label>' in html
            assert '<span lang="nn">Skriv det du såg, ikkje kva du trur.</span>' in html
            assert '<span lang="nn">Trekkjer seg unna</span>' in html
        else:  # the tool's page, read before filling it in
            assert '<p class="helptext" lang="nn">Skriv det du såg, ikkje kva du trur.</p>' in html
            assert '<ul lang="nn"><li>Trekkjer seg unna</li>' in html


def test_a_nynorsk_reader_sees_no_note_and_a_bokmal_reader_the_one_question_marked(
    active_log: LogWorld, login_as: Any
) -> None:
    w = active_log.world
    tool = make_tool(w)  # every question in nynorsk, all but the scale in bokmål
    client = login_as(w.employee)
    for url in fill_pages(w, tool, active_log):
        html = read(client, url, "nn")
        assert f"<h1>{TOOL_NN}</h1>" in html
        assert "text-fallback" not in html and '<span lang="nn">Kva såg du?' not in html
        html = read(client, url, "nb")
        assert f"<h1>{TOOL_NN}</h1>" in html
        assert (
            "Deler av dette skjemaet vises på nynorsk fordi de ikke er skrevet på bokmål ennå."
            in html
        )
        assert '<span lang="nn">Kor uroa er du?</span>' in html
        assert "Hva så du?" in html and '<span lang="nn">Hva så du?' not in html
        assert '<h2 lang="nn">' not in html


def test_the_tools_to_choose_for_a_guide_step_are_marked(world: World, login_as: Any) -> None:
    tool = make_tool(world)
    guide = make_guide(world, tools=[tool])
    url = reverse("guides:admin_step", kwargs={"guide": guide.uuid, "level": 2, "step": "start"})
    client = login_as(world.admin)
    html = read(client, url, "en")
    assert f" {marked(TOOL_NN)}</label>" in html
    assert html.count(TITLE_NOTE_EN) == 1
    html = read(client, url, "nb")
    assert f' <span lang="nb">{TOOL_NN}</span></label>' in html
    assert "Noen titler" not in html
