"""Consent pages of a relay log.

The coordinator asks for, registers (on paper), renews and cancels consent and changes
its scope; the family (the people whose consent counts) gives it, confirms a wider scope
and withdraws it. Both see the whole history. Reads of consent details are written to
the access log in the transaction that reads them.
"""

from __future__ import annotations

import mimetypes
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from stafett.audit.log import record_access
from stafett.consent import selectors as consent_selectors
from stafett.consent import services
from stafett.consent.forms import (
    ConsentRequestForm,
    ScopeAddForm,
    ScopeAnswerForm,
    ScopeChangeForm,
)
from stafett.consent.models import (
    TEXT_LANGUAGE_NAMES,
    Consent,
    ConsentGiver,
    ConsentState,
    ConsentText,
    ConsentUnit,
    ScopeChangeRequest,
)
from stafett.consent.state import state_in_history
from stafett.logs.models import RelayLog
from stafett.logs.views_lifecycle import (
    error_text,
    header_context,
    municipality_units,
    record_read,
    render_page,
    service_errors,
)
from stafett.policy import Actor, LogFacts, access_log, actor_for, allowed

GET_POST = ["GET", "POST"]


@dataclass
class ScopeRow:
    scope_unit: ConsentUnit
    status: str  # "pending", "confirmed", "removed"
    confirmed_by_me: bool = False


@dataclass
class ConsentRow:
    consent: Consent
    state: ConsentState
    givers: list[ConsentGiver]
    scope: list[ScopeRow]
    is_current: bool
    my_giver: ConsentGiver | None = None
    cancelled_request: bool = False
    pending_scope: list[ScopeRow] = field(default_factory=list)

    @property
    def active_scope(self) -> list[ScopeRow]:
        return [row for row in self.scope if row.status != "removed"]


def _consent_rows(log: RelayLog, facts: LogFacts, actor: Actor) -> list[ConsentRow]:
    consents = list(
        Consent.objects.filter(log=log)
        .select_related(
            "requested_by",
            "withdrawn_by",
            "after_handover__from_user",
            "after_handover__to_user",
        )
        .prefetch_related("givers", "scope__unit", "scope__confirmations")
        .order_by("-created_at", "-id")
    )
    today = timezone.localdate()
    user_id = actor.user.id if actor.user is not None else None
    rows: list[ConsentRow] = []
    for consent in consents:
        scope = []
        for scope_unit in consent.scope.all():
            if scope_unit.removed_at is not None:
                status = "removed"
            elif scope_unit.confirmed_at is None:
                status = "pending"
            else:
                status = "confirmed"
            mine = any(c.person_id == user_id for c in scope_unit.confirmations.all())
            scope.append(ScopeRow(scope_unit, status, mine))
        givers = list(consent.givers.all())
        # The one rule (`consent.state`): a renewal that starts later waits, and a
        # withdrawal shows on every consent of the chain it ended.
        in_force = facts.consent is not None and consent.id == facts.consent.id
        state = state_in_history(consent, consents, today)
        row = ConsentRow(
            consent=consent,
            state=state,
            givers=givers,
            scope=scope,
            is_current=in_force,
            my_giver=next((g for g in givers if user_id and g.person_id == user_id), None),
            cancelled_request=consent.completed_at is None and consent.withdrawn_at is not None,
        )
        row.pending_scope = [s for s in scope if s.status == "pending"]
        rows.append(row)
    return rows


def _seen_value(facts: LogFacts) -> str:
    return str(facts.consent.uuid) if facts.consent is not None else ""


