"""Reads for action guides, tools and filled forms.

Texts are picked per language: the reader's language, else the municipality's, else
nynorsk, bokmål, English, in that order. Every function runs a fixed number of
queries, however many guides, steps or fields there are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models import Prefetch, Subquery

from stafett.core.texts import (
    Shown,
    fallback_note,
    form_fallback_note,
    language_order,
    pick_text,
)
from stafett.guides.models import (
    LANGUAGE_CODES,
    LEVEL_LABELS,
    LEVELS,
    STEP_LABELS,
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
    steps_for_level,
)

T = TypeVar("T")


def pick(texts: Mapping[str, T], language: str, fallback: str = "") -> T | None:
    """The text in the first language of `language_order` that has one."""
    for code in language_order(language, fallback):
        if code in texts:
            return texts[code]
    return next(iter(texts.values()), None)


def pick_title(texts: Mapping[str, str], language: str, fallback: str = "") -> Shown:
    """A title for the reader with the language it is in, so a list can mark a fallback."""
    return pick_text(texts, main=fallback, language=language)


# ---------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------


@dataclass
class ToolLink:
    uuid: Any
    title: str
    kind_label: str
    withdrawn: bool
    # The language the title is in (a fallback is marked in lists, `{% listed_title %}`).
    language: str = ""


def tool_titles(template_ids: Iterable[int], language: str, fallback: str) -> dict[int, Shown]:
    """Each tool's title from its latest published version (the draft if never published),
    with the language it is in."""
    ids = set(template_ids)
    if not ids:
        return {}
    best: dict[int, tuple[int, int]] = {}  # template -> (published?, number)
    texts: dict[tuple[int, int], dict[str, str]] = {}
    for template_id, number, published, lang, title in FormTemplateText.objects.filter(
        version__template_id__in=ids
    ).values_list(
        "version__template_id", "version__number", "version__published_at", "language", "title"
    ):
        rank = (1 if published is not None else 0, number)
        if rank > best.get(template_id, (-1, -1)):
            best[template_id] = rank
        texts.setdefault((template_id, number), {})[lang] = title
    return {
        template_id: pick_title(texts[(template_id, rank[1])], language, fallback)
        for template_id, rank in best.items()
    }


@dataclass
class TemplateRow:
    template: FormTemplate
    title: str
    published_number: int | None
    has_draft: bool
    language: str = ""


def templates_for_admin(municipality_id: int, language: str, fallback: str) -> list[TemplateRow]:
    templates = list(
        FormTemplate.objects.in_municipality(municipality_id).prefetch_related("versions")
    )
    titles = tool_titles([t.id for t in templates], language, fallback)
    rows = []
    for template in templates:
        versions = list(template.versions.all())
        published = [v.number for v in versions if v.published_at is not None]
        title = titles.get(template.id)
        rows.append(
            TemplateRow(
                template=template,
                title=title.text if title else "",
                published_number=max(published) if published else None,
                has_draft=any(v.published_at is None for v in versions),
                language=title.language if title else "",
            )
        )
    return rows


def tools_to_choose(municipality_id: int, language: str, fallback: str) -> list[ToolLink]:
    """Tools an administrator may link from a guide step (withdrawn ones included, marked)."""
    templates = list(FormTemplate.objects.in_municipality(municipality_id))
    titles = tool_titles([t.id for t in templates], language, fallback)
    return [_tool_link(t, titles.get(t.id)) for t in templates]


def _tool_link(template: FormTemplate, title: Shown | None) -> ToolLink:
    return ToolLink(
        uuid=template.uuid,
        title=title.text if title else "",
        kind_label=str(TemplateKind(template.kind).label),
        withdrawn=template.is_withdrawn,
        language=title.language if title else "",
    )


def latest_form_version(template: FormTemplate, *, published: bool = True) -> Any:
    versions = FormTemplateVersion.objects.filter(template=template)
    if published:
        versions = versions.filter(published_at__isnull=False)
    return versions.order_by("-number").first()


def form_versions(template: FormTemplate) -> list[FormTemplateVersion]:
    return list(
        FormTemplateVersion.objects.filter(template=template)
        .select_related("published_by")
        .order_by("-number")
    )


@dataclass
class FieldView:
    field: FormField
    section: str
    label: str
    help_text: str
    options: list[str]
    type_label: str
    languages: list[str]
    texts: dict[str, FormFieldText]
    # The language the question is in, and whether that is not the reader's.
    language: str = ""
    is_fallback: bool = False


@dataclass
class FormView:
    template: FormTemplate
    version: FormTemplateVersion
    title: str
    introduction: str
    fields: list[FieldView]
    kind_label: str
    # The language the title and introduction are in, and whether that is not the reader's.
    language: str = ""
    is_fallback: bool = False
    # One note for the whole form when any of it is shown in another language than the
    # reader's (a note on every question would drown the form); empty otherwise.
    note: str = ""


def form_view(version: FormTemplateVersion, language: str, fallback: str) -> FormView:
    version_texts = {t.language: t for t in FormTemplateText.objects.filter(version=version)}
    fields = list(
        FormField.objects.filter(version=version).prefetch_related("texts").order_by("position")
    )
    views = []
    for f in fields:
        texts = {t.language: t for t in f.texts.all()}
        text = pick(texts, language, fallback)
        views.append(
            FieldView(
                field=f,
                section=text.section if text else "",
                label=text.label if text else "",
                help_text=text.help_text if text else "",
                options=text.option_list if text else [],
                type_label=str(f.get_field_type_display()),
                languages=sorted(texts, key=LANGUAGE_CODES.index),
                texts=texts,
                language=text.language if text else "",
                is_fallback=text is not None and text.language != language,
            )
        )
    chosen = pick(version_texts, language, fallback)
    template = version.template
    shown = [chosen.language] if chosen else []
    shown += [v.language for v in views if v.language]
    return FormView(
        template=template,
        version=version,
        title=chosen.title if chosen else "",
        introduction=chosen.introduction if chosen else "",
        fields=views,
        kind_label=str(TemplateKind(template.kind).label),
        language=chosen.language if chosen else "",
        is_fallback=chosen is not None and chosen.language != language,
        note=form_fallback_note(shown, language),
    )


@dataclass
class AnswerView:
    label: str
    section: str
    field_type: str
    text: str = ""
    number: int | None = None
    date: Any = None
    chosen: list[str] = field(default_factory=list)
    scale: tuple[int, int] = (1, 10)
    answered: bool = False


def filled_form_view(filled: FilledForm) -> tuple[FormView, list[AnswerView]]:
    """The form as it was when filled in: the words of its own version and language."""
    version = filled.template_version
    view = form_view(version, filled.language, filled.municipality.language)
    answers = {a.field_id: a for a in filled.answers.all()}
    rows = []
    for fv in view.fields:
        a = answers.get(fv.field.id)
        rows.append(
            AnswerView(
                label=fv.label,
                section=fv.section,
                field_type=fv.field.field_type,
                text=a.text if a else "",
                number=a.number if a else None,
                date=a.date if a else None,
                chosen=a.chosen_label_list if a else [],
                scale=(fv.field.scale_min, fv.field.scale_max),
                answered=a is not None,
            )
        )
    return view, rows


# ---------------------------------------------------------------------------
# Guides
# ---------------------------------------------------------------------------


@dataclass
class StepView:
    level: int
    step: str
    level_label: str
    step_label: str
    what: str
    how: str
    who: str
    tools: list[ToolLink]
    texts: dict[str, GuideStepText]
    # The language the words are in, and the note when it is not the reader's.
    language: str = ""
    note: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.what or self.how or self.who)


@dataclass
class LevelView:
    level: int
    label: str
    steps: list[StepView]


@dataclass
class GuideView:
    guide: Guide
    version: GuideVersion
    title: str
    introduction: str
    levels: list[LevelView]
    texts: dict[str, GuideText]
    language: str = ""
    note: str = ""


def _step_views(
    steps: list[GuideStep], language: str, fallback: str
) -> dict[tuple[int, str], StepView]:
    template_ids = {link.template_id for s in steps for link in s.tool_links.all()}
    titles = tool_titles(template_ids, language, fallback)
    result = {}
    for s in steps:
        texts = {t.language: t for t in s.texts.all()}
        text = pick(texts, language, fallback)
        result[(s.level, s.step)] = StepView(
            level=s.level,
            step=s.step,
            level_label=str(LEVEL_LABELS[s.level]),
            step_label=str(STEP_LABELS[s.step]),
            what=text.what if text else "",
            how=text.how if text else "",
            who=text.who if text else "",
            tools=[
                _tool_link(link.template, titles.get(link.template_id))
                for link in s.tool_links.all()
            ],
            texts=texts,
            language=text.language if text else "",
            note=fallback_note(text.language, language) if text else "",
        )
    return result


def _steps_query() -> Any:
    return GuideStep.objects.prefetch_related(
        "texts", Prefetch("tool_links", GuideStepTool.objects.select_related("template"))
    )


def guide_view(version: GuideVersion, language: str, fallback: str) -> GuideView:
    texts = {t.language: t for t in GuideText.objects.filter(version=version)}
    views = _step_views(list(_steps_query().filter(version=version)), language, fallback)
    levels = []
    for level, label in LEVELS:
        steps = [views[(level, step)] for step in steps_for_level(level) if (level, step) in views]
        levels.append(LevelView(level=level, label=str(label), steps=steps))
    chosen = pick(texts, language, fallback)
    return GuideView(
        guide=version.guide,
        version=version,
        title=chosen.title if chosen else "",
        introduction=chosen.introduction if chosen else "",
        levels=levels,
        texts=texts,
        language=chosen.language if chosen else "",
        note=fallback_note(chosen.language, language) if chosen else "",
    )


def guide_step_view(
    version: GuideVersion, level: int, step: str, language: str, fallback: str
) -> StepView | None:
    steps = list(_steps_query().filter(version=version, level=level, step=step))
    return _step_views(steps, language, fallback).get((level, step))


def latest_published(guide: Guide) -> GuideVersion | None:
    return (
        GuideVersion.objects.filter(guide=guide, published_at__isnull=False)
        .order_by("-number")
        .first()
    )


def guide_draft(guide: Guide) -> GuideVersion | None:
    return GuideVersion.objects.filter(guide=guide, published_at__isnull=True).first()


def guide_versions(guide: Guide) -> list[GuideVersion]:
    return list(
        GuideVersion.objects.filter(guide=guide).select_related("published_by").order_by("-number")
    )


def guide_version(guide: Guide, number: int) -> GuideVersion | None:
    return GuideVersion.objects.filter(guide=guide, number=number).first()


@dataclass
class GuideRow:
    guide: Guide
    title: str
    published_number: int | None
    has_draft: bool
    language: str = ""


def _guide_rows(
    guides: list[Guide], language: str, fallback: str, *, published_only: bool
) -> list[GuideRow]:
    """Titles from each guide's latest published version (or its draft if never published)."""
    ids = [g.id for g in guides]
    versions: dict[int, list[tuple[int, bool]]] = {}
    for guide_id, number, published_at in GuideVersion.objects.filter(guide_id__in=ids).values_list(
        "guide_id", "number", "published_at"
    ):
        versions.setdefault(guide_id, []).append((number, published_at is not None))
    texts: dict[tuple[int, int], dict[str, str]] = {}
    for guide_id, number, lang, title in GuideText.objects.filter(
        version__guide_id__in=ids
    ).values_list("version__guide_id", "version__number", "language", "title"):
        texts.setdefault((guide_id, number), {})[lang] = title
    rows = []
    for guide in guides:
        own = versions.get(guide.id, [])
        published = [n for n, p in own if p]
        if published_only and not published:
            continue
        shown = max(published) if published else max((n for n, _p in own), default=0)
        picked = pick_title(texts.get((guide.id, shown), {}), language, fallback)
        rows.append(
            GuideRow(
                guide=guide,
                title=picked.text,
                published_number=max(published) if published else None,
                has_draft=any(not p for _n, p in own),
                language=picked.language if picked else "",
            )
        )
    return rows


