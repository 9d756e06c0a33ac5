"""Pages for action guides and tools: the administrator edits, previews and publishes;
staff read tools and filled forms; residents read the published guides without log-in.
Views are thin: the policy fetches, forms validate, services write, selectors read."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stafett.core.templatetags.texts import listed_title
from stafett.core.texts import list_fallback_note
from stafett.guides import selectors, services
from stafett.guides.forms import (
    FieldForm,
    FillForm,
    GuideCreateForm,
    GuideStepForm,
    GuideTextsForm,
    TemplateCreateForm,
    TemplateTextsForm,
)
from stafett.guides.models import (
    LANGUAGE_CODES,
    LEVEL_LABELS,
    STEP_LABELS,
    FormTemplate,
    Guide,
)
from stafett.logs.models import EntryKind
from stafett.logs.services import add_entry
from stafett.organisation.models import Municipality
from stafett.organisation.selectors import emergency_contacts
from stafett.policy import (
    access_concern,
    access_filled_form,
    access_form_field,
    access_form_template,
    access_guide,
    access_log,
    access_municipality,
    actor_for,
    public,
    record_log_read,
)

GET_POST = ["GET", "POST"]


def _language() -> str:
    return (translation.get_language() or "nn").split("-")[0]


def _service_errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _fallback(obj: Guide | FormTemplate) -> str:
    return str(Municipality.objects.values_list("language", flat=True).get(id=obj.municipality_id))


# ---------------------------------------------------------------------------
# Administrator: guides
# ---------------------------------------------------------------------------


@require_http_methods(GET_POST)
def admin_guides(request: HttpRequest) -> HttpResponse:
    municipality = access_municipality(request, "municipality.manage")
    if request.method == "POST":
        form = GuideCreateForm(request.POST)
        if form.is_valid():
            try:
                guide = services.create_guide(
                    actor=actor_for(request),
                    municipality=municipality,
                    category=form.cleaned_data["category"],
                    titles=form.titles(),
                )
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(request, _("The guide is created. Write its steps, then publish."))
                return redirect("guides:admin_guide", guide=guide.uuid)
    else:
        form = GuideCreateForm()
    return render(
        request,
        "guides/admin_guides.html",
        {
            "municipality": municipality,
            "guides": selectors.guides_for_admin(
                municipality.id, _language(), municipality.language
            ),
            "form": form,
        },
    )


def _guide_page(request: HttpRequest, guide: Guide, form: GuideTextsForm | None) -> HttpResponse:
    fallback = _fallback(guide)
    draft = selectors.guide_draft(guide)
    published = selectors.latest_published(guide)
    shown = draft or published
    view = selectors.guide_view(shown, _language(), fallback) if shown is not None else None
    if form is None:
        form = GuideTextsForm(initial=GuideTextsForm.initial_from_texts(view.texts if view else {}))
    return render(
        request,
        "guides/admin_guide.html",
        {
            "guide": guide,
            "view": view,
            "draft": draft,
            "published": published,
            "versions": selectors.guide_versions(guide),
            "form": form,
        },
    )


@require_http_methods(GET_POST)
def admin_guide(request: HttpRequest, guide: uuid.UUID) -> HttpResponse:
    obj = access_guide(request, guide, "guide.manage")
    form = None
    if request.method == "POST":
        form = GuideTextsForm(request.POST)
        if form.is_valid():
            try:
                services.update_guide_texts(actor=actor_for(request), guide=obj, texts=form.texts())
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(request, _("Saved in the draft. Preview it, then publish."))
                return redirect("guides:admin_guide", guide=obj.uuid)
    return _guide_page(request, obj, form)


@require_http_methods(GET_POST)
def admin_step(request: HttpRequest, guide: uuid.UUID, level: int, step: str) -> HttpResponse:
    obj = access_guide(request, guide, "guide.manage")
    try:
        services.check_level_step(level, step)
    except ValidationError as error:
        raise Http404 from error
    fallback = _fallback(obj)
    tools = selectors.tools_to_choose(obj.municipality_id, _language(), fallback)
    shown = selectors.guide_draft(obj) or selectors.latest_published(obj)
    current = (
        selectors.guide_step_view(shown, level, step, _language(), fallback) if shown else None
    )
    current_tools = {str(t.uuid) for t in current.tools} if current else set()
    offered = [t for t in tools if not t.withdrawn or str(t.uuid) in current_tools]
    # Each title with its `lang` (a fallback with its language's name beside it).
    tool_choices: list[tuple[str, Any]] = [
        (
            str(t.uuid),
            format_html("{} ({})", listed_title(t), _("withdrawn"))
            if t.withdrawn
            else listed_title(t),
        )
        for t in offered
    ]
    if request.method == "POST":
        form = GuideStepForm(request.POST, tool_choices=tool_choices)
        if form.is_valid():
            chosen = list(
                FormTemplate.objects.in_municipality(obj.municipality_id).filter(
                    uuid__in=form.cleaned_data["tools"]
                )
            )
            try:
                services.update_guide_step(
                    actor=actor_for(request),
                    guide=obj,
                    level=level,
                    step=step,
                    texts=form.texts(),
                    tools=chosen,
                )
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(request, _("Saved in the draft. Preview it, then publish."))
                return redirect("guides:admin_guide", guide=obj.uuid)
    else:
        initial: dict[str, Any] = GuideStepForm.initial_from_texts(current.texts if current else {})
        initial["tools"] = sorted(current_tools)
        form = GuideStepForm(initial=initial, tool_choices=tool_choices)
    # Said once for the list of tools, as on the other lists of titles.
    form.fields["tools"].help_text = list_fallback_note(
        (t.language for t in offered if t.title), _language()
    )
    return render(
        request,
        "guides/admin_step.html",
        {
            "guide": obj,
            "level": level,
            "step": step,
            "level_label": LEVEL_LABELS[level],
            "step_label": STEP_LABELS[step],
            "form": form,
        },
    )


@require_http_methods(["GET"])
def admin_preview(request: HttpRequest, guide: uuid.UUID) -> HttpResponse:
    obj = access_guide(request, guide, "guide.manage")
    draft = selectors.guide_draft(obj)
    shown = draft or selectors.latest_published(obj)
    if shown is None:
        raise Http404
    return render(
        request,
        "guides/admin_preview.html",
        {
            "guide": obj,
            "view": selectors.guide_view(shown, _language(), _fallback(obj)),
            "is_draft": draft is not None,
        },
    )


@require_http_methods(["GET"])
def admin_version(request: HttpRequest, guide: uuid.UUID, number: int) -> HttpResponse:
    obj = access_guide(request, guide, "guide.manage")
    version = selectors.guide_version(obj, number)
    if version is None:
        raise Http404
    return render(
        request,
        "guides/admin_version.html",
        {"guide": obj, "view": selectors.guide_view(version, _language(), _fallback(obj))},
    )


@require_POST
def admin_publish(request: HttpRequest, guide: uuid.UUID) -> HttpResponse:
    obj = access_guide(request, guide, "guide.manage")
    try:
        version = services.publish_guide(actor=actor_for(request), guide=obj)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Version %(number)s is published. Staff and residents see it now.")
            % {"number": version.number},
        )
    return redirect("guides:admin_guide", guide=obj.uuid)


@require_POST
def admin_discard(request: HttpRequest, guide: uuid.UUID) -> HttpResponse:
    obj = access_guide(request, guide, "guide.manage")
    try:
        services.discard_guide_draft(actor=actor_for(request), guide=obj)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The changes are thrown away."))
    return redirect("guides:admin_guide", guide=obj.uuid)


# ---------------------------------------------------------------------------
# Administrator: tools (form templates)
# ---------------------------------------------------------------------------


@require_http_methods(GET_POST)
def admin_templates(request: HttpRequest) -> HttpResponse:
    municipality = access_municipality(request, "municipality.manage")
    if request.method == "POST":
        form = TemplateCreateForm(request.POST)
        if form.is_valid():
            try:
                template = services.create_form_template(
                    actor=actor_for(request),
                    municipality=municipality,
                    kind=form.cleaned_data["kind"],
                    titles=form.titles(),
                )
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(request, _("The tool is created. Add its fields, then publish."))
                return redirect("guides:admin_template", template=template.uuid)
    else:
        form = TemplateCreateForm()
    return render(
        request,
        "guides/admin_templates.html",
        {
            "municipality": municipality,
            "templates": selectors.templates_for_admin(
                municipality.id, _language(), municipality.language
            ),
            "form": form,
        },
    )


@require_http_methods(GET_POST)
def admin_template(request: HttpRequest, template: uuid.UUID) -> HttpResponse:
    obj = access_form_template(request, template, "form_template.manage")
    fallback = _fallback(obj)
    draft = services.form_draft(obj)
    published = selectors.latest_form_version(obj)
    shown = draft or published
    view = selectors.form_view(shown, _language(), fallback) if shown is not None else None
    if request.method == "POST":
        form = TemplateTextsForm(request.POST)
        if form.is_valid():
            try:
                services.update_form_texts(
                    actor=actor_for(request), template=obj, texts=form.texts()
                )
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(request, _("Saved in the draft. Publish it when it is ready."))
                return redirect("guides:admin_template", template=obj.uuid)
    else:
        texts = {t.language: t for t in shown.texts.all()} if shown is not None else {}
        form = TemplateTextsForm(initial=TemplateTextsForm.initial_from_texts(texts))
    return render(
        request,
        "guides/admin_template.html",
        {
            "template": obj,
            "view": view,
            "draft": draft,
            "published": published,
            "versions": selectors.form_versions(obj),
            "form": form,
        },
    )


@require_http_methods(GET_POST)
def admin_field_add(request: HttpRequest, template: uuid.UUID) -> HttpResponse:
    obj = access_form_template(request, template, "form_template.manage")
    if request.method == "POST":
        form = FieldForm(request.POST)
        if form.is_valid():
            try:
                services.add_field(actor=actor_for(request), template=obj, **form.field_data())
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(request, _("The field is added to the draft."))
                return redirect("guides:admin_template", template=obj.uuid)
    else:
        form = FieldForm()
    return render(request, "guides/admin_field.html", {"template": obj, "form": form})


@require_http_methods(GET_POST)
def admin_field(request: HttpRequest, field: uuid.UUID) -> HttpResponse:
    obj = access_form_field(request, field, "form_template.manage")
    template = obj.version.template
    if not obj.version.is_draft:
        messages.info(request, _("Published versions do not change. Edit the draft instead."))
        return redirect("guides:admin_template", template=template.uuid)
    if request.method == "POST":
        form = FieldForm(request.POST)
        if form.is_valid():
            try:
                services.update_field(actor=actor_for(request), field=obj, **form.field_data())
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(request, _("The field is saved in the draft."))
                return redirect("guides:admin_template", template=template.uuid)
    else:
        initial: dict[str, Any] = FieldForm.initial_from_texts(
            {t.language: t for t in obj.texts.all()}
        )
        initial.update(
            field_type=obj.field_type,
            required=obj.required,
            scale_min=obj.scale_min,
            scale_max=obj.scale_max,
        )
        form = FieldForm(initial=initial)
    return render(
        request, "guides/admin_field.html", {"template": template, "form": form, "field": obj}
    )


@require_POST
def admin_field_remove(request: HttpRequest, field: uuid.UUID) -> HttpResponse:
    obj = access_form_field(request, field, "form_template.manage")
    template = obj.version.template
    try:
        services.remove_field(actor=actor_for(request), field=obj)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The field is removed from the draft."))
    return redirect("guides:admin_template", template=template.uuid)


@require_POST
def admin_template_publish(request: HttpRequest, template: uuid.UUID) -> HttpResponse:
    obj = access_form_template(request, template, "form_template.manage")
    try:
        version = services.publish_form_template(actor=actor_for(request), template=obj)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Version %(number)s is published. Forms already filled in keep their version.")
            % {"number": version.number},
        )
    return redirect("guides:admin_template", template=obj.uuid)


@require_POST
def admin_template_withdraw(request: HttpRequest, template: uuid.UUID) -> HttpResponse:
    obj = access_form_template(request, template, "form_template.manage")
    restore = request.POST.get("restore") == "1"
    try:
        if restore:
            services.restore_form_template(actor=actor_for(request), template=obj)
        else:
            services.withdraw_form_template(actor=actor_for(request), template=obj)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The tool is in use again.")
            if restore
            else _("The tool is withdrawn. Guides show it as withdrawn."),
        )
    return redirect("guides:admin_template", template=obj.uuid)


@require_http_methods(["GET"])
def admin_template_version(request: HttpRequest, template: uuid.UUID, number: int) -> HttpResponse:
    obj = access_form_template(request, template, "form_template.manage")
    version = obj.versions.filter(number=number).first()
    if version is None:
        raise Http404
    return render(
        request,
        "guides/tool.html",
        {
            "view": selectors.form_view(version, _language(), _fallback(obj)),
            "admin": True,
        },
    )


# ---------------------------------------------------------------------------
# Staff: a tool, a filled form
# ---------------------------------------------------------------------------


@require_http_methods(["GET"])
def tool(request: HttpRequest, template: uuid.UUID) -> HttpResponse:
    obj = access_form_template(request, template, "form_template.view")
    version = selectors.latest_form_version(obj)
    if version is None:
        raise Http404
    return render(
        request,
        "guides/tool.html",
        {"view": selectors.form_view(version, _language(), _fallback(obj)), "admin": False},
    )


@require_http_methods(GET_POST)
def fill(request: HttpRequest, template: uuid.UUID, log: uuid.UUID) -> HttpResponse:
    """Fill in a tool in a relay log: kept as a note in the log, with the form's version."""
    log_obj, facts = access_log(request, log, "filled_form.fill")
    obj = access_form_template(request, template, "form_template.view")
    version = selectors.latest_form_version(obj)
    if version is None or obj.is_withdrawn:
        raise Http404
    language = _language()
    view = selectors.form_view(version, language, log_obj.subject.municipality.language)
    form = FillForm(request.POST or None, view=view)
    if request.method == "POST" and form.is_valid():
        actor = actor_for(request)
        try:
            with transaction.atomic():
                entry = add_entry(
                    actor=actor,
                    log=log_obj,
                    kind=EntryKind.NOTE,
                    body=_("Filled in the form “%(title)s”.") % {"title": view.title},
                )
                filled = services.fill_form(
                    actor=actor,
                    version=version,
                    entry=entry,
                    language=language if language in LANGUAGE_CODES else "nn",
                    answers=form.answers(),
                )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("The form is kept in the log."))
            return redirect("guides:filled_form", filled=filled.uuid)
    with transaction.atomic():
        # The page shows the child's name: a read, as the access list calls it, of "a
        # form, while filling it in".
        record_log_read(request, log_obj, facts, "filled_form.fill")
        return render(request, "guides/fill.html", {"log": log_obj, "view": view, "form": form})