@require_http_methods(["GET"])
def history(request: HttpRequest, log: uuid.UUID) -> HttpResponse:
    """`logs:consent`: the consent history, and the family's answers."""
    obj, facts = access_log(request, log, "consent.view")
    actor = actor_for(request)
    with transaction.atomic():
        record_read(request, obj, facts, "consent.view")
        rows = _consent_rows(obj, facts, actor)
        requests = consent_selectors.scope_requests(obj)
    current = next((r for r in rows if r.is_current), None)
    waiting = [r for r in rows if r.state is ConsentState.PENDING]
    in_force = current if current is not None and current.state.grants_access else None
    context: dict[str, Any] = {
        **header_context(obj, facts),
        "rows": rows,
        "current": current,
        "in_force": in_force,
        "waiting": waiting[0] if waiting else None,
        "is_coordinator": facts.is_coordinator,
        "is_consenter": facts.is_consenter,
        "is_family": facts.family_role is not None,
        "scope_requests": requests,
        "open_requests": [r for r in requests if r.status == ScopeChangeRequest.Status.OPEN],
        # Units the family has already let take part: a renewal marks the others as new.
        "in_force_unit_ids": {
            s.scope_unit.unit_id for s in in_force.scope if s.status == "confirmed"
        }
        if in_force is not None
        else set(),
    }
    if facts.is_coordinator and in_force is not None:
        taken = {s.scope_unit.unit_id for s in in_force.active_scope}
        context["scope_form"] = ScopeAddForm(
            units=municipality_units(obj.municipality_id).exclude(id__in=taken)
        )
    context.update(_family_context(request, obj, facts, actor, in_force, bool(waiting)))
    context.update(_share_context(obj, facts, actor))
    template = (
        "logs/lifecycle/consent_family.html"
        if facts.family_role is not None
        else "logs/lifecycle/consent.html"
    )
    return render(request, template, context)


@require_http_methods(GET_POST)
def request_view(request: HttpRequest, log: uuid.UUID) -> HttpResponse:
    """`logs:consent_request`: ask for consent, register a paper consent, or renew."""
    obj, facts = access_log(request, log, "consent.manage")
    units = municipality_units(obj.municipality_id)
    givers = services.required_givers(obj)
    form_kwargs: dict[str, Any] = {
        "units": units,
        "coordinator_unit": obj.unit,
        "givers": givers,
    }
    if request.method == "POST":
        form = ConsentRequestForm(request.POST, request.FILES, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            seen = _parse_seen(data["seen"])
            try:
                consent = services.request_consent(
                    actor=actor_for(request),
                    log=obj,
                    purpose=data["purpose"],
                    valid_from=data["valid_from"],
                    valid_to=data["valid_to"],
                    units=list(data["units"]),
                    method=data["method"],
                    scanned_form=data["scanned_form"],
                    signed_by=data["signed_by"],
                    seen_current=seen,
                )
            except ValidationError as error:
                service_errors(form, error)
            else:
                if consent.completed_at is not None:
                    messages.success(request, _("The consent is registered and in force."))
                elif consent.method == Consent.Method.PAPER:
                    messages.success(
                        request,
                        _(
                            "The paper consent is registered. It is in force when everyone "
                            "who must consent has signed."
                        ),
                    )
                else:
                    messages.success(
                        request,
                        _("The family is asked for consent. They answer when they log in."),
                    )
                return redirect("logs:consent", log=obj.uuid)
    else:
        initial = ConsentRequestForm.initial_for(
            child_name=obj.subject.first_name,
            coordinator_unit=obj.unit,
            months=obj.municipality.consent_validity_months,
            seen=_seen_value(facts),
        )
        if facts.consent is not None and facts.consent.completed_at is not None:
            # A renewal starts from what the family agreed to, units still waiting for
            # their confirmation included, so that nothing is silently dropped.
            initial["purpose"] = facts.consent.purpose
            kept = facts.consent.scope.filter(removed_at__isnull=True).values_list(
                "unit__uuid", flat=True
            )
            initial["units"] = list({obj.unit.uuid, *kept})
        form = ConsentRequestForm(initial=initial, **form_kwargs)
    waiting = Consent.objects.filter(
        log=obj, completed_at__isnull=True, withdrawn_at__isnull=True
    ).exists()
    return render_page(
        request,
        "logs/lifecycle/consent_request.html",
        {
            **header_context(obj, facts),
            "form": form,
            "current": facts.consent if facts.consent_open else None,
            "waiting": waiting,
            "givers": givers,
        },
        page="consent_request",
    )


def _parse_seen(value: str) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return uuid.UUID(int=0)  # never matches: treated as a changed consent


@require_POST
def cancel(request: HttpRequest, log: uuid.UUID) -> HttpResponse:
    obj, _facts = access_log(request, log, "consent.manage")
    try:
        services.cancel_pending_consent(actor=actor_for(request), log=obj)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The request for consent is cancelled."))
    return redirect("logs:consent", log=obj.uuid)


@require_POST
def scope_add(request: HttpRequest, log: uuid.UUID) -> HttpResponse:
    obj, _facts = access_log(request, log, "consent.manage")
    form = ScopeAddForm(request.POST, units=municipality_units(obj.municipality_id))
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("unit", [])))
        return redirect("logs:consent", log=obj.uuid)
    unit = form.cleaned_data["unit"]
    try:
        services.widen_scope(actor=actor_for(request), log=obj, unit=unit)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _(
                "The family is asked to confirm that %(unit)s may take part. Until they "
                "have, no one from %(unit)s can be added."
            )
            % {"unit": unit.name},
        )
    return redirect("logs:consent", log=obj.uuid)


