"""Concern pages (level 0), the worry scale's settings and guardians asking for help.

Views are thin: `access_concern` fetches the concern, asks the policy and writes the
read to the access log (inside the view's transaction); forms validate the shape; the
services check the rules again under the concern's lock.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods

from stafett.audit.log import record_accesses
from stafett.concerns import selectors, services
from stafett.concerns.carry import REASON, carry_items, reason_item
from stafett.concerns.forms import (
    AttachForm,
    DecideForm,
    FamilyTalkForm,
    HelpRequestForm,
    NameForm,
    ObservationForm,
    RegisterForm,
    ReportForm,
    ScoreForm,
    SentForm,
    ShareForm,
    ViewForm,
    WorryScaleForm,
)
from stafett.concerns.models import Concern
from stafett.concerns.worry import bands_for
from stafett.logs import services as log_services
from stafett.organisation.models import Unit
from stafett.people.models import Subject
from stafett.policy import (
    access_concern,
    access_concern_to_attach,
    access_municipality,
    access_report,
    actor_for,
    allowed,
    family_subjects,
    requires,
)

GET_POST = ["GET", "POST"]


def detail_url(concern: Concern) -> str:
    return reverse("concerns:detail", kwargs={"concern": concern.uuid})


def _service_errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# ---------------------------------------------------------------------------
# The list and registering
# ---------------------------------------------------------------------------


@require_GET
@requires("concern.register")
def concern_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    with transaction.atomic():
        concerns = selectors.concern_list(actor)
        selectors.record_list_reads(request, actor, concerns)
    return render(request, "concerns/list.html", {"concerns": concerns})


@require_http_methods(GET_POST)
@requires("concern.register")
def register(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    assert actor.municipality_id is not None
    units = Unit.objects.in_municipality(actor.municipality_id).filter(
        id__in=actor.unit_ids, is_active=True
    )
    form = RegisterForm(
        request.POST or None, units=units.order_by("name"), municipality_id=actor.municipality_id
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            concern = services.register_concern(
                actor=actor,
                unit=data["unit"],
                kind=data["kind"],
                label=data["label"],
                noticed=data["noticed"],
                noticed_on=data["noticed_on"],
                noticed_where=data["noticed_where"],
                score=data.get("score"),
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, _("The concern is registered. Only you can see it."))
            return redirect(detail_url(concern))
    return render(request, "concerns/register.html", {"form": form})


# ---------------------------------------------------------------------------
# The concern's page
# ---------------------------------------------------------------------------


@require_GET
def detail(request: HttpRequest, concern: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    with transaction.atomic():
        obj, facts = access_concern(request, concern, "concern.view")
        services.mark_share_read(actor=actor, facts=facts)
        page = selectors.concern_page(obj)
    can_edit = allowed(actor, "concern.edit", facts)
    context = {
        "concern": obj,
        "facts": facts,
        "page": page,
        "overdue": obj.is_overdue(),
        "can_edit": can_edit,
        "can_add_view": allowed(actor, "concern.add_view", facts),
        "can_take_path": can_edit and not obj.is_violence_path,
        "report_url": _report_link(actor, obj, facts),
        "other_tools": _other_tools(obj) if can_edit else [],
        "log_url": (
            reverse("logs:detail", kwargs={"log": obj.log.uuid}) if obj.log is not None else ""
        ),
        "attach_url": _attach_link(actor, obj, facts),
    }
    return render(request, "concerns/detail.html", context)


def _attach_link(actor: Any, concern: Concern, facts: Any) -> str:
    """ "Attach to the relay log you coordinate", for the named child's log's coordinator
    who may read the concern (its author, or one it was shared with). One query, and only
    for an open, named concern off the violence/abuse path."""
    if not concern.is_open or concern.subject_id is None or concern.is_violence_path:
        return ""
    if not (facts.is_author or facts.share is not None):
        return ""
    if not selectors.coordinates_open_log_of(actor, concern):
        return ""
    return reverse("concerns:attach", kwargs={"concern": concern.uuid})


def _language() -> str:
    return (translation.get_language() or "nn").split("-")[0]


def _other_tools(concern: Concern) -> list[selectors.OtherTool]:
    """Published tools the guide does not list at the concern's step ("Other tools")."""
    from stafett.guides.selectors import step_for_concern

    found = step_for_concern(concern, _language())
    listed = {tool.uuid for tool in found[1].tools} if found is not None else set()
    return selectors.other_tools(concern, listed, _language())


