"""The lifecycle pages of a relay log: starting it, its participants, handing the baton
over, and the decisions that move, close or reopen it.

Views are thin: `access_log` fetches the log and asks the policy (refusals are written
to the access log outside any transaction, so that they are kept), forms validate,
services change the data and check the rules again under the log's lock.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stafett.accounts.models import User
from stafett.core.errors import ConflictError
from stafett.logs import services
from stafett.logs.forms_lifecycle import (
    ChooseUnitForm,
    CloseForm,
    HandoverAnswerForm,
    HandoverProposeForm,
    MoveForm,
    ParticipantAddForm,
    ParticipantRemoveForm,
    ReopenForm,
    StartLogForm,
)
from stafett.logs.models import Handover, Participant, RelayLog
from stafett.organisation.models import Unit
from stafett.people.models import Subject
from stafett.policy import (
    LogFacts,
    access_log,
    actor_for,
    allowed,
    record_log_read,
    requires,
)

GET_POST = ["GET", "POST"]


# ---------------------------------------------------------------------------
# Helpers shared with consent/views.py
# ---------------------------------------------------------------------------


def detail_url(log: RelayLog) -> str:
    return reverse("logs:detail", kwargs={"log": log.uuid})


def service_errors(form: Form, error: ValidationError) -> None:
    """Show a service's refusal on the form (on the field it names, if the form has it)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def error_text(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def record_read(request: HttpRequest, log: RelayLog, facts: LogFacts, action: str) -> None:
    """A read of log data (participants, consent) in the access log. Call inside the
    transaction that reads the data."""
    record_log_read(request, log, facts, action)


# The lifecycle pages show the log's header: the child's name and birth date, level, step,
# coordinator and consent, but none of the content. Opening one is a read of the child's
# identity (issue 10): written as `log.header`, with the page as the reason.
HEADER_READ = "log.header"


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    page: str,
    action: str = "",
) -> HttpResponse:
    """Render a lifecycle page and write its read of the child's identity to the access
    log, in one transaction (a page that fails to render leaves no row; a row is never
    missing for a page that was shown). `action`: what it reads, if more than the header."""
    log, facts = context["log"], context["facts"]
    with transaction.atomic():
        record_log_read(request, log, facts, action or HEADER_READ, reason=page)
        return render(request, template, context)


def municipality_units(municipality_id: int) -> QuerySet[Unit]:
    return Unit.objects.in_municipality(municipality_id).filter(is_active=True).order_by("name")