@require_POST
def scope_remove(request: HttpRequest, log: uuid.UUID, unit: uuid.UUID) -> HttpResponse:
    obj, _facts = access_log(request, log, "consent.manage")
    target = municipality_units(obj.municipality_id).filter(uuid=unit).first()
    if target is None:
        raise Http404
    try:
        services.narrow_scope(actor=actor_for(request), log=obj, unit=target)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("%(unit)s is no longer in the consent. Its people lost access at once.")
            % {"unit": target.name},
        )
    return redirect("logs:consent", log=obj.uuid)


@require_http_methods(["GET"])
def scan(request: HttpRequest, log: uuid.UUID, consent: uuid.UUID) -> FileResponse:
    """The scanned paper form, as a download, written to the access log."""
    obj, facts = access_log(request, log, "consent.view")
    row = Consent.objects.filter(log=obj, uuid=consent).exclude(scanned_form="").first()
    if row is None:
        raise Http404
    with transaction.atomic():
        record_access(
            actor=actor_for(request).user,
            action="consent.scan",
            obj=row,
            object_type="Consent",
            subject_uuid=obj.subject.uuid,
            role=facts.role,
            unit_name=obj.unit.name if facts.is_coordinator else "",
            request=request,
        )
        try:
            handle = row.scanned_form.open("rb")
        except FileNotFoundError as missing:
            raise Http404 from missing
    extension = (
        row.scanned_form.name.rsplit(".", 1)[-1].lower() if "." in row.scanned_form.name else "pdf"
    )
    content_type = mimetypes.types_map.get(f".{extension}", "application/octet-stream")
    filename = f"{pgettext('file name', 'consent')}-{row.valid_from:%Y-%m-%d}.{extension}"
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)


# ---------------------------------------------------------------------------
# The family's answers
# ---------------------------------------------------------------------------


@require_POST
def give(request: HttpRequest, log: uuid.UUID, consent: uuid.UUID) -> HttpResponse:
    obj, _facts = access_log(request, log, "consent.respond")
    row = Consent.objects.filter(log=obj, uuid=consent).first()
    if row is None:
        raise Http404
    try:
        services.give_consent(actor=actor_for(request), consent=row)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        row.refresh_from_db()
        if row.completed_at is not None:
            messages.success(request, _("Thank you. The consent is in force."))
        else:
            messages.success(
                request,
                _("Thank you. The consent is in force when everyone who must answer has done so."),
            )
    return _back_to_consent(request, obj)


@require_http_methods(GET_POST)
def withdraw(request: HttpRequest, log: uuid.UUID) -> HttpResponse:
    obj, facts = access_log(request, log, "consent.respond")
    if request.method == "POST":
        try:
            services.withdraw_consent(actor=actor_for(request), log=obj)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(
                request,
                _(
                    "The consent is withdrawn. The services can no longer read the log. "
                    "You can still read it."
                ),
            )
        return _back_to_consent(request, obj)
    texts, text = chosen_text(request, obj.municipality_id)
    return render_page(
        request,
        "logs/lifecycle/consent_withdraw.html",
        {
            **header_context(obj, facts),
            "has_consent": facts.consent is not None
            and facts.consent_state not in (ConsentState.WITHDRAWN, ConsentState.DECLINED),
            "texts": texts,
            "chosen_text": text,
        },
        page="consent_withdraw",
    )


@require_POST
def scope_confirm(
    request: HttpRequest, log: uuid.UUID, consent: uuid.UUID, unit: uuid.UUID
) -> HttpResponse:
    obj, _facts = access_log(request, log, "consent.respond")
    scope_unit = (
        ConsentUnit.objects.filter(
            consent__log=obj, consent__uuid=consent, unit__uuid=unit, removed_at__isnull=True
        )
        .select_related("consent", "unit")
        .first()
    )
    if scope_unit is None:
        raise Http404
    done = services.confirm_scope(actor=actor_for(request), scope_unit=scope_unit)
    if done.confirmed_at is not None:
        messages.success(
            request, _("Thank you. %(unit)s may now take part.") % {"unit": done.unit.name}
        )
    else:
        messages.success(
            request,
            _("Thank you. %(unit)s may take part when everyone who must answer has confirmed.")
            % {"unit": done.unit.name},
        )
    return _back_to_consent(request, obj)