@require_http_methods(GET_POST)
def fill_concern(request: HttpRequest, template: uuid.UUID, concern: uuid.UUID) -> HttpResponse:
    """Fill in a tool for a level-0 concern (its author, while it is open): kept on the
    concern with the form's version, and a line in its history."""
    with transaction.atomic():
        concern_obj, _facts = access_concern(request, concern, "concern.edit")
    obj = access_form_template(request, template, "form_template.view")
    version = selectors.latest_form_version(obj)
    if version is None or obj.is_withdrawn:
        raise Http404
    language = _language()
    view = selectors.form_view(version, language, concern_obj.municipality.language)
    form = FillForm(request.POST or None, view=view)
    if request.method == "POST" and form.is_valid():
        try:
            filled = services.fill_form_for_concern(
                actor=actor_for(request),
                version=version,
                concern=concern_obj,
                language=language if language in LANGUAGE_CODES else "nn",
                answers=form.answers(),
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("The form is kept with the concern."))
            return redirect("guides:filled_form", filled=filled.uuid)
    return render(
        request, "guides/fill_concern.html", {"concern": concern_obj, "view": view, "form": form}
    )


@require_http_methods(["GET"])
def filled_form(request: HttpRequest, filled: uuid.UUID) -> HttpResponse:
    with transaction.atomic():
        obj, _facts = access_filled_form(request, filled, "filled_form.view")
        view, answers = selectors.filled_form_view(obj)
    return render(
        request,
        "guides/filled_form.html",
        {
            "filled": obj,
            "view": view,
            "answers": answers,
            "log": obj.entry.log if obj.entry is not None else None,
            "concern": obj.concern,
        },
    )


