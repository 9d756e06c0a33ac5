"""Writes for action guides and tools (form templates), and filling in forms.

Every function takes keyword-only arguments, re-asks the access policy, validates the
input against the data, and changes the data in one transaction. Bad input raises
`ValidationError` with a message for the person and changes nothing.

Published versions are never changed: edits go to the draft, which is created on the
first edit as a copy of the latest published version.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from stafett.core.texts import language_name
from stafett.guides.models import (
    LANGUAGE_CODES,
    OPTION_TYPES,
    FieldType,
    FilledAnswer,
    FilledForm,
    FormField,
    FormFieldText,
    FormTemplate,
    FormTemplateText,
    FormTemplateVersion,
    Guide,
    GuideStep,
    GuideStepText,
    GuideStepTool,
    GuideText,
    GuideVersion,
    TemplateKind,
    all_level_steps,
    steps_for_level,
)
from stafett.organisation.models import Municipality, ServiceCategory
from stafett.policy import Actor, acting_user, enforce, log_facts

TextMap = Mapping[str, Mapping[str, str]]


def _check(actor: Actor, action: str, obj: Any) -> None:
    enforce(actor, action, obj, outsiders_404=True)


def _clean(value: str | None) -> str:
    return (value or "").strip()


def _clean_texts(texts: TextMap, keys: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Keep languages Stafett knows, with stripped texts; drop languages left empty."""
    result: dict[str, dict[str, str]] = {}
    for language, values in texts.items():
        if language not in LANGUAGE_CODES:
            raise ValidationError(_("Unknown language."), code="language")
        cleaned = {key: _clean(values.get(key)) for key in keys}
        if any(cleaned.values()):
            result[language] = cleaned
    return result


def _require_in_some_language(texts: dict[str, dict[str, str]], key: str, message: str) -> None:
    if not any(values.get(key) for values in texts.values()):
        raise ValidationError(message, code="required")


def _next_number(model: type[GuideVersion] | type[FormTemplateVersion], **owner: Any) -> int:
    current = model.objects.filter(**owner).aggregate(top=Max("number"))["top"]
    return int(current or 0) + 1


# ---------------------------------------------------------------------------
# Action guides
# ---------------------------------------------------------------------------


def _empty_steps(version: GuideVersion) -> None:
    GuideStep.objects.bulk_create(
        [GuideStep(version=version, level=level, step=step) for level, step in all_level_steps()]
    )


@transaction.atomic
def create_guide(
    *,
    actor: Actor,
    municipality: Municipality,
    category: str,
    titles: Mapping[str, str],
) -> Guide:
    """A new guide with an empty draft (all levels and steps, no text yet)."""
    _check(actor, "municipality.manage", municipality)
    user = acting_user(actor)
    if category and category not in ServiceCategory.values:
        raise ValidationError(_("Choose a category from the list."), code="category")
    if category and Guide.objects.filter(municipality=municipality, category=category).exists():
        raise ValidationError(
            _("There is already a guide for this category. Edit that one instead."),
            code="unique",
        )
    texts = _clean_texts({k: {"title": v} for k, v in titles.items()}, ("title",))
    _require_in_some_language(texts, "title", _("Write a title in at least one language."))
    position = (
        Guide.objects.filter(municipality=municipality).aggregate(top=Max("position"))["top"] or 0
    )
    guide = Guide.objects.create(
        municipality=municipality, category=category, position=position + 1
    )
    version = GuideVersion.objects.create(guide=guide, number=1, created_by=user)
    GuideText.objects.bulk_create(
        [GuideText(version=version, language=lang, title=v["title"]) for lang, v in texts.items()]
    )
    _empty_steps(version)
    return guide


def guide_draft(guide: Guide) -> GuideVersion | None:
    return GuideVersion.objects.filter(guide=guide, published_at__isnull=True).first()