# ---------------------------------------------------------------------------
# The family's side (issue 6): renewing, asking to change the scope, texts in the
# language the family reads; the coordinator's answer to their requests.
# ---------------------------------------------------------------------------


def _back_to_consent(request: HttpRequest, log: RelayLog) -> HttpResponse:
    """Back to the consent page, in the consent text's language the family chose."""
    url = reverse("logs:consent", kwargs={"log": log.uuid})
    language = request.POST.get("text", "")
    if language in TEXT_LANGUAGE_NAMES:
        url += f"?text={language}"
    return redirect(url)


def chosen_text(request: HttpRequest, municipality_id: int) -> tuple[list[ConsentText], Any]:
    """The municipality's consent texts, and the one the family chose to read (`?text=pl`)."""
    texts = consent_selectors.consent_texts(municipality_id)
    wanted = request.GET.get("text", "")
    chosen = next((t for t in texts if t.language == wanted), None)
    return texts, chosen


def _family_context(
    request: HttpRequest,
    log: RelayLog,
    facts: LogFacts,
    actor: Actor,
    in_force: ConsentRow | None,
    waiting: bool,
) -> dict[str, Any]:
    if facts.family_role is None:
        return {}
    texts, chosen = chosen_text(request, log.municipality_id)
    context: dict[str, Any] = {
        "texts": texts,
        "chosen_text": chosen,
        # The same rule as the log page's "Close the log" link.
        "can_close": allowed(actor, "log.close", facts),
    }
    current = facts.consent
    context["can_renew"] = (
        not waiting
        and current is not None
        and current.completed_at is not None
        and facts.consent_state is not ConsentState.WITHDRAWN
        and allowed(actor, "consent.renew", facts)
    )
    if context["can_renew"]:
        from stafett.core.dates import add_months

        context["renew_until"] = add_months(
            timezone.localdate(), log.municipality.consent_validity_months
        )
    if in_force is not None and allowed(actor, "consent.ask_scope_change", facts):
        context["change_form"] = ScopeChangeForm(units=municipality_units(log.municipality_id))
    return context


@dataclass
class ShareChoice:
    guardian: Any
    since: Any  # when the youth let this guardian read the log, or None


def _share_context(log: RelayLog, facts: LogFacts, actor: Actor) -> dict[str, Any]:
    """A youth who consents alone decides whether their guardians read the log: the
    youth's choice (a form) and, for the coordinator, what the youth has chosen (the
    services must know whether the guardians read what they write)."""
    if not log.subject.consents_alone():
        return {}
    shares = {
        share.guardian_id: share
        for share in consent_selectors.guardian_shares(facts.consent, facts.consent_state)
    }
    context: dict[str, Any] = {
        "decides_alone": True,
        "shared_with": [share.guardian for share in shares.values()],
    }
    if allowed(actor, "consent.share", facts):
        context["share_choices"] = [
            ShareChoice(guardian, shares[guardian.id].shared_at if guardian.id in shares else None)
            for guardian in services.shareable_guardians(log)
        ]
    return context