def _report_link(actor: Any, concern: Concern, facts: Any) -> str:
    """Where the concern page links for the report to child welfare, if anywhere."""
    if not (concern.is_violence_path or concern.status == Concern.Status.CHILD_WELFARE):
        return ""
    if not allowed(actor, "report.view", facts):
        return ""
    if not selectors.has_report(concern) and not allowed(actor, "report.edit", facts):
        return ""  # nothing to read yet
    return reverse("concerns:report", kwargs={"concern": concern.uuid})


StepHandler = Callable[[Any, Concern, dict[str, Any]], Any]


def _step(
    request: HttpRequest,
    concern_uuid: uuid.UUID,
    *,
    action: str,
    make_form: Callable[[Any, Concern], Form],
    handle: StepHandler,
    title: str,
    intro: str,
    done: str,
    button: str,
    next_url: Callable[[Concern, Any], str] | None = None,
) -> HttpResponse:
    """A step's page: the form on GET, the service on POST (bad input: the form again,
    nothing changed)."""
    actor = actor_for(request)
    with transaction.atomic():
        obj, _facts = access_concern(request, concern_uuid, action)
    form = make_form(request.POST or None, obj)
    if request.method == "POST" and form.is_valid():
        try:
            result = handle(actor, obj, form.cleaned_data)
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(next_url(obj, result) if next_url else detail_url(obj))
    return render(
        request,
        "concerns/step.html",
        {"concern": obj, "form": form, "title": title, "intro": intro, "button": button},
    )


@require_http_methods(GET_POST)
def observe(request: HttpRequest, concern: uuid.UUID) -> HttpResponse:
    return _step(
        request,
        concern,
        action="concern.edit",
        make_form=lambda data, c: ObservationForm(data, municipality_id=c.municipality_id),
        handle=lambda actor, c, d: services.add_observation(
            actor=actor, concern=c, body=d["body"], score=d.get("score")
        ),
        title=_("Describe what you observe"),
        intro=_(
            "Write down what you see and hear over some days. Facts, not conclusions. You can "
            "score the worry at the same time."
        ),
        done=_("The observation is saved."),
        button=_("Save the observation"),
    )


@require_http_methods(GET_POST)
def score(request: HttpRequest, concern: uuid.UUID) -> HttpResponse:
    return _step(
        request,
        concern,
        action="concern.edit",
        make_form=lambda data, c: ScoreForm(data, municipality_id=c.municipality_id),
        handle=lambda actor, c, d: services.add_score(
            actor=actor, concern=c, score=d["score"], scored_on=d["scored_on"], note=d["note"]
        ),
        title=_("Score the worry"),
        intro=_("How worried are you now? Score again later to see how the worry changes."),
        done=_("The worry score is saved."),
        button=_("Save the score"),
    )


def _share(actor: Any, concern: Concern, form: ShareForm) -> Any:
    """The chosen person, the unit's leader(s) or everyone with a job title in a unit."""
    whom = form.cleaned_data["whom"]
    targets = form.targets
    if whom == selectors.LEADERS:
        return services.share_with_all(actor=actor, concern=concern, users=targets.leaders)
    if whom in targets.titles:
        users = targets.titles[whom][2]
        return services.share_with_all(actor=actor, concern=concern, users=users)
    return services.share_concern(actor=actor, concern=concern, user=targets.people[whom])