# ---------------------------------------------------------------------------
# Public: the municipality's published guides, without log-in
# ---------------------------------------------------------------------------


def _public_municipality(key: str) -> Municipality:
    """The municipality by its short name, or (older links) by its id."""
    found = Municipality.objects.filter(slug=key).first()
    if found is None:
        try:
            found = Municipality.objects.filter(uuid=uuid.UUID(key)).first()
        except ValueError:
            found = None
    if found is None:
        raise Http404
    return found


def _moved(request: HttpRequest, place: Municipality, key: str) -> HttpResponse | None:
    """An address with the municipality's id answers with its readable address."""
    if key == place.slug:
        return None
    return redirect(request.path.replace(f"/m/{key}/", f"/m/{place.slug}/", 1), permanent=True)


@public
@require_http_methods(["GET"])
def public_guides(request: HttpRequest, municipality: str) -> HttpResponse:
    place = _public_municipality(municipality)
    moved = _moved(request, place, municipality)
    if moved is not None:
        return moved
    return render(
        request,
        "guides/public_guides.html",
        {
            "municipality": place,
            "guides": selectors.public_guides(place.id, _language(), place.language),
            "contacts": emergency_contacts(place.id),
        },
    )


@public
@require_http_methods(["GET"])
def public_guide(request: HttpRequest, municipality: str, guide: uuid.UUID) -> HttpResponse:
    place = _public_municipality(municipality)
    obj = Guide.objects.filter(uuid=guide, municipality=place).first()
    version = selectors.latest_published(obj) if obj is not None else None
    if obj is None or version is None:
        raise Http404
    moved = _moved(request, place, municipality)
    if moved is not None:
        return moved
    return render(
        request,
        "guides/public_guide.html",
        {
            "municipality": place,
            "view": selectors.guide_view(version, _language(), place.language),
            "contacts": emergency_contacts(place.id),
        },
    )