@require_POST
def share(request: HttpRequest, log: uuid.UUID) -> HttpResponse:
    """`logs:consent_share`: the youth who consents alone chooses which guardians may
    read the log."""
    obj, _facts = access_log(request, log, "consent.share")
    try:
        shares = services.share_with_guardians(
            actor=actor_for(request), log=obj, guardian_uuids=request.POST.getlist("guardian")
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        if shares:
            messages.success(
                request,
                _("Saved. These may now read the log: %(names)s.")
                % {"names": ", ".join(s.guardian.get_full_name() for s in shares)},
            )
        else:
            messages.success(request, _("Saved. Your guardians cannot read the log."))
    return _back_to_consent(request, obj)


@require_POST
def renew(request: HttpRequest, log: uuid.UUID) -> HttpResponse:
    """`logs:consent_renew`: the family renews the consent themself."""
    obj, _facts = access_log(request, log, "consent.renew")
    try:
        renewal = services.renew_by_family(actor=actor_for(request), log=obj)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        if renewal.completed_at is not None:
            messages.success(
                request,
                _("Thank you. The consent is renewed until %(end)s.")
                % {"end": renewal.valid_to.strftime("%d.%m.%Y")},
            )
        else:
            # The same facts as the history line (`consent.renewed_by_family`, "waiting").
            waiting = [g.name for g in renewal.givers.all() if g.given_at is None]
            messages.success(
                request,
                _(
                    "Thank you. You have renewed the consent. The renewal counts once the "
                    "others who must consent have answered too (%(waiting)s). Until then, "
                    "the consent given before still counts."
                )
                % {"waiting": ", ".join(waiting)},
            )
    return _back_to_consent(request, obj)


@require_POST
def scope_ask(request: HttpRequest, log: uuid.UUID) -> HttpResponse:
    """`logs:scope_ask`: the family asks to add a unit to the consent or take one out."""
    obj, _facts = access_log(request, log, "consent.ask_scope_change")
    form = ScopeChangeForm(request.POST, units=municipality_units(obj.municipality_id))
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return _back_to_consent(request, obj)
    data = form.cleaned_data
    try:
        services.ask_scope_change(
            actor=actor_for(request),
            log=obj,
            unit=data["unit"],
            kind=data["kind"],
            message=data["message"],
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("The coordinator is asked. You see the answer here on the consent page."),
        )
    return _back_to_consent(request, obj)


@require_POST
def scope_answer(request: HttpRequest, log: uuid.UUID, request_id: uuid.UUID) -> HttpResponse:
    """`logs:scope_answer`: the coordinator answers the family's request."""
    obj, _facts = access_log(request, log, "consent.answer_scope_change")
    found = ScopeChangeRequest.objects.filter(log=obj, uuid=request_id).first()
    if found is None:
        raise Http404
    form = ScopeAnswerForm(request.POST)
    answer = form.cleaned_data["answer"] if form.is_valid() else ""
    accept = request.POST.get("accept") == "1"
    try:
        done = services.answer_scope_change(
            actor=actor_for(request), request=found, accept=accept, answer=answer
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        if not accept:
            messages.success(request, _("Your answer is sent to the family."))
        elif done.kind == ScopeChangeRequest.Kind.ADD:
            messages.success(
                request,
                _("%(unit)s is added to the consent as the family asked.")
                % {"unit": done.unit.name},
            )
        else:
            messages.success(
                request,
                _("%(unit)s is no longer in the consent. Its people lost access at once.")
                % {"unit": done.unit.name},
            )
    return redirect("logs:consent", log=obj.uuid)


@require_POST
def scope_take_back(request: HttpRequest, log: uuid.UUID, request_id: uuid.UUID) -> HttpResponse:
    """`logs:scope_take_back`: the family takes back a request not yet answered."""
    obj, _facts = access_log(request, log, "consent.ask_scope_change")
    found = ScopeChangeRequest.objects.filter(log=obj, uuid=request_id).first()
    if found is None:
        raise Http404
    try:
        services.take_back_scope_change(actor=actor_for(request), request=found)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Your request is taken back."))
    return _back_to_consent(request, obj)


# ---------------------------------------------------------------------------
# The family says no (issue 11, item 6): a clear "No" beside the "Yes".
# ---------------------------------------------------------------------------


@require_POST
def decline(request: HttpRequest, log: uuid.UUID, consent: uuid.UUID) -> HttpResponse:
    """`logs:consent_decline`: a person asked for consent says no, with an optional
    reason for the coordinator."""
    obj, facts = access_log(request, log, "consent.respond")
    row = Consent.objects.filter(log=obj, uuid=consent).first()
    if row is None:
        raise Http404
    try:
        services.decline_consent(
            actor=actor_for(request), consent=row, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        if facts.consent_open:
            messages.success(
                request,
                _(
                    "You said no to renewing your consent. The consent you gave still "
                    "counts until it runs out, and you can withdraw it at any time. The "
                    "coordinator can see your answer."
                ),
            )
        else:
            messages.success(
                request,
                _(
                    "You said no. Nothing is shared, and the services cannot read the log. "
                    "The coordinator can see your answer."
                ),
            )
    return _back_to_consent(request, obj)
