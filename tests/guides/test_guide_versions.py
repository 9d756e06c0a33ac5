"""Action guides: a draft is edited, previewed and published as a new version; old
versions stay readable; readers get the latest published version in their language."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from stafett.guides import selectors, services
from stafett.guides.models import Guide, GuideStep, GuideStepText, GuideVersion
from stafett.organisation.models import ServiceCategory
from tests.conftest import World
from tests.guides.builders import as_actor, make_guide, make_tool

pytestmark = pytest.mark.django_db


def _step_text(version: GuideVersion, level: int = 2, step: str = "start") -> str:
    view = selectors.guide_step_view(version, level, step, "nn", "nn")
    assert view is not None
    return view.what


def test_a_new_guide_has_every_level_and_step_in_its_first_draft(world: World) -> None:
    guide = make_guide(world, publish=False)
    draft = selectors.guide_draft(guide)
    assert draft is not None and draft.number == 1
    steps = set(GuideStep.objects.filter(version=draft).values_list("level", "step"))
    assert len(steps) == 4 + 3 * 5
    assert (0, "assess") in steps and (3, "decision") in steps
    assert selectors.latest_published(guide) is None


def test_publishing_makes_a_new_version_and_the_old_stays_readable(world: World) -> None:
    admin = as_actor(world.admin)
    guide = make_guide(world, what="Første tekst.")
    first = selectors.latest_published(guide)
    assert first is not None and first.number == 1

    services.update_guide_step(
        actor=admin,
        guide=guide,
        level=2,
        step="start",
        texts={"nn": {"what": "Ny tekst."}},
        tools=[],
    )
    # Until it is published, readers still see version 1.
    assert selectors.latest_published(guide) == first
    draft = selectors.guide_draft(guide)
    assert draft is not None and draft.number == 2
    assert _step_text(draft) == "Ny tekst."

    second = services.publish_guide(actor=admin, guide=guide)
    assert second.number == 2
    assert selectors.latest_published(guide) == second
    assert _step_text(second) == "Ny tekst."
    assert _step_text(first) == "Første tekst."  # the old version is unchanged
    # The draft copied the rest of the guide: its title and the other steps.
    assert selectors.guide_view(second, "nn", "nn").title == "Rettleiar for barnehage og skule"


def test_the_text_falls_back_to_the_municipality_language_then_any(world: World) -> None:
    guide = make_guide(world, what="Berre på nynorsk.")
    version = selectors.latest_published(guide)
    assert version is not None
    # English asked for, nynorsk municipality: the nynorsk text.
    view = selectors.guide_step_view(version, 2, "start", "en", "nn")
    assert view is not None and view.what == "Berre på nynorsk."
    # Bokmål asked for in a bokmål municipality: still the only text there is.
    view = selectors.guide_step_view(version, 2, "start", "nb", "nb")
    assert view is not None and view.what == "Berre på nynorsk."


def test_bokmal_readers_see_the_bokmal_text_when_there_is_one(world: World) -> None:
    admin = as_actor(world.admin)
    guide = make_guide(world)
    services.update_guide_step(
        actor=admin,
        guide=guide,
        level=1,
        step="planning",
        texts={"nn": {"what": "Set mål."}, "nb": {"what": "Sett mål."}},
        tools=[],
    )
    version = services.publish_guide(actor=admin, guide=guide)
    assert selectors.guide_step_view(version, 1, "planning", "nb", "nn").what == "Sett mål."  # type: ignore[union-attr]
    assert selectors.guide_step_view(version, 1, "planning", "nn", "nn").what == "Set mål."  # type: ignore[union-attr]


def test_a_step_that_does_not_exist_at_the_level_is_refused(world: World) -> None:
    guide = make_guide(world)
    with pytest.raises(ValidationError):
        services.update_guide_step(
            actor=as_actor(world.admin),
            guide=guide,
            level=0,
            step="planning",
            texts={"nn": {"what": "x"}},
            tools=[],
        )
    with pytest.raises(ValidationError):
        services.update_guide_step(
            actor=as_actor(world.admin),
            guide=guide,
            level=4,
            step="start",
            texts={"nn": {"what": "x"}},
            tools=[],
        )
    assert selectors.guide_draft(guide) is None  # nothing changed


def test_a_step_without_what_to_do_is_refused_and_changes_nothing(world: World) -> None:
    guide = make_guide(world)
    with pytest.raises(ValidationError):
        services.update_guide_step(
            actor=as_actor(world.admin),
            guide=guide,
            level=1,
            step="start",
            texts={"nn": {"what": "   ", "how": "Slik."}},
            tools=[],
        )
    assert selectors.guide_draft(guide) is None


def test_publishing_without_changes_is_refused(world: World) -> None:
    guide = make_guide(world)
    with pytest.raises(ValidationError):
        services.publish_guide(actor=as_actor(world.admin), guide=guide)
    assert GuideVersion.objects.filter(guide=guide).count() == 1


def test_only_one_guide_per_service_category(world: World) -> None:
    make_guide(world)
    with pytest.raises(ValidationError):
        make_guide(world)
    assert Guide.objects.filter(municipality=world.municipality).count() == 1
    make_guide(world, category="")  # an extra guide without a category is fine
    make_guide(world, category=ServiceCategory.HELP)


def test_a_discarded_draft_leaves_the_published_version(world: World) -> None:
    admin = as_actor(world.admin)
    guide = make_guide(world, what="Gjeld.")
    services.update_guide_step(
        actor=admin, guide=guide, level=2, step="start", texts={"nn": {"what": "Utkast."}}, tools=[]
    )
    services.discard_guide_draft(actor=admin, guide=guide)
    assert selectors.guide_draft(guide) is None
    version = selectors.latest_published(guide)
    assert version is not None and _step_text(version) == "Gjeld."


def test_staff_and_other_municipalities_cannot_edit_guides(world: World) -> None:
    guide = make_guide(world)
    with pytest.raises(PermissionDenied):
        services.update_guide_step(
            actor=as_actor(world.employee),
            guide=guide,
            level=1,
            step="start",
            texts={"nn": {"what": "x"}},
            tools=[],
        )
    with pytest.raises(Http404):
        services.publish_guide(actor=as_actor(world.other_staff), guide=guide)
    assert not GuideStepText.objects.filter(what="x").exists()


def test_a_withdrawn_tool_cannot_be_added_but_one_already_there_stays(world: World) -> None:
    admin = as_actor(world.admin)
    kept = make_tool(world, title="Kartlegging")
    other = make_tool(world, title="Anna")
    guide = make_guide(world, tools=[kept])
    services.withdraw_form_template(actor=admin, template=kept)
    services.withdraw_form_template(actor=admin, template=other)
    with pytest.raises(ValidationError):
        services.update_guide_step(
            actor=admin,
            guide=guide,
            level=2,
            step="start",
            texts={"nn": {"what": "x"}},
            tools=[kept, other],
        )
    services.update_guide_step(
        actor=admin, guide=guide, level=2, step="start", texts={"nn": {"what": "y"}}, tools=[kept]
    )


def test_a_tool_of_another_municipality_is_refused(world: World) -> None:
    from stafett.guides.models import FormTemplate, TemplateKind

    foreign = FormTemplate.objects.create(
        municipality=world.other_municipality, kind=TemplateKind.OBSERVATION
    )
    guide = make_guide(world)
    with pytest.raises(ValidationError):
        services.update_guide_step(
            actor=as_actor(world.admin),
            guide=guide,
            level=2,
            step="start",
            texts={"nn": {"what": "x"}},
            tools=[foreign],
        )


def test_a_guide_step_referring_to_a_withdrawn_tool_still_renders_it_as_withdrawn(
    world: World,
) -> None:
    tool = make_tool(world, title="Observasjon")
    guide = make_guide(world, tools=[tool])
    services.withdraw_form_template(actor=as_actor(world.admin), template=tool)
    version = selectors.latest_published(guide)
    assert version is not None
    view = selectors.guide_step_view(version, 2, "start", "nn", "nn")
    assert view is not None
    assert [(t.title, t.withdrawn) for t in view.tools] == [("Observasjon", True)]


def test_the_level_0_step_of_a_published_guide_can_be_shown_beside_a_concern(
    world: World,
) -> None:
    from django.template import Context, Template

    admin = as_actor(world.admin)
    guide = make_guide(world)
    services.update_guide_step(
        actor=admin,
        guide=guide,
        level=0,
        step="share",
        texts={"nn": {"what": "Del uroa med leiaren."}},
        tools=[],
    )
    services.publish_guide(actor=admin, guide=guide)
    html = Template(
        "{% load guides %}{% published_guide_step m 'basis' 0 'share' as found %}"
        "{% if found %}{% include 'guides/_step.html' with step=found.1 %}{% endif %}"
    ).render(Context({"m": world.municipality.id}))
    assert "Del uroa med leiaren." in html
