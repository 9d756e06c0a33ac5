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
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from stafett.accounts.models import User
from stafett.concerns import selectors, services
from stafett.concerns.forms import (
    DecideForm,
    FamilyTalkForm,
    HelpRequestForm,
    NameForm,
    ObservationForm,
    RegisterForm,
    ScoreForm,
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
    access_municipality,
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
        "log_url": (
            reverse("logs:detail", kwargs={"log": obj.log.uuid}) if obj.log is not None else ""
        ),
    }
    return render(request, "concerns/detail.html", context)


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
) -> HttpResponse:
    """A step's page: the form on GET, the service on POST (bad input: the form again,
    nothing changed)."""
    actor = actor_for(request)
    with transaction.atomic():
        obj, _facts = access_concern(request, concern_uuid, action)
    form = make_form(request.POST or None, obj)
    if request.method == "POST" and form.is_valid():
        try:
            handle(actor, obj, form.cleaned_data)
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(detail_url(obj))
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
        make_form=lambda data, c: ObservationForm(data),
        handle=lambda actor, c, d: services.add_observation(actor=actor, concern=c, body=d["body"]),
        title=_("Describe what you observe"),
        intro=_("Write down what you see and hear over some days. Facts, not conclusions."),
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


def _share_people(concern: Concern) -> QuerySet[User]:
    """Staff in the municipality who work in a unit now (the author's colleagues first)."""
    return (
        User.objects.filter(
            municipality_id=concern.municipality_id,
            kind=User.Kind.STAFF,
            is_active=True,
            memberships__ended_at__isnull=True,
            memberships__unit__is_active=True,
        )
        .exclude(id=concern.author_id)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


@require_http_methods(GET_POST)
def share(request: HttpRequest, concern: uuid.UUID) -> HttpResponse:
    return _step(
        request,
        concern,
        action="concern.edit",
        make_form=lambda data, c: ShareForm(data, people=_share_people(c)),
        handle=lambda actor, c, d: services.share_concern(
            actor=actor, concern=c, user=d["person"], role=d["role"]
        ),
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


def _name(actor: Any, concern: Concern, data: dict[str, Any]) -> Concern:
    with transaction.atomic():
        subject = log_services.find_subject(
            actor=actor,
            first_name=data["first_name"],
            last_name=data["last_name"],
            birth_date=data["birth_date"],
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
        handle=_name,
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


def _decide(actor: Any, concern: Concern, data: dict[str, Any]) -> Concern:
    return services.decide_concern(
        actor=actor,
        concern=concern,
        outcome=data["outcome"],
        reason=data["reason"],
        observe_until=data.get("observe_until"),
        level=data.get("level"),
    )


@require_http_methods(GET_POST)
def decide(request: HttpRequest, concern: uuid.UUID) -> HttpResponse:
    return _step(
        request,
        concern,
        action="concern.edit",
        make_form=lambda data, c: DecideForm(data),
        handle=_decide,
        title=_("Decide"),
        intro=_(
            "Close the concern, go on observing with a new date, go on at level 1, 2 or 3 "
            "(a relay log starts and the family is asked for consent), or report to child "
            "welfare."
        ),
        done=_("The decision is saved."),
        button=_("Save the decision"),
    )


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
    return render(request, "concerns/ask_for_help.html", {"form": form})
