"""Filled forms on a level-0 concern: the author fills in a tool from the guide beside
the concern; the form keeps its template version, follows the concern's visibility and
every read is in the access log."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from stafett.audit.models import AccessLogEntry
from stafett.concerns.carry import carry_items
from stafett.concerns.models import Concern, ConcernRecord, RecordKind, Step
from stafett.concerns.services import share_concern
from stafett.guides import selectors, services
from stafett.guides.models import FieldType, FilledForm, FormField, FormTemplate
from tests.concerns.conftest import register
from tests.conftest import World
from tests.guides.builders import as_actor, make_guide, make_tool

pytestmark = pytest.mark.django_db


def _fields(template: FormTemplate, number: int = 1) -> list[FormField]:
    return list(template.versions.get(number=number).fields.order_by("position"))


def _answers(template: FormTemplate) -> dict[int, Any]:
    text, checklist, scale = _fields(template)
    return {text.id: "Sat åleine i garderoben.", checklist.id: [1], scale.id: 6}


def _fill(world: World, concern: Concern, template: FormTemplate, **kw: Any) -> FilledForm:
    return services.fill_form_for_concern(
        actor=as_actor(kw.pop("user", world.employee)),
        version=template.versions.get(number=1),
        concern=concern,
        language="nn",
        answers=kw.pop("answers", _answers(template)),
    )


def test_filling_a_form_for_a_concern_keeps_it_and_writes_the_history(world: World) -> None:
    concern = register(world)
    tool = make_tool(world)
    filled = _fill(world, concern, tool)
    assert filled.concern == concern
    assert filled.entry is None
    record = ConcernRecord.objects.filter(concern=concern, kind=RecordKind.OBSERVATION).get()
    assert "Observasjonsskjema" in record.body
    concern.refresh_from_db()
    assert concern.step == Step.DESCRIBE
    # The line about the form is an observation the author may choose for the relay log.
    offered = [item for item in carry_items(concern) if "Observasjonsskjema" in item.body]
    assert len(offered) == 1 and offered[0].by_default
    assert [r.filled for r in selectors.filled_forms_for_concern(concern, "nn")] == [filled]


def test_a_filled_form_has_exactly_one_owner(world: World) -> None:
    concern = register(world)
    tool = make_tool(world)
    filled = _fill(world, concern, tool)
    with pytest.raises(IntegrityError), transaction.atomic():
        FilledForm.objects.filter(pk=filled.pk).update(concern=None)


@pytest.mark.parametrize(
    "answer",
    [{"text": 5}, {"checklist": [7]}, {"scale": 11}, {"unknown": "x"}],
)
def test_bad_input_changes_nothing(world: World, answer: dict[str, Any]) -> None:
    concern = register(world)
    revision = concern.revision
    records = concern.records.count()
    tool = make_tool(world)
    text, checklist, scale = _fields(tool)
    key = {"text": text.id, "checklist": checklist.id, "scale": scale.id, "unknown": 999999}
    answers = {key[name]: value for name, value in answer.items()}
    with pytest.raises(ValidationError):
        _fill(world, concern, tool, answers=answers)
    assert not FilledForm.objects.exists()
    concern.refresh_from_db()
    assert concern.revision == revision
    assert concern.records.count() == records
    assert concern.step == Step.ASSESS


def test_a_withdrawn_or_unpublished_form_cannot_be_filled(world: World) -> None:
    concern = register(world)
    draft_only = make_tool(world, publish=False)
    with pytest.raises(ValidationError):
        _fill(world, concern, draft_only, answers={})
    tool = make_tool(world)
    services.withdraw_form_template(actor=as_actor(world.admin), template=tool)
    with pytest.raises(ValidationError):
        _fill(world, concern, FormTemplate.objects.get(pk=tool.pk), answers={})
    assert not FilledForm.objects.exists()


def test_only_the_author_fills_forms_for_an_open_concern(world: World) -> None:
    concern = register(world)
    tool = make_tool(world)
    share_concern(actor=as_actor(world.employee), concern=concern, user=world.leader, role="leader")
    with pytest.raises(PermissionDenied):
        _fill(world, concern, tool, user=world.leader, answers={})
    with pytest.raises(PermissionDenied):  # the service refuses outsiders too
        _fill(world, concern, tool, user=world.school_employee, answers={})
    Concern.objects.filter(pk=concern.pk).update(status=Concern.Status.CLOSED)
    with pytest.raises(PermissionDenied):
        _fill(world, concern, tool, answers={})
    assert not FilledForm.objects.exists()


def test_the_form_keeps_its_template_version_after_the_template_changes(world: World) -> None:
    admin = as_actor(world.admin)
    concern = register(world)
    tool = make_tool(world)
    filled = _fill(world, concern, tool)
    before, _before_answers = selectors.filled_form_view(filled)
    services.update_form_texts(actor=admin, template=tool, texts={"nn": {"title": "Nytt namn"}})
    draft = services.form_draft(tool)
    assert draft is not None
    first = draft.fields.order_by("position").first()
    assert first is not None
    services.update_field(
        actor=admin,
        field=first,
        field_type=FieldType.TEXT,
        texts={"nn": {"label": "Heilt nytt spørsmål"}},
    )
    assert services.publish_form_template(actor=admin, template=tool).number == 2
    filled = FilledForm.objects.get(pk=filled.pk)
    after, after_answers = selectors.filled_form_view(filled)
    assert filled.template_version.number == 1
    assert after.title == before.title == "Observasjonsskjema"
    assert after_answers[0].label == "Kva såg du?"
    assert after_answers[0].text == "Sat åleine i garderoben."


def test_reading_a_form_follows_the_concern_and_is_logged(world: World, login_as: Any) -> None:
    concern = register(world)
    tool = make_tool(world)
    filled = _fill(world, concern, tool)
    url = reverse("guides:filled_form", kwargs={"filled": filled.uuid})

    response = login_as(world.employee).get(url)
    assert response.status_code == 200
    assert "Sat åleine i garderoben." in response.content.decode()
    row = AccessLogEntry.objects.filter(object_uuid=filled.uuid).get()
    assert row.action == "filled_form.view"
    assert row.outcome == AccessLogEntry.Outcome.ALLOWED
    assert row.actor == world.employee

    # Outsiders (the leader it was not shared with, another municipality, a guardian): 404.
    for user in (world.leader, world.school_employee, world.other_staff, world.guardian):
        assert login_as(user).get(url).status_code == 404
    # Shared with the leader: they read it (and the read is logged).
    share_concern(actor=as_actor(world.employee), concern=concern, user=world.leader, role="leader")
    assert login_as(world.leader).get(url).status_code == 200
    assert AccessLogEntry.objects.filter(
        object_uuid=filled.uuid, actor=world.leader, outcome="allowed"
    ).exists()


def test_the_concern_page_shows_the_guide_step_and_the_forms(world: World, login_as: Any) -> None:
    tool = make_tool(world)
    make_guide(world, level=0, step="assess", what="Skriv ned kva du la merke til.", tools=[tool])
    concern = register(world)
    fill_url = reverse(
        "guides:fill_concern", kwargs={"template": tool.uuid, "concern": concern.uuid}
    )
    page = login_as(world.employee).get(
        reverse("concerns:detail", kwargs={"concern": concern.uuid})
    )
    html = page.content.decode()
    assert "Skriv ned kva du la merke til." in html
    assert fill_url in html

    # Bad input: the form again, nothing kept.
    text, _checklist, scale = _fields(tool)
    client = login_as(world.employee)
    response = client.post(fill_url, {f"f{scale.id}": "99"})
    assert response.status_code == 200
    assert not FilledForm.objects.exists()

    response = client.post(fill_url, {f"f{text.id}": "Et lite til lunsj."})
    filled = FilledForm.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("guides:filled_form", kwargs={"filled": filled.uuid})
    assert filled.concern == concern

    html = client.get(reverse("concerns:detail", kwargs={"concern": concern.uuid})).content.decode()
    assert reverse("guides:filled_form", kwargs={"filled": filled.uuid}) in html

    # The leader (not shared with) and other staff: 404 on the fill page.
    assert login_as(world.leader).get(fill_url).status_code == 404
    assert login_as(world.other_staff).get(fill_url).status_code == 404