def guides_for_admin(municipality_id: int, language: str, fallback: str) -> list[GuideRow]:
    guides = list(Guide.objects.in_municipality(municipality_id))
    return _guide_rows(guides, language, fallback, published_only=False)


def public_guides(municipality_id: int, language: str, fallback: str) -> list[GuideRow]:
    guides = list(Guide.objects.in_municipality(municipality_id))
    return _guide_rows(guides, language, fallback, published_only=True)


def published_step(
    *,
    municipality_id: int,
    category: str | Subquery,
    level: int,
    step: str,
    language: str,
) -> tuple[Guide, StepView] | None:
    """The latest published text for a level and step of the municipality's guide for a
    service category (basis, help, adult), or None when there is none or it is empty.
    For the relay log (levels 1–3) and for level-0 concerns alike. `category` may be a
    subquery (the category of a unit), so that it costs no query of its own."""
    version = (
        GuideVersion.objects.filter(
            guide__municipality_id=municipality_id,
            guide__category=category,
            published_at__isnull=False,
        )
        .select_related("guide", "guide__municipality")
        .order_by("-number")
        .first()
    )
    if version is None:
        return None
    view = guide_step_view(version, level, step, language, version.guide.municipality.language)
    if view is None or view.is_empty:
        return None
    return version.guide, view