@require_http_methods(GET_POST)
def share(request: HttpRequest, concern: uuid.UUID) -> HttpResponse:
    forms: dict[str, ShareForm] = {}

    def make_form(data: Any, c: Concern) -> ShareForm:
        with transaction.atomic():  # telling who coordinates the child's log is a read
            coordinator = selectors.child_log_notice(request, actor_for(request), c)
        forms["form"] = ShareForm(data, targets=selectors.share_targets(c, coordinator))
        return forms["form"]

    return _step(
        request,
        concern,
        action="concern.edit",
        make_form=make_form,
        handle=lambda actor, c, d: _share(actor, c, forms["form"]),
        title=_("Share with a colleague or your leader"),
        intro=_("They can read the concern and add their view. Nobody else can see it."),
        done=_("The concern is shared."),
        button=_("Share"),
    )


@require_http_methods(GET_POST)
def add_view(request: HttpRequest, concern: uuid.UUID) -> HttpResponse:
    return _step(
        request,
        concern,
        action="concern.add_view",
        make_form=lambda data, c: ViewForm(data),
        handle=lambda actor, c, d: services.add_view(actor=actor, concern=c, body=d["body"]),
        title=_("Add your view"),
        intro=_("The person who registered the concern reads your view."),
        done=_("Your view is saved."),
        button=_("Save my view"),
    )


def _name(request: HttpRequest, actor: Any, concern: Concern, data: dict[str, Any]) -> Concern:
    with transaction.atomic():
        subject = log_services.find_subject(
            actor=actor,
            first_name=data["first_name"],
            last_name=data["last_name"],
            birth_date=data["birth_date"],
            reason="concern.name",
            request=request,
        )
        if subject is None:
            subject = log_services.register_subject(
                actor=actor,
                kind=concern.kind,
                first_name=data["first_name"],
                last_name=data["last_name"],
                birth_date=data["birth_date"],
            )
        return services.name_subject(actor=actor, concern=concern, subject=subject)


@require_http_methods(GET_POST)
def name(request: HttpRequest, concern: uuid.UUID) -> HttpResponse:
    return _step(
        request,
        concern,
        action="concern.edit",
        make_form=lambda data, c: NameForm(data),
        handle=lambda actor, c, d: _name(request, actor, c, d),
        title=_("Name the child"),
        intro=_("When you talk with the family, add who the concern is about."),
        done=_("The concern now names who it is about."),
        button=_("Save the name"),
    )


@require_http_methods(GET_POST)
def family_talk(request: HttpRequest, concern: uuid.UUID) -> HttpResponse:
    return _step(
        request,
        concern,
        action="concern.edit",
        make_form=lambda data, c: FamilyTalkForm(data),
        handle=lambda actor, c, d: services.record_family_talk(
            actor=actor,
            concern=c,
            told_who=d["told_who"],
            told_on=d["told_on"],
            with_child=d["with_child"],
            said=d["said"],
        ),
        title=_("Talk with the guardians and the child"),
        intro=_("Write who you talked with, when, and what they said."),
        done=_("The talk is saved."),
        button=_("Save the talk"),
    )


@require_http_methods(GET_POST)
def decide(request: HttpRequest, concern: uuid.UUID) -> HttpResponse:
    """Decide, and (going on at a level) choose what the family will read in the relay log,
    with a preview of exactly that. "Show what the family will read" sends the form
    without deciding."""
    actor = actor_for(request)
    with transaction.atomic():
        obj, _facts = access_concern(request, concern, "concern.edit")
        items = carry_items(obj)
        child_log = selectors.child_log_notice(request, actor, obj)
    form = DecideForm(request.POST or None, violence_path=obj.is_violence_path, items=items)
    previewing = request.method == "POST" and "preview" in request.POST
    if request.method == "POST" and not previewing and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.decide_concern(
                actor=actor,
                concern=obj,
                outcome=data["outcome"],
                reason=data["reason"],
                observe_until=data.get("observe_until"),
                level=data.get("level"),
                carry=form.carry_choice() if "carry" in form.fields else None,
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, _("The decision is saved."))
            return redirect(_after_decision(obj, result))
    chosen = form.chosen_keys()
    preview = [item for item in items if item.key in chosen]
    if REASON in chosen:
        level = form.data.get("level") if form.is_bound else None
        preview.append(
            reason_item(
                obj,
                actor.user,
                int(level) if level and str(level).isdigit() else None,
                form.data.get("reason", "") if form.is_bound else "",
            )
        )
    return render(
        request,
        "concerns/decide.html",
        {
            "concern": obj,
            "form": form,
            "items": items,
            "chosen": chosen,
            "preview": preview,
            "reason_key": REASON,
            "child_log": child_log,
        },
    )