def _copy_guide_version(source: GuideVersion, target: GuideVersion) -> None:
    GuideText.objects.bulk_create(
        [
            GuideText(
                version=target, language=t.language, title=t.title, introduction=t.introduction
            )
            for t in source.texts.all()
        ]
    )
    old_steps = list(source.steps.prefetch_related("texts", "tool_links"))
    new_steps = GuideStep.objects.bulk_create(
        [GuideStep(version=target, level=s.level, step=s.step) for s in old_steps]
    )
    texts: list[GuideStepText] = []
    links: list[GuideStepTool] = []
    for old, new in zip(old_steps, new_steps, strict=True):
        texts.extend(
            GuideStepText(guide_step=new, language=t.language, what=t.what, how=t.how, who=t.who)
            for t in old.texts.all()
        )
        links.extend(
            GuideStepTool(guide_step=new, template_id=link.template_id, position=link.position)
            for link in old.tool_links.all()
        )
    GuideStepText.objects.bulk_create(texts)
    GuideStepTool.objects.bulk_create(links)


def _lock_guide(guide: Guide) -> Guide:
    locked: Guide = Guide.objects.select_for_update().get(pk=guide.pk)
    return locked


@transaction.atomic
def start_guide_draft(*, actor: Actor, guide: Guide) -> GuideVersion:
    """The guide's draft: the one being edited, or a new copy of the latest published."""
    _check(actor, "guide.manage", guide)
    user = acting_user(actor)
    _lock_guide(guide)
    draft = guide_draft(guide)
    if draft is not None:
        return draft
    latest = (
        GuideVersion.objects.filter(guide=guide, published_at__isnull=False)
        .order_by("-number")
        .first()
    )
    draft = GuideVersion.objects.create(
        guide=guide, number=_next_number(GuideVersion, guide=guide), created_by=user
    )
    if latest is None:
        _empty_steps(draft)
    else:
        _copy_guide_version(latest, draft)
    return draft


@transaction.atomic
def update_guide_texts(*, actor: Actor, guide: Guide, texts: TextMap) -> GuideVersion:
    """Title and introduction per language, in the draft."""
    _check(actor, "guide.manage", guide)
    cleaned = _clean_texts(texts, ("title", "introduction"))
    _require_in_some_language(cleaned, "title", _("Write a title in at least one language."))
    for values in cleaned.values():
        if not values["title"]:
            raise ValidationError(
                _("Write a title in every language you write an introduction in."),
                code="required",
            )
    draft = start_guide_draft(actor=actor, guide=guide)
    GuideText.objects.filter(version=draft).delete()
    GuideText.objects.bulk_create(
        [
            GuideText(
                version=draft, language=lang, title=v["title"], introduction=v["introduction"]
            )
            for lang, v in cleaned.items()
        ]
    )
    return draft


def check_level_step(level: int, step: str) -> None:
    if level not in (0, 1, 2, 3) or step not in steps_for_level(level):
        raise ValidationError(_("There is no such step at this level."), code="step")


@transaction.atomic
def update_guide_step(
    *,
    actor: Actor,
    guide: Guide,
    level: int,
    step: str,
    texts: TextMap,
    tools: list[FormTemplate],
) -> GuideStep:
    """What, how and who per language, and the tools, for one step in the draft."""
    _check(actor, "guide.manage", guide)
    check_level_step(level, step)
    cleaned = _clean_texts(texts, ("what", "how", "who"))
    _require_in_some_language(
        cleaned, "what", _("Write what to do at this step, in at least one language.")
    )
    # Readers without a text in their own language are shown the main language: it must
    # be there.
    main = guide.municipality.language
    if not cleaned.get(main, {}).get("what"):
        raise ValidationError(
            _("Write what to do at this step in %(language)s, the municipality's main language.")
            % {"language": language_name(main)},
            code="main_language",
        )
    draft = start_guide_draft(actor=actor, guide=guide)
    guide_step, _created = GuideStep.objects.get_or_create(version=draft, level=level, step=step)
    already = set(guide_step.tool_links.values_list("template_id", flat=True))
    # Read the tools again: the caller's copies may be stale (withdrawn meanwhile).
    fresh = FormTemplate.objects.in_municipality(guide.municipality_id).in_bulk(
        [t.id for t in tools]
    )
    for tool in tools:
        if tool.id in fresh:
            tool = fresh[tool.id]
        if tool.municipality_id != guide.municipality_id:
            raise ValidationError(_("Choose tools from the list."), code="tool")
        if tool.is_withdrawn and tool.id not in already:
            raise ValidationError(
                _("A withdrawn tool cannot be added to a guide."), code="withdrawn"
            )
    GuideStepText.objects.filter(guide_step=guide_step).delete()
    GuideStepText.objects.bulk_create(
        [GuideStepText(guide_step=guide_step, language=lang, **v) for lang, v in cleaned.items()]
    )
    GuideStepTool.objects.filter(guide_step=guide_step).delete()
    GuideStepTool.objects.bulk_create(
        [
            GuideStepTool(guide_step=guide_step, template=tool, position=position)
            for position, tool in enumerate(dict.fromkeys(tools), start=1)
        ]
    )
    return guide_step