def step_for_log(log: Any, language: str) -> tuple[Guide, StepView] | None:
    """The published guide text for the log's level and step, from the municipality's
    guide for the category of the unit that holds the log (one query, or two when
    there is a guide)."""
    from stafett.organisation.models import ServiceKind

    category = Subquery(ServiceKind.objects.filter(units__id=log.unit_id).values("category")[:1])
    return published_step(
        municipality_id=log.municipality_id,
        category=category,
        level=log.level,
        step=log.step,
        language=language,
    )


def step_for_concern(concern: Any, language: str) -> tuple[Guide, StepView] | None:
    """The published level-0 guide text for the concern's step, from the municipality's
    guide for the category of the concern's unit."""
    from stafett.organisation.models import ServiceKind

    category = (
        ServiceKind.objects.filter(units__id=concern.unit_id)
        .values_list("category", flat=True)
        .first()
    )
    if not category:
        return None
    return published_step(
        municipality_id=concern.municipality_id,
        category=category,
        level=0,
        step=concern.step,
        language=language,
    )


@dataclass
class FilledRow:
    filled: FilledForm
    title: str
    language: str = ""


def filled_forms_in_log(log: Any, language: str) -> list[FilledRow]:
    """The forms filled in a relay log, newest first (titles only; opening one is a read
    that is logged)."""
    return _filled_rows(FilledForm.objects.filter(entry__log_id=log.id), language)


def filled_forms_for_concern(concern: Any, language: str) -> list[FilledRow]:
    """The forms filled for a level-0 concern, newest first (titles only)."""
    return _filled_rows(FilledForm.objects.filter(concern_id=concern.id), language)


def _filled_rows(queryset: Any, language: str) -> list[FilledRow]:
    filled = list(
        queryset.select_related("template_version", "filled_by").order_by("-filled_at", "-id")
    )
    texts: dict[int, dict[str, str]] = {}
    for version_id, lang, title in FormTemplateText.objects.filter(
        version_id__in={f.template_version_id for f in filled}
    ).values_list("version_id", "language", "title"):
        texts.setdefault(version_id, {})[lang] = title
    rows = []
    for f in filled:
        picked = pick_title(texts.get(f.template_version_id, {}), language, f.language)
        rows.append(
            FilledRow(filled=f, title=picked.text, language=picked.language if picked else "")
        )
    return rows