def people_in(unit: Unit) -> QuerySet[User]:
    """Staff who work in the unit now (current membership, active account)."""
    return (
        User.objects.filter(
            memberships__unit=unit,
            memberships__ended_at__isnull=True,
            is_active=True,
            kind=User.Kind.STAFF,
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def header_context(log: RelayLog, facts: LogFacts) -> dict[str, Any]:
    return {"log": log, "facts": facts, "consent_state": facts.consent_state}


# ---------------------------------------------------------------------------
# Starting a log
# ---------------------------------------------------------------------------


@require_http_methods(GET_POST)
@requires("log.start")
def start(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    units = Unit.objects.in_municipality(actor.municipality_id).filter(
        id__in=actor.unit_ids, is_active=True
    )
    not_found = False
    if request.method == "POST":
        form = StartLogForm(request.POST, units=units)
        if form.is_valid():
            data = form.cleaned_data
            try:
                log = _start(request, data, register=request.POST.get("register") == "1")
            except ValidationError as error:
                service_errors(form, error)
            else:
                if log is None:
                    not_found = True
                else:
                    messages.success(
                        request,
                        _("The relay log is started. Now ask the family for consent."),
                    )
                    return redirect("logs:consent_request", log=log.uuid)
    else:
        form = StartLogForm(units=units)
    return render(request, "logs/lifecycle/start.html", {"form": form, "not_found": not_found})


def _start(request: HttpRequest, data: dict[str, Any], *, register: bool) -> RelayLog | None:
    """Start a log for the subject with exactly these details; register them first when
    asked to. None: no one matched, and the employee has not yet asked to register."""
    actor = actor_for(request)
    with transaction.atomic():
        # Finding the child is a read, written in the transaction that starts the log.
        subject: Subject | None = services.find_subject(
            actor=actor,
            first_name=data["first_name"],
            last_name=data["last_name"],
            birth_date=data["birth_date"],
            reason="log.start",
            request=request,
        )
        if subject is None and not register:
            return None
        if subject is None:
            subject = services.register_subject(
                actor=actor,
                kind=data["kind"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                birth_date=data["birth_date"],
            )
        return services.start_log(
            actor=actor, subject=subject, unit=data["unit"], level=data["level"]
        )


# ---------------------------------------------------------------------------
# Participants
# ---------------------------------------------------------------------------


@require_http_methods(GET_POST)
def participants(request: HttpRequest, log: uuid.UUID) -> HttpResponse:
    obj, facts = access_log(request, log, "log.coordinate")
    actor = actor_for(request)
    all_units = municipality_units(obj.municipality_id)
    scope_units = all_units.filter(id__in=facts.scope_unit_ids)
    chooser = ChooseUnitForm(request.GET or None, units=scope_units)
    if request.method == "POST":
        form = ParticipantAddForm(request.POST, units=all_units, people_for=people_in)
        if form.is_valid():
            data = form.cleaned_data
            try:
                participant = services.add_participant(
                    actor=actor,
                    log=obj,
                    user=data["person"],
                    unit=data["unit"],
                    task=data["task"],
                    can_write=data["can_write"],
                )
            except ValidationError as error:
                service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(person)s now takes part in the log.") % {"person": participant.user},
                )
                return redirect("logs:participants", log=obj.uuid)
    else:
        chosen = chooser.cleaned_data["unit"] if chooser.is_valid() else None
        form = ParticipantAddForm(
            initial={"unit": chosen.uuid if chosen else None},
            units=all_units,
            people_for=people_in,
        )
    with transaction.atomic():
        record_read(request, obj, facts, "log.participants")
        rows = list(
            Participant.objects.filter(log=obj)
            .select_related("user", "unit", "added_by")
            .order_by("removed_at", "added_at", "id")
        )
    return render(
        request,
        "logs/lifecycle/participants.html",
        {
            **header_context(obj, facts),
            "current": [p for p in rows if p.removed_at is None],
            "former": [p for p in rows if p.removed_at is not None],
            "chooser": chooser,
            "form": form,
            "chosen_unit": form.unit_obj,
            "has_scope_units": scope_units.exists(),
        },
    )


@require_http_methods(GET_POST)
def participant_remove(
    request: HttpRequest, log: uuid.UUID, participant: uuid.UUID
) -> HttpResponse:
    obj, facts = access_log(request, log, "log.coordinate")
    row = (
        Participant.objects.current()
        .filter(log=obj, uuid=participant)
        .select_related("user", "unit")
        .first()
    )
    if row is None:
        raise Http404
    if request.method == "POST":
        form = ParticipantRemoveForm(request.POST)
        if form.is_valid():
            services.remove_participant(
                actor=actor_for(request), participant=row, message=form.cleaned_data["message"]
            )
            messages.success(
                request, _("%(person)s no longer takes part in the log.") % {"person": row.user}
            )
            return redirect("logs:participants", log=obj.uuid)
    else:
        form = ParticipantRemoveForm()
    return render_page(
        request,
        "logs/lifecycle/participant_remove.html",
        {**header_context(obj, facts), "participant": row, "form": form},
        page="participant_remove",
    )


# ---------------------------------------------------------------------------
# Handover
# ---------------------------------------------------------------------------


def _pending_handover(log: RelayLog) -> Handover | None:
    handover = (
        Handover.objects.filter(log=log, status=Handover.Status.PENDING)
        .select_related("to_user", "to_unit", "proposed_by")
        .first()
    )
    return handover if handover is not None and handover.is_open() else None


def _measures_for_proposer(
    request: HttpRequest, log: RelayLog, facts: LogFacts
) -> tuple[bool, list[Any]]:
    """(whether the proposer reads the log, the measures the coordinator holds). Only a
    reader sees them and chooses who takes each; a unit leader who does not read the log
    proposes without them (they all go to the new coordinator)."""
    if not allowed(request, "log.view", facts):
        return False, []
    return True, services.held_measures(log, [log.coordinator_id])


@require_http_methods(GET_POST)
def handover_propose(request: HttpRequest, log: uuid.UUID) -> HttpResponse:
    obj, facts = access_log(request, log, "handover.propose")
    actor = actor_for(request)
    units = municipality_units(obj.municipality_id)
    chooser = ChooseUnitForm(request.GET or None, units=units)
    reads, measures = _measures_for_proposer(request, obj, facts)
    stay_offered = services.may_stay(obj, facts)
    form_options: dict[str, Any] = {
        "units": units,
        "people_for": people_in,
        "stay_offered": stay_offered,
        "measures": measures,
        "targets": services.reading_participants(obj, facts.scope_unit_ids),
        "coordinator": obj.coordinator,
        "proposer_is_coordinator": facts.is_coordinator,
    }
    if request.method == "POST":
        form = HandoverProposeForm(request.POST, **form_options)
        if form.is_valid():
            data = form.cleaned_data
            try:
                handover = services.propose_handover(
                    actor=actor,
                    log=obj,
                    to_user=data["person"],
                    to_unit=data["unit"],
                    message=data["message"],
                    stays=data["stays"],
                    stay_task=data["stay_task"],
                    measures=data["measure_choices"],
                )
            except ValidationError as error:
                service_errors(form, error)
            else:
                if handover.to_unit_id not in facts.scope_unit_ids:
                    messages.success(
                        request,
                        _(
                            "The handover is proposed. %(unit)s is not yet in the consent: "
                            "the family is asked to confirm it before %(person)s can accept."
                        )
                        % {"unit": handover.to_unit.name, "person": handover.to_user},
                    )
                else:
                    messages.success(
                        request,
                        _("The handover is proposed. You keep the baton until %(person)s accepts.")
                        % {"person": handover.to_user},
                    )
                return redirect("logs:handover_propose", log=obj.uuid)
    else:
        chosen = chooser.cleaned_data["unit"] if chooser.is_valid() else None
        form = HandoverProposeForm(
            initial={
                "unit": chosen.uuid if chosen else None,
                "stay_task": _("Former coordinator"),
            },
            **form_options,
        )
    pending = _pending_handover(obj)
    pending_measures: list[Any] = []
    if pending is not None and reads:
        pending_measures = services.handover_measure_plan(
            obj,
            pending,
            holder_id=obj.coordinator_id,
            stays=pending.from_stays,
            scope_unit_ids=facts.scope_unit_ids,
        )
    if pending is not None:
        shows_measures = bool(pending_measures)
    else:
        shows_measures = bool(measures) and form.unit_obj is not None
    return render_page(
        request,
        "logs/lifecycle/handover_propose.html",
        {
            **header_context(obj, facts),
            "pending": pending,
            "pending_measures": pending_measures,
            "chooser": chooser,
            "form": form,
            "chosen_unit": form.unit_obj,
            "stay_offered": stay_offered,
            "reads": reads,
            "measures": measures,
        },
        page="handover_propose",
        # The measures and who holds them are content: their read is written as such.
        action="log.measures" if shows_measures else HEADER_READ,
    )


@require_POST
def handover_cancel(request: HttpRequest, log: uuid.UUID, handover: uuid.UUID) -> HttpResponse:
    obj, _facts = access_log(request, log, "handover.propose")
    row = Handover.objects.filter(log=obj, uuid=handover).first()
    if row is None:
        raise Http404
    if row.status == Handover.Status.PENDING:
        services.cancel_handover(actor=actor_for(request), handover=row)
        messages.success(request, _("The handover is cancelled. You keep the baton."))
    else:
        messages.info(request, _("This handover was already answered or cancelled."))
    return redirect("logs:handover_propose", log=obj.uuid)


@require_http_methods(GET_POST)
def handover_answer(request: HttpRequest, log: uuid.UUID, handover: uuid.UUID) -> HttpResponse:
    obj, facts = access_log(request, log, "handover.answer")
    row: Handover | None = facts.handover_to_me
    if row is None or row.uuid != handover:
        raise Http404
    form = HandoverAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        answer = request.POST.get("answer")
        if answer not in ("accept", "decline"):
            form.add_error(None, _("Choose whether you accept or decline."))
        else:
            try:
                services.answer_handover(
                    actor=actor_for(request),
                    handover=row,
                    accept=answer == "accept",
                    message=form.cleaned_data["message"],
                )
            except ValidationError as error:
                service_errors(form, error)
            else:
                if answer == "accept":
                    messages.success(request, _("You hold the baton now. Welcome to the log."))
                    return redirect(detail_url(obj))
                messages.success(request, _("You declined. The baton stays where it was."))
                return redirect("home:home")
    return render_page(
        request,
        "logs/lifecycle/handover_answer.html",
        {
            **header_context(obj, facts),
            "handover": row,
            "from_user": obj.coordinator,
            "form": form,
            **_before_accepting(obj, facts, row),
        },
        page="handover_answer",
    )


def _before_accepting(log: RelayLog, facts: LogFacts, handover: Handover) -> dict[str, Any]:
    """What the person offered the baton must know before pressing "Accept" (issue 11
    item 16): whether the family must still confirm their unit (the service refuses the
    baton until they have), whether the consent is in force, and what happens to the old
    coordinator and their measures. No content: the measures are counted, not named."""
    if handover.to_unit_id in facts.scope_unit_ids:
        family = "confirmed"
    elif services.scope_pending(log, handover.to_unit):
        family = "waiting"
    else:
        family = "not_asked"
    plan = services.handover_measure_plan(
        log,
        handover,
        holder_id=log.coordinator_id,
        stays=handover.from_stays,
        scope_unit_ids=facts.scope_unit_ids,
    )
    return {
        "family": family,
        "may_accept": family == "confirmed",
        "measures_to_you": sum(
            1 for _entry, target, _aside in plan if target is None or target == handover.to_user
        ),
    }


# ---------------------------------------------------------------------------
# Decisions
# ---------------------------------------------------------------------------


@require_http_methods(GET_POST)
def move(request: HttpRequest, log: uuid.UUID) -> HttpResponse:
    obj, facts = access_log(request, log, "log.coordinate")
    form = MoveForm(request.POST or None, log=obj)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.move(
                actor=actor_for(request),
                log=obj,
                reason=data["reason"],
                to_step=data["to_step"],
                to_level=data["to_level"],
                revision=data["revision"],
            )
        except ConflictError as error:
            # Show the log as it is now, with the person's text kept.
            obj.refresh_from_db()
            form = MoveForm({**request.POST.dict(), "revision": obj.revision}, log=obj)
            form.is_valid()
            form.add_error(None, error)
        except ValidationError as error:
            service_errors(form, error)
        else:
            messages.success(request, _("The decision is recorded."))
            return redirect(detail_url(obj))
    return render_page(
        request,
        "logs/lifecycle/move.html",
        {**header_context(obj, facts), "form": form},
        page="move",
    )


def _access_or_already_done(
    request: HttpRequest, log: uuid.UUID, action: str, *, closed: bool, message: str
) -> tuple[RelayLog, LogFacts] | HttpResponse:
    """Fetch the log for closing or reopening. A second press (the first already went
    through) is refused by the policy now; the person gets a clear message, not a 403."""
    try:
        return access_log(request, log, action)
    except PermissionDenied:
        if request.method != "POST":
            raise
        obj, facts = access_log(request, log, "log.view_summary")
        if obj.is_closed != closed or not (facts.is_coordinator or facts.is_consenter):
            raise
        messages.info(request, message)
        return redirect(detail_url(obj))


@require_http_methods(GET_POST)
def close(request: HttpRequest, log: uuid.UUID) -> HttpResponse:
    fetched = _access_or_already_done(
        request, log, "log.close", closed=True, message=_("The log is already closed.")
    )
    if isinstance(fetched, HttpResponse):
        return fetched
    obj, facts = fetched
    form = CloseForm(request.POST or None, log=obj, family=facts.family_role is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.close_log(
                actor=actor_for(request),
                log=obj,
                reason=data["reason"],
                close_reason=data["close_reason"],
                continues_in=data["continues_in"],
                revision=data["revision"],
            )
        except ValidationError as error:
            service_errors(form, error)
        else:
            messages.success(request, _("The log is closed. It can still be read."))
            return redirect(detail_url(obj))
    return render_page(
        request,
        "logs/lifecycle/close.html",
        {**header_context(obj, facts), "form": form},
        page="close",
    )


@require_http_methods(GET_POST)
def reopen(request: HttpRequest, log: uuid.UUID) -> HttpResponse:
    fetched = _access_or_already_done(
        request, log, "log.reopen", closed=False, message=_("The log is already open.")
    )
    if isinstance(fetched, HttpResponse):
        return fetched
    obj, facts = fetched
    form = ReopenForm(request.POST or None, log=obj)
    if request.method == "POST" and form.is_valid():
        try:
            services.reopen_log(
                actor=actor_for(request),
                log=obj,
                reason=form.cleaned_data["reason"],
                revision=form.cleaned_data["revision"],
            )
        except ValidationError as error:
            service_errors(form, error)
        else:
            messages.success(request, _("The log is open again."))
            return redirect(detail_url(obj))
    return render_page(
        request,
        "logs/lifecycle/reopen.html",
        {**header_context(obj, facts), "form": form},
        page="reopen",
    )