@transaction.atomic
def publish_guide(*, actor: Actor, guide: Guide) -> GuideVersion:
    """Publish the draft: from now on staff and the public read this version."""
    _check(actor, "guide.manage", guide)
    user = acting_user(actor)
    _lock_guide(guide)
    draft = guide_draft(guide)
    if draft is None:
        raise ValidationError(_("There are no changes to publish."), code="no_draft")
    if not draft.texts.exclude(title="").exists():
        raise ValidationError(_("Write a title before you publish."), code="title")
    draft.published_at = timezone.now()
    draft.published_by = user
    draft.save(update_fields=["published_at", "published_by"])
    return draft


@transaction.atomic
def discard_guide_draft(*, actor: Actor, guide: Guide) -> None:
    """Throw away unpublished changes (a first draft that was never published stays)."""
    _check(actor, "guide.manage", guide)
    _lock_guide(guide)
    draft = guide_draft(guide)
    if draft is None:
        raise ValidationError(_("There are no changes to throw away."), code="no_draft")
    if not GuideVersion.objects.filter(guide=guide, published_at__isnull=False).exists():
        raise ValidationError(
            _("This guide has never been published; there is nothing to go back to."),
            code="first_draft",
        )
    draft.delete()


# ---------------------------------------------------------------------------
# Form templates
# ---------------------------------------------------------------------------


@transaction.atomic
def create_form_template(
    *, actor: Actor, municipality: Municipality, kind: str, titles: Mapping[str, str]
) -> FormTemplate:
    _check(actor, "municipality.manage", municipality)
    user = acting_user(actor)
    if kind not in TemplateKind.values:
        raise ValidationError(_("Choose a kind of tool from the list."), code="kind")
    texts = _clean_texts({k: {"title": v} for k, v in titles.items()}, ("title",))
    _require_in_some_language(texts, "title", _("Write a title in at least one language."))
    position = (
        FormTemplate.objects.filter(municipality=municipality).aggregate(top=Max("position"))["top"]
        or 0
    )
    template = FormTemplate.objects.create(
        municipality=municipality, kind=kind, position=position + 1
    )
    version = FormTemplateVersion.objects.create(template=template, number=1, created_by=user)
    FormTemplateText.objects.bulk_create(
        [
            FormTemplateText(version=version, language=lang, title=v["title"])
            for lang, v in texts.items()
        ]
    )
    return template


def form_draft(template: FormTemplate) -> FormTemplateVersion | None:
    return FormTemplateVersion.objects.filter(template=template, published_at__isnull=True).first()


def _lock_template(template: FormTemplate) -> FormTemplate:
    locked: FormTemplate = FormTemplate.objects.select_for_update().get(pk=template.pk)
    return locked


def _copy_form_version(source: FormTemplateVersion, target: FormTemplateVersion) -> None:
    FormTemplateText.objects.bulk_create(
        [
            FormTemplateText(
                version=target, language=t.language, title=t.title, introduction=t.introduction
            )
            for t in source.texts.all()
        ]
    )
    old_fields = list(source.fields.prefetch_related("texts"))
    new_fields = FormField.objects.bulk_create(
        [
            FormField(
                version=target,
                position=f.position,
                field_type=f.field_type,
                required=f.required,
                scale_min=f.scale_min,
                scale_max=f.scale_max,
            )
            for f in old_fields
        ]
    )
    FormFieldText.objects.bulk_create(
        [
            FormFieldText(
                field=new,
                language=t.language,
                section=t.section,
                label=t.label,
                help_text=t.help_text,
                options=t.options,
            )
            for old, new in zip(old_fields, new_fields, strict=True)
            for t in old.texts.all()
        ]
    )