@require_http_methods(GET_POST)
def attach(request: HttpRequest, concern: uuid.UUID) -> HttpResponse:
    """The named child already has a relay log that the reader coordinates: attach the
    concern to it, choosing what the family will read (with a preview), instead of
    starting a new log (issue 11)."""
    actor = actor_for(request)
    with transaction.atomic():
        obj, facts = access_concern_to_attach(request, concern)
        items = carry_items(obj)
    log_facts = facts.child_log
    assert log_facts is not None
    log = log_facts.log
    form = AttachForm(request.POST or None, items=items)
    previewing = request.method == "POST" and "preview" in request.POST
    if request.method == "POST" and not previewing and form.is_valid():
        try:
            services.attach_to_log(
                actor=actor,
                concern=obj,
                carry=form.carry_choice(),
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, _("The concern is attached to the relay log."))
            return redirect(reverse("logs:detail", kwargs={"log": log.uuid}))
    blocked = ""
    if not log_facts.consent_open:
        blocked = _(
            "The family's consent to the relay log is not in force. Attach the concern once "
            "it is renewed."
        )
    elif obj.unit_id not in log_facts.scope_unit_ids:
        blocked = _(
            "The family's consent does not cover %(unit)s, where the concern was registered. "
            "Ask the family to add %(unit)s to the consent first."
        ) % {"unit": obj.unit.name}
    chosen = form.chosen_keys()
    preview = [item for item in items if item.key in chosen]
    if REASON in chosen and form.is_bound and form.data.get("reason", "").strip():
        preview.append(reason_item(obj, actor.user, log.level, form.data.get("reason", "")))
    return render(
        request,
        "concerns/attach.html",
        {
            "concern": obj,
            "log": log,
            "form": form,
            "items": items,
            "chosen": chosen,
            "preview": preview,
            "reason_key": REASON,
            "attaching": True,
            "blocked": blocked,
        },
    )


def _after_decision(concern: Concern, result: Any) -> str:
    """A decision to report to child welfare goes on to the report's form."""
    if result.status == Concern.Status.CHILD_WELFARE:
        return reverse("concerns:report_edit", kwargs={"concern": concern.uuid})
    return detail_url(concern)


# ---------------------------------------------------------------------------
# The violence/abuse path and the report to child welfare
# ---------------------------------------------------------------------------


def report_url(concern: Concern, name: str = "report") -> str:
    return reverse(f"concerns:{name}", kwargs={"concern": concern.uuid})


@require_http_methods(GET_POST)
def violence_path(request: HttpRequest, concern: uuid.UUID) -> HttpResponse:
    """ "I suspect violence or sexual abuse": who to contact, the rule that guardians are
    not informed first, and the step that records the path and opens the report."""
    actor = actor_for(request)
    action = "concern.violence_path" if request.method == "POST" else "concern.view"
    with transaction.atomic():
        obj, facts = access_concern(request, concern, action)
        contacts = selectors.emergency_contacts(obj.municipality_id)
    if request.method == "POST":
        try:
            services.take_violence_path(actor=actor, concern=obj)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(report_url(obj, "violence_path"))
        messages.success(
            request,
            _(
                "The violence/abuse path is recorded. Your leader is told. Call child welfare "
                "or the police now if the child is in danger, and write the report."
            ),
        )
        return redirect(report_url(obj, "report_edit"))
    context = {
        "concern": obj,
        "contacts": contacts,
        "can_take_path": allowed(actor, "concern.violence_path", facts)
        and not obj.is_violence_path,
        "report_link": _report_link(actor, obj, facts),
    }
    return render(request, "concerns/violence_path.html", context)


