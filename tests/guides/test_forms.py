"""Tools (form templates): versioned fields; a filled form keeps the version it was
filled in with; bad answers are refused; reading a filled form is logged."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from stafett.audit.models import AccessLogEntry
from stafett.guides import selectors, services
from stafett.guides.models import FieldType, FilledForm, FormField, FormTemplate
from stafett.logs.models import Entry
from stafett.logs.services import add_entry
from tests.guides.builders import as_actor, make_tool
from tests.guides.conftest import LogWorld

pytestmark = pytest.mark.django_db


def _note(lw: LogWorld) -> Entry:
    return add_entry(actor=as_actor(lw.world.employee), log=lw.log, kind="note", body="Notat.")


def _fields(template: FormTemplate, number: int = 1) -> list[FormField]:
    return list(template.versions.get(number=number).fields.order_by("position"))


def _fill(
    lw: LogWorld, template: FormTemplate, overrides: dict[int, Any] | None = None
) -> FilledForm:
    text, checklist, scale = _fields(template)
    answers: dict[int, Any] = {
        text.id: "Mia sat åleine i garderoben.",
        checklist.id: [1],
        scale.id: 6,
    }
    answers.update(overrides or {})
    return services.fill_form(
        actor=as_actor(lw.world.employee),
        version=template.versions.get(number=1),
        entry=_note(lw),
        language="nn",
        answers=answers,
    )


def test_a_template_change_never_alters_a_form_already_filled(active_log: LogWorld) -> None:
    w = active_log.world
    admin = as_actor(w.admin)
    tool = make_tool(w)
    filled = _fill(active_log, tool)
    before, before_answers = selectors.filled_form_view(filled)

    # The administrator rewrites the first question, removes the checklist, publishes v2.
    services.update_form_texts(actor=admin, template=tool, texts={"nn": {"title": "Nytt namn"}})
    draft = services.form_draft(tool)
    assert draft is not None
    first, checklist, _scale = list(draft.fields.order_by("position"))
    services.update_field(
        actor=admin,
        field=first,
        field_type=FieldType.TEXT,
        texts={"nn": {"label": "Heilt nytt spørsmål"}},
    )
    services.remove_field(actor=admin, field=checklist)
    v2 = services.publish_form_template(actor=admin, template=tool)
    assert v2.number == 2

    filled = FilledForm.objects.get(pk=filled.pk)
    after, after_answers = selectors.filled_form_view(filled)
    assert filled.template_version.number == 1
    assert after.title == before.title == "Observasjonsskjema"
    assert [a.label for a in after_answers] == [a.label for a in before_answers]
    assert after_answers[0].label == "Kva såg du?"
    assert after_answers[0].text == "Mia sat åleine i garderoben."
    assert after_answers[1].chosen == ["Et lite"]
    assert after_answers[2].number == 6
    # And version 1's own fields are untouched.
    assert [f.field_type for f in _fields(tool, 1)] == ["long_text", "checklist", "scale"]


def test_a_published_field_cannot_be_edited(active_log: LogWorld) -> None:
    tool = make_tool(active_log.world)
    published_field = _fields(tool)[0]
    with pytest.raises(ValidationError):
        services.update_field(
            actor=as_actor(active_log.world.admin),
            field=published_field,
            field_type=FieldType.TEXT,
            texts={"nn": {"label": "Endra"}},
        )
    with pytest.raises(ValidationError):
        services.remove_field(actor=as_actor(active_log.world.admin), field=published_field)
    assert FormField.objects.filter(pk=published_field.pk).exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"field_type": "colour", "texts": {"nn": {"label": "x"}}},
        {"field_type": FieldType.TEXT, "texts": {"nn": {"label": ""}}},
        {"field_type": FieldType.CHOICE, "texts": {"nn": {"label": "x"}}},
        {
            "field_type": FieldType.CHOICE,
            "texts": {
                "nn": {"label": "x", "options": "a\nb"},
                "nb": {"label": "x", "options": "a"},
            },
        },
        {
            "field_type": FieldType.SCALE,
            "scale_min": 5,
            "scale_max": 5,
            "texts": {"nn": {"label": "x"}},
        },
        {"field_type": FieldType.TEXT, "texts": {"de": {"label": "x"}}},
    ],
)
def test_bad_fields_are_refused_and_change_nothing(
    active_log: LogWorld, bad: dict[str, Any]
) -> None:
    tool = make_tool(active_log.world)
    with pytest.raises(ValidationError):
        services.add_field(actor=as_actor(active_log.world.admin), template=tool, **bad)
    assert services.form_draft(tool) is None


def test_publishing_an_empty_form_is_refused(active_log: LogWorld) -> None:
    admin = as_actor(active_log.world.admin)
    tool = services.create_form_template(
        actor=admin,
        municipality=active_log.world.municipality,
        kind="meeting",
        titles={"nn": "Møte"},
    )
    with pytest.raises(ValidationError):
        services.publish_form_template(actor=admin, template=tool)


@pytest.mark.parametrize(
    "answer",
    [
        {"text": 5},
        {"checklist": [7]},
        {"checklist": [0, 0]},
        {"scale": 11},
        {"scale": "6"},
        {"text": ""},  # required (long text is required in this test)
    ],
)
def test_bad_answers_are_refused_and_nothing_is_kept(
    active_log: LogWorld, answer: dict[str, Any]
) -> None:
    tool = make_tool(active_log.world)
    text, checklist, scale = _fields(tool)
    FormField.objects.filter(pk=text.pk).update(required=True)
    key = {"text": text.id, "checklist": checklist.id, "scale": scale.id}
    overrides = {key[name]: value for name, value in answer.items()}
    with pytest.raises(ValidationError):
        _fill(active_log, tool, overrides)
    assert not FilledForm.objects.exists()


def test_a_withdrawn_or_unpublished_form_cannot_be_filled(active_log: LogWorld) -> None:
    w = active_log.world
    draft_only = make_tool(w, publish=False)
    with pytest.raises(ValidationError):
        services.fill_form(
            actor=as_actor(w.employee),
            version=draft_only.versions.get(number=1),
            entry=_note(active_log),
            language="nn",
            answers={},
        )
    tool = make_tool(w)
    services.withdraw_form_template(actor=as_actor(w.admin), template=tool)
    with pytest.raises(ValidationError):
        _fill(active_log, FormTemplate.objects.get(pk=tool.pk))


def test_only_those_who_may_write_in_the_log_fill_forms(active_log: LogWorld) -> None:
    tool = make_tool(active_log.world)
    with pytest.raises(PermissionDenied):
        services.fill_form(
            actor=as_actor(active_log.world.leader),
            version=tool.versions.get(number=1),
            entry=_note(active_log),
            language="nn",
            answers={},
        )


def test_reading_a_filled_form_writes_the_access_log(active_log: LogWorld, login_as: Any) -> None:
    tool = make_tool(active_log.world)
    filled = _fill(active_log, tool)
    url = reverse("guides:filled_form", kwargs={"filled": filled.uuid})
    client = login_as(active_log.world.employee)
    response = client.get(url)
    assert response.status_code == 200
    assert "Mia sat åleine i garderoben." in response.content.decode()
    row = AccessLogEntry.objects.filter(object_uuid=filled.uuid).get()
    assert row.action == "filled_form.view"
    assert row.outcome == AccessLogEntry.Outcome.ALLOWED
    assert row.subject_uuid == active_log.world.child.uuid
    assert row.actor == active_log.world.employee

    # The unit's leader sees the log's header only: refused, and the refusal is logged.
    response = login_as(active_log.world.leader).get(url)
    assert response.status_code == 403
    refused = AccessLogEntry.objects.filter(object_uuid=filled.uuid, outcome="refused").get()
    assert refused.actor == active_log.world.leader


def test_a_filled_form_is_kept_with_its_date_answers(active_log: LogWorld) -> None:
    w = active_log.world
    admin = as_actor(w.admin)
    tool = services.create_form_template(
        actor=admin, municipality=w.municipality, kind="meeting", titles={"nb": "Møtemal"}
    )
    field = services.add_field(
        actor=admin, template=tool, field_type=FieldType.DATE, texts={"nb": {"label": "Neste møte"}}
    )
    version = services.publish_form_template(actor=admin, template=tool)
    filled = services.fill_form(
        actor=as_actor(w.employee),
        version=version,
        entry=_note(active_log),
        language="nn",
        answers={field.id: datetime.date(2026, 12, 1)},
    )
    _view, answers = selectors.filled_form_view(filled)
    assert answers[0].label == "Neste møte"  # the only language there is
    assert answers[0].date == datetime.date(2026, 12, 1)