@transaction.atomic
def start_form_draft(*, actor: Actor, template: FormTemplate) -> FormTemplateVersion:
    _check(actor, "form_template.manage", template)
    user = acting_user(actor)
    _lock_template(template)
    draft = form_draft(template)
    if draft is not None:
        return draft
    latest = (
        FormTemplateVersion.objects.filter(template=template, published_at__isnull=False)
        .order_by("-number")
        .first()
    )
    draft = FormTemplateVersion.objects.create(
        template=template,
        number=_next_number(FormTemplateVersion, template=template),
        created_by=user,
    )
    if latest is not None:
        _copy_form_version(latest, draft)
    return draft


@transaction.atomic
def update_form_texts(
    *, actor: Actor, template: FormTemplate, texts: TextMap
) -> FormTemplateVersion:
    _check(actor, "form_template.manage", template)
    cleaned = _clean_texts(texts, ("title", "introduction"))
    _require_in_some_language(cleaned, "title", _("Write a title in at least one language."))
    for values in cleaned.values():
        if not values["title"]:
            raise ValidationError(
                _("Write a title in every language you write an introduction in."),
                code="required",
            )
    draft = start_form_draft(actor=actor, template=template)
    FormTemplateText.objects.filter(version=draft).delete()
    FormTemplateText.objects.bulk_create(
        [FormTemplateText(version=draft, language=lang, **v) for lang, v in cleaned.items()]
    )
    return draft


def _clean_field(
    *, field_type: str, scale_min: int, scale_max: int, texts: TextMap
) -> dict[str, dict[str, str]]:
    if field_type not in FieldType.values:
        raise ValidationError(_("Choose a type of field from the list."), code="field_type")
    cleaned = _clean_texts(texts, ("section", "label", "help_text", "options"))
    _require_in_some_language(cleaned, "label", _("Write the question in at least one language."))
    for values in cleaned.values():
        if not values["label"]:
            raise ValidationError(
                _("Write the question in every language you use for this field."),
                code="required",
            )
    if field_type == FieldType.SCALE and not scale_min < scale_max <= scale_min + 20:
        raise ValidationError(
            _("A scale goes from a lower to a higher number, at most 20 steps."), code="scale"
        )
    if field_type in OPTION_TYPES:
        counts = {
            len([line for line in v["options"].splitlines() if line.strip()])
            for v in cleaned.values()
        }
        if 0 in counts:
            raise ValidationError(
                _("Write the options, one a line, in every language you use."), code="options"
            )
        if len(counts) > 1:
            raise ValidationError(
                _("Write the same number of options in every language."), code="options"
            )
    else:
        for values in cleaned.values():
            values["options"] = ""
    return cleaned


@transaction.atomic
def add_field(
    *,
    actor: Actor,
    template: FormTemplate,
    field_type: str,
    required: bool = False,
    scale_min: int = 1,
    scale_max: int = 10,
    texts: TextMap,
) -> FormField:
    _check(actor, "form_template.manage", template)
    cleaned = _clean_field(
        field_type=field_type, scale_min=scale_min, scale_max=scale_max, texts=texts
    )
    draft = start_form_draft(actor=actor, template=template)
    position = draft.fields.aggregate(top=Max("position"))["top"] or 0
    field = FormField.objects.create(
        version=draft,
        position=position + 1,
        field_type=field_type,
        required=required,
        scale_min=scale_min,
        scale_max=scale_max,
    )
    FormFieldText.objects.bulk_create(
        [FormFieldText(field=field, language=lang, **v) for lang, v in cleaned.items()]
    )
    return field


def _draft_field(field: FormField) -> FormField:
    if field.version.published_at is not None:
        raise ValidationError(
            _("This field belongs to a published version, which cannot change."),
            code="published",
        )
    return field