@require_GET
def report(request: HttpRequest, concern: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    with transaction.atomic():
        obj, facts = access_report(request, concern, "report.view")
        page = selectors.report_page(facts.report)
        contacts = selectors.emergency_contacts(obj.municipality_id)
    if page.report is None:
        if allowed(actor, "report.edit", facts):
            return redirect(report_url(obj, "report_edit"))
        raise Http404
    context = {
        "concern": obj,
        "page": page,
        "contacts": contacts,
        "can_edit": allowed(actor, "report.edit", facts),
        "can_send_fiks": _can_send_fiks(actor, facts, obj),
        "fiks": _fiks_report(page.report),
    }
    return render(request, "concerns/report.html", context)


def _fiks_report(report: Any) -> Any:
    """The report's passage through Fiks (status, feedback due), if it went that way."""
    from stafett.delivery.selectors import fiks_report_of

    return fiks_report_of(report.id if report is not None else None)


def _can_send_fiks(actor: Any, facts: Any, concern: Concern) -> bool:
    """ "Send through Fiks" is offered where the municipality has set it up (issue 12)."""
    from stafett.delivery.reports import fiks_settings

    return allowed(actor, "report.fiks_send", facts) and (
        fiks_settings(concern.municipality_id) is not None
    )


def _report_content(data: dict[str, Any]) -> services.ReportContent:
    return services.ReportContent(
        **{name: data.get(name) or "" for name in services.REPORT_FIELDS}
        | {
            "child_birth_date": data.get("child_birth_date"),
            "guardians_informed": bool(data.get("guardians_informed")),
        }
    )


COPY_BUTTON = "copy_observations"


def _copied_form(request: HttpRequest, observations: list[tuple[str, str]]) -> ReportForm:
    """ "Copy into the report": the form again, unsaved, as the author left it, with the
    ticked observations added to "What you observed" (no script needed)."""
    data = request.POST
    initial: dict[str, Any] = {name: data.get(name, "") for name in services.REPORT_FIELDS}
    initial["guardians_informed"] = data.get("guardians_informed") == "yes"
    initial["observed"] = selectors.copy_observations(
        data.get("observed", ""), data.getlist("copy"), observations
    )
    return ReportForm(initial=initial, observations=observations)


@require_http_methods(GET_POST)
def report_edit(request: HttpRequest, concern: uuid.UUID) -> HttpResponse:
    """Write the report (a draft, saved as a new version each time)."""
    actor = actor_for(request)
    user = request.user
    with transaction.atomic():
        obj, facts = access_report(request, concern, "report.edit")
        page = selectors.report_page(facts.report)
        initial = selectors.report_initial(obj, user, page.latest)
        contacts = selectors.emergency_contacts(obj.municipality_id)
        observations = selectors.report_observations(obj)
    if request.method == "POST" and COPY_BUTTON in request.POST:
        form = _copied_form(request, observations)
        messages.info(request, _("The observations are copied in. Save the draft to keep them."))
    else:
        form = ReportForm(request.POST or None, initial=initial, observations=observations)
    if request.method == "POST" and COPY_BUTTON not in request.POST and form.is_valid():
        try:
            services.save_report(
                actor=actor, concern=obj, content=_report_content(form.cleaned_data)
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, _("The report is saved as a draft. Only you can change it."))
            return redirect(report_url(obj))
    context = {
        "concern": obj,
        "form": form,
        "page": page,
        "contacts": contacts,
        "copy_button": COPY_BUTTON,
    }
    return render(request, "concerns/report_edit.html", context)


@require_http_methods(GET_POST)
def report_sent(request: HttpRequest, concern: uuid.UUID) -> HttpResponse:
    """Mark the report as sent (Stafett does not send it). After this it is frozen."""
    actor = actor_for(request)
    with transaction.atomic():
        obj, facts = access_report(request, concern, "report.send")
        page = selectors.report_page(facts.report)
    if page.report is None:
        return redirect(report_url(obj, "report_edit"))
    # Sent to the office the report is addressed to, unless the author says otherwise.
    addressee = page.latest.addressee if page.latest is not None else ""
    form = SentForm(request.POST or None, initial={"sent_to": addressee} if addressee else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.mark_report_sent(
                actor=actor,
                concern=obj,
                sent_on=form.cleaned_data["sent_on"],
                sent_how=form.cleaned_data["sent_how"],
                sent_to=form.cleaned_data["sent_to"],
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, _("The report is marked as sent. It can no longer change."))
            return redirect(report_url(obj))
    return render(
        request, "concerns/report_sent.html", {"concern": obj, "form": form, "page": page}
    )


@require_GET
def report_pdf(request: HttpRequest, concern: uuid.UUID) -> HttpResponse:
    """The report as a PDF (WeasyPrint), to print or send. The download is logged."""
    from stafett.concerns.pdf import report_pdf_bytes

    with transaction.atomic():
        obj, facts = access_report(request, concern, "report.pdf")
        page = selectors.report_page(facts.report)
    if page.report is None or page.latest is None:
        raise Http404
    data = report_pdf_bytes(obj, page)
    response = HttpResponse(data, content_type="application/pdf")
    # The file name is in the reader's language, and never names the child.
    filename = pgettext("file name", "report-to-child-welfare") + ".pdf"
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response


# ---------------------------------------------------------------------------
# The worry scale (municipal administrator)
# ---------------------------------------------------------------------------


@require_http_methods(GET_POST)
def worry_scale(request: HttpRequest) -> HttpResponse:
    municipality = access_municipality(request, "worry_scale.manage")
    actor = actor_for(request)
    units = Unit.objects.in_municipality(municipality.id).filter(is_active=True).order_by("name")
    form = WorryScaleForm(
        request.POST or None,
        bands=bands_for(municipality.id),
        units=units,
        help_unit=services.help_request_unit(municipality.id),
        main_language=municipality.language,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_worry_bands(
                actor=actor,
                municipality=municipality,
                bands=form.bands(),
                help_unit=form.cleaned_data["help_unit"],
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, _("The worry scale is saved."))
            return redirect("concerns:worry_scale")
    return render(request, "concerns/worry_scale.html", {"form": form})


# ---------------------------------------------------------------------------
# A guardian asks for help
# ---------------------------------------------------------------------------


@require_http_methods(GET_POST)
@requires("help.request")
def ask_for_help(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    assert actor.municipality_id is not None
    children = family_subjects(actor).filter(
        id__in=actor.guardian_subject_ids, kind=Subject.Kind.CHILD
    )
    units = list(
        Unit.objects.in_municipality(actor.municipality_id).filter(is_active=True).order_by("name")
    )
    dont_know = services.help_request_unit(actor.municipality_id) is not None
    form = HelpRequestForm(
        request.POST or None, children=children, units=units, dont_know=dont_know
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.request_help(
                actor=actor,
                subject=form.cleaned_data["child"],
                unit=form.chosen_unit(),
                worry=form.cleaned_data["worry"],
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(
                request,
                _("Thank you. Your request is sent. The unit's leader will contact you."),
            )
            return redirect("home:home")
    with transaction.atomic():
        # The form lists the guardian's children by name: a read of their identity.
        record_accesses(
            actor=actor.user,
            action="subject.view_as_family",
            objects=list(children),
            role_for=lambda subject: "guardian",
            reason="ask for help",
            request=request,
        )
        return render(request, "concerns/ask_for_help.html", {"form": form})