@transaction.atomic
def update_field(
    *,
    actor: Actor,
    field: FormField,
    field_type: str,
    required: bool = False,
    scale_min: int = 1,
    scale_max: int = 10,
    texts: TextMap,
) -> FormField:
    _check(actor, "form_template.manage", field.version.template)
    _lock_template(field.version.template)
    _draft_field(field)
    cleaned = _clean_field(
        field_type=field_type, scale_min=scale_min, scale_max=scale_max, texts=texts
    )
    field.field_type = field_type
    field.required = required
    field.scale_min = scale_min
    field.scale_max = scale_max
    field.save(update_fields=["field_type", "required", "scale_min", "scale_max"])
    FormFieldText.objects.filter(field=field).delete()
    FormFieldText.objects.bulk_create(
        [FormFieldText(field=field, language=lang, **v) for lang, v in cleaned.items()]
    )
    return field


@transaction.atomic
def remove_field(*, actor: Actor, field: FormField) -> None:
    _check(actor, "form_template.manage", field.version.template)
    _lock_template(field.version.template)
    _draft_field(field)
    field.delete()


@transaction.atomic
def publish_form_template(*, actor: Actor, template: FormTemplate) -> FormTemplateVersion:
    _check(actor, "form_template.manage", template)
    user = acting_user(actor)
    _lock_template(template)
    draft = form_draft(template)
    if draft is None:
        raise ValidationError(_("There are no changes to publish."), code="no_draft")
    if not draft.fields.exists():
        raise ValidationError(_("Add at least one field before you publish."), code="empty")
    if not draft.texts.exclude(title="").exists():
        raise ValidationError(_("Write a title before you publish."), code="title")
    draft.published_at = timezone.now()
    draft.published_by = user
    draft.save(update_fields=["published_at", "published_by"])
    return draft


@transaction.atomic
def withdraw_form_template(*, actor: Actor, template: FormTemplate) -> FormTemplate:
    """No longer offered to staff; guides pointing at it show it as withdrawn, and
    filled forms keep it."""
    _check(actor, "form_template.manage", template)
    template = _lock_template(template)
    if template.withdrawn_at is not None:
        raise ValidationError(_("This tool is already withdrawn."), code="withdrawn")
    template.withdrawn_at = timezone.now()
    template.withdrawn_by = acting_user(actor)
    template.save(update_fields=["withdrawn_at", "withdrawn_by"])
    return template


@transaction.atomic
def restore_form_template(*, actor: Actor, template: FormTemplate) -> FormTemplate:
    _check(actor, "form_template.manage", template)
    template = _lock_template(template)
    if template.withdrawn_at is None:
        raise ValidationError(_("This tool is in use."), code="in_use")
    template.withdrawn_at = None
    template.withdrawn_by = None
    template.save(update_fields=["withdrawn_at", "withdrawn_by"])
    return template


# ---------------------------------------------------------------------------
# Filling in a form
# ---------------------------------------------------------------------------

AnswerValue = str | int | datetime.date | list[int] | None


def _answer_for(field: FormField, labels: list[str], value: AnswerValue) -> FilledAnswer | None:
    """A typed answer, or None when left empty. Raises on a value of the wrong kind."""
    answer = FilledAnswer(field=field)
    bad = ValidationError(_("An answer does not fit its question."), code="answer")
    if value in (None, "", []):
        return None
    if field.field_type in (FieldType.TEXT, FieldType.LONG_TEXT):
        if not isinstance(value, str):
            raise bad
        limit = 500 if field.field_type == FieldType.TEXT else 20000
        if len(value) > limit:
            raise ValidationError(_("An answer is too long."), code="too_long")
        answer.text = value.strip()
        return answer if answer.text else None
    if field.field_type == FieldType.SCALE:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad
        if not field.scale_min <= value <= field.scale_max:
            raise bad
        answer.number = value
        return answer
    if field.field_type == FieldType.DATE:
        if not isinstance(value, datetime.date):
            raise bad
        answer.date = value
        return answer
    chosen = [value] if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(chosen, list) or not all(isinstance(i, int) for i in chosen):
        raise bad
    if field.field_type == FieldType.CHOICE and len(chosen) != 1:
        raise bad
    if any(not 0 <= i < len(labels) for i in chosen) or len(set(chosen)) != len(chosen):
        raise bad
    ordered = sorted(chosen)
    answer.chosen = "\n".join(str(i) for i in ordered)
    answer.chosen_labels = "\n".join(labels[i] for i in ordered)
    return answer


def _filled_rows(
    version: FormTemplateVersion,
    municipality_id: int,
    language: str,
    answers: Mapping[int, AnswerValue],
) -> list[FilledAnswer]:
    """Check a published, not withdrawn form of the municipality and its answers; the
    answer rows to keep (not yet saved). Raises on anything that does not fit."""
    template = version.template
    if template.municipality_id != municipality_id:
        raise Http404
    if version.published_at is None:
        raise ValidationError(_("Only a published form can be filled in."), code="draft")
    if template.is_withdrawn:
        raise ValidationError(_("This tool is withdrawn."), code="withdrawn")
    if language not in LANGUAGE_CODES:
        raise ValidationError(_("Unknown language."), code="language")
    fields = list(version.fields.prefetch_related("texts"))
    known = {f.id for f in fields}
    if set(answers) - known:
        raise ValidationError(_("An answer does not belong to this form."), code="unknown_field")
    rows: list[FilledAnswer] = []
    for field in fields:
        texts = {t.language: t for t in field.texts.all()}
        text = texts.get(language) or next(iter(texts.values()), None)
        labels = text.option_list if text is not None else []
        row = _answer_for(field, labels, answers.get(field.id))
        if row is None:
            if field.required:
                raise ValidationError(
                    _("Answer every question marked as required."), code="required"
                )
            continue
        rows.append(row)
    return rows


def _keep(filled: FilledForm, rows: list[FilledAnswer]) -> FilledForm:
    for row in rows:
        row.form = filled
    FilledAnswer.objects.bulk_create(rows)
    return filled


@transaction.atomic
def fill_form(
    *,
    actor: Actor,
    version: FormTemplateVersion,
    entry: Any,
    language: str,
    answers: Mapping[int, AnswerValue],
) -> FilledForm:
    """Keep a filled form on a relay-log entry, with the template version it used.

    `answers` maps a field's id to its value: text, a number on the scale, a date, or
    the chosen option numbers (0-based)."""
    from stafett.logs.models import RelayLog

    log = RelayLog.objects.select_related("subject", "unit", "origin_unit").get(pk=entry.log_id)
    _check(actor, "filled_form.fill", log_facts(actor, log))
    user = acting_user(actor)
    rows = _filled_rows(version, log.municipality_id, language, answers)
    filled = FilledForm.objects.create(
        municipality_id=log.municipality_id,
        template_version=version,
        entry=entry,
        language=language,
        filled_by=user,
    )
    return _keep(filled, rows)


def fill_form_for_concern(
    *,
    actor: Actor,
    version: FormTemplateVersion,
    concern: Any,
    language: str,
    answers: Mapping[int, AnswerValue],
) -> FilledForm:
    """Keep a filled form on a level-0 concern (describe step), with the template version
    it used, and a line in the concern's history. Only the concern's author, while it
    is open (the policy is checked again on the locked concern)."""
    from stafett.concerns.models import RecordKind, Step
    from stafett.concerns.services import _advance, _line, _record, lock_concern, require

    with transaction.atomic():
        concern = lock_concern(concern)
        require(actor, "concern.edit", concern)
        user = acting_user(actor)
        rows = _filled_rows(version, concern.municipality_id, language, answers)
        filled = FilledForm.objects.create(
            municipality_id=concern.municipality_id,
            template_version=version,
            concern=concern,
            language=language,
            filled_by=user,
        )
        _keep(filled, rows)
        title = (
            version.texts.filter(language=language).values_list("title", flat=True).first()
            or version.texts.values_list("title", flat=True).first()
            or ""
        )
        _record(
            concern,
            actor,
            RecordKind.OBSERVATION,
            # In the reader's language (the form's title as the filler chose it).
            **_line("form_filled", title=title),
        )
        _advance(concern, Step.DESCRIBE)
        return filled
