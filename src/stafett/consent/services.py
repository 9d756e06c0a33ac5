"""Writes for consent: ask, give, register on paper, renew, withdraw, widen, narrow.

Every function locks the log row, re-checks the policy inside the transaction and
records what happened as an event in the log's timeline.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stafett.consent.models import (
    TEXT_LANGUAGE_NAMES,
    Consent,
    ConsentGiver,
    ConsentState,
    ConsentText,
    ConsentUnit,
    GuardianShare,
    ScopeChangeRequest,
    ScopeConfirmation,
)
from stafett.consent.state import renewed_by_next, state_in_history
from stafett.core.dates import add_months
from stafett.core.errors import ConflictError, ServiceError
from stafett.logs.models import Handover, RelayLog
from stafett.logs.services import add_event, lock_log, require
from stafett.notifications import services as notifications
from stafett.organisation.models import Unit
from stafett.people.models import Guardianship
from stafett.policy import (
    Actor,
    Decision,
    acting_user,
    current_consent,
    decide,
    enforce,
    log_facts,
)

MAX_SCAN_BYTES = 10 * 1024 * 1024
SCAN_TYPES = {"application/pdf", "image/jpeg", "image/png"}
# Marks `request_consent(seen_current=...)` as not given: no double-submit check.
ANY_CURRENT = object()


def required_givers(log: RelayLog) -> list[tuple[Any, str, bool]]:
    """(user or None, name, is_subject) for everyone whose consent counts."""
    subject = log.subject
    if subject.consents_alone():
        return [(subject.user, subject.full_name, True)]
    guardians = Guardianship.objects.filter(
        subject=subject, parental_responsibility=True
    ).select_related("guardian")
    return [
        (g.guardian, g.guardian.get_full_name() or g.guardian.username, False) for g in guardians
    ]


def _is_the_youth(log: RelayLog, actor: Actor) -> bool:
    """The person acting is the child or youth the log is about (not a guardian)."""
    return actor.user is not None and log.subject.user_id == actor.user.id


def _is_complete(consent: Consent, all_required: bool) -> bool:
    givers = list(consent.givers.all())
    given = [g for g in givers if g.given_at is not None]
    if not givers:
        return False
    return len(given) == len(givers) if all_required else bool(given)


def _check_scan(scan: UploadedFile | None) -> None:
    if scan is None:
        raise ServiceError(_("Upload the scanned, signed consent form."))
    if scan.size is not None and scan.size > MAX_SCAN_BYTES:
        raise ServiceError(_("The scanned form is larger than 10 MB."))
    content_type = getattr(scan, "content_type", "")
    if content_type not in SCAN_TYPES:
        raise ServiceError(_("The scanned form must be a PDF, JPEG or PNG file."))


def _add_givers_and_scope(
    consent: Consent,
    *,
    givers: list[tuple[Any, str, bool]],
    answered: set[int],
    answered_by: str,
    units: Iterable[Unit],
    added_by: Any,
    now: datetime.datetime,
) -> None:
    """A new consent's rows: everyone who must answer (those at the indexes in `answered`
    have, by `answered_by`) and the units it covers, confirmed at once."""
    for index, (person, name, is_subject) in enumerate(givers):
        given = index in answered
        ConsentGiver.objects.create(
            consent=consent,
            person=person,
            name=name,
            is_subject=is_subject,
            given_at=now if given else None,
            method=answered_by if given else "",
        )
    for unit in units:
        ConsentUnit.objects.create(consent=consent, unit=unit, added_by=added_by, confirmed_at=now)


def request_consent(
    *,
    actor: Actor,
    log: RelayLog,
    purpose: str,
    valid_from: datetime.date,
    valid_to: datetime.date | None,
    units: Iterable[Unit],
    method: str,
    scanned_form: UploadedFile | None = None,
    signed_by: Iterable[int] = (),
    seen_current: object = ANY_CURRENT,
    after_handover: Handover | None = None,
) -> Consent:
    """Ask the family for consent (digital) or register a signed paper form.

    A new consent while another is in force is a renewal: the old one stays valid
    until the new one is complete, then it shows as replaced.

    `seen_current` is the consent (uuid, or None for none) the coordinator saw when
    the form was shown: when it has changed since (a double submit, or someone else
    registered one), nothing is created and a ConflictError says so.

    `after_handover` marks a renewal asked for because the coordinator changed.
    """

    with transaction.atomic():
        log = lock_log(log)
        require(actor, "consent.manage", log)
        if seen_current is not ANY_CURRENT:
            latest, _latest_state = current_consent(log)
            if (latest.uuid if latest is not None else None) != seen_current:
                raise ConflictError(
                    _(
                        "The consent changed while you were working (perhaps the form was "
                        "sent twice). Nothing was saved: look at the consent again."
                    )
                )
        municipality = log.municipality
        purpose = purpose.strip()
        if not purpose:
            raise ServiceError(_("Write what the consent is for."))
        if valid_to is None:
            valid_to = add_months(valid_from, municipality.consent_validity_months)
        if valid_to < valid_from:
            raise ServiceError(_("The consent cannot end before it starts."))
        if valid_to > add_months(valid_from, 60):
            raise ServiceError(_("A consent can last at most five years."))
        unit_list = list(units)
        if not unit_list:
            raise ServiceError(_("Choose at least one unit that may take part."))
        if any(u.municipality_id != log.municipality_id for u in unit_list):
            raise ServiceError(_("Only units in this municipality can be in the consent."))
        if log.unit not in unit_list:
            raise ServiceError(_("The coordinator's unit must be in the consent."))
        givers = required_givers(log)
        if not givers:
            raise ServiceError(
                _(
                    "No one can consent: the child has no guardian with parental "
                    "responsibility registered."
                )
            )
        if method not in Consent.Method.values:
            raise ServiceError(_("Choose how the consent is given."))
        pending = Consent.objects.filter(
            log=log, completed_at__isnull=True, withdrawn_at__isnull=True
        )
        if pending.exists():
            raise ServiceError(_("A consent is already waiting for the family. Withdraw it first."))
        signed = set(signed_by)
        if method == Consent.Method.PAPER:
            _check_scan(scanned_form)
            if not signed & set(range(len(givers))):
                raise ServiceError(_("Tick who signed the paper form."))
        now = timezone.now()
        consent = Consent.objects.create(
            municipality=municipality,
            log=log,
            purpose=purpose,
            valid_from=valid_from,
            valid_to=valid_to,
            method=method,
            scanned_form=scanned_form if method == Consent.Method.PAPER else "",
            requested_by=acting_user(actor),
            after_handover=after_handover,
        )
        _add_givers_and_scope(
            consent,
            givers=givers,
            answered=signed if method == Consent.Method.PAPER else set(),
            answered_by=Consent.Method.PAPER,
            units=unit_list,
            added_by=acting_user(actor),
            now=now,
        )
        add_event(
            log=log,
            actor=actor,
            event_type="consent.requested"
            if method == Consent.Method.DIGITAL
            else "consent.registered",
            units=[u.name for u in unit_list],
            start=valid_from,
            end=valid_to,
        )
        _complete_if_ready(consent, log, actor)
        return consent


def renew_after_handover_locked(
    *, actor: Actor, log: RelayLog, handover: Handover
) -> Consent | None:
    """Ask the family to renew their consent because the coordinator changed, when the
    municipality has chosen so (`Municipality.renew_consent_on_handover`).

    Called by `answer_handover` once the new coordinator holds the baton, inside its
    transaction and with the log locked; `actor` is the new coordinator. The request is
    the one a coordinator makes by hand to renew: the same purpose and units, from today
    for the municipality's default validity, answered digitally by the family. The
    consent in force stays in force until the family has given the new one (which then
    replaces it) or it ends: the help does not stop because the coordinator changed.

    Nothing is asked when the setting is off, when a request already waits for the
    family, or when no consent is in force (an expired or withdrawn consent is not
    renewed behind the family's back; the coordinator asks anew on the consent page).

    The units are those the consent in force covers, and those it waits for the family
    to confirm (a wider scope asked for earlier): the family sees every unit in the
    request before they answer, and a widening left on the old consent would be lost
    when the renewal replaces it. A transfer's new unit is always among them:
    `answer_handover` refuses the baton until the family has confirmed that unit.
    """
    if not log.municipality.renew_consent_on_handover:
        return None
    if Consent.objects.filter(
        log=log, completed_at__isnull=True, withdrawn_at__isnull=True
    ).exists():
        return None
    consent, state = current_consent(log)
    if consent is None or state is None or not state.grants_access:
        return None
    # Who is asked is who must consent (`required_givers`): the youth who consents alone
    # is asked in their own name, and the history line says so.
    variant = "youth" if log.subject.consents_alone() else ""
    units = [
        scope_unit.unit
        for scope_unit in consent.scope.filter(removed_at__isnull=True)
        .select_related("unit")
        .order_by("id")
    ]
    try:
        # In English, so that a refusal's reason is its msgid: the history line shows it
        # in each reader's language (`logs.events`, a MESSAGE parameter). Nothing else
        # the request stores is translated text.
        with translation.override("en"):
            renewal = request_consent(
                actor=actor,
                log=log,
                purpose=consent.purpose,
                valid_from=timezone.localdate(),
                valid_to=None,  # the municipality's default validity
                units=units,
                method=Consent.Method.DIGITAL,
                after_handover=handover,
            )
    except ServiceError as error:
        # The baton has changed hands all the same; say why the family was not asked.
        add_event(
            log=log,
            actor=actor,
            event_type="consent.renewal_not_asked",
            reason=" ".join(error.messages),
            variant=variant,
        )
        return None
    add_event(
        log=log,
        actor=actor,
        event_type="consent.renewal_on_handover",
        variant=variant,
    )
    return renewal


def _complete_if_ready(consent: Consent, log: RelayLog, actor: Actor) -> None:

    if consent.completed_at is not None:
        return
    if not _is_complete(consent, log.municipality.all_guardians_must_consent):
        return
    now = timezone.now()
    # The consent it renews: the latest completed one not yet replaced. Linked only now,
    # so that a request that is cancelled or withdrawn before it completes replaces
    # nothing (and a later renewal can still replace the old consent).
    # A consent given after a withdrawal renews nothing: the withdrawn chain stays ended.
    others = list(Consent.objects.filter(log=log).exclude(pk=consent.pk))
    previous = renewed_by_next(others)
    consent.completed_at = now
    consent.replaces = previous
    consent.save(update_fields=["completed_at", "replaces"])
    if previous is not None:
        _carry_shares(previous, consent, others)
    if log.status == RelayLog.Status.DRAFT:
        log.status = RelayLog.Status.ACTIVE
        log.activated_at = now
        log.revision += 1
        log.updated_at = now
        log.save(update_fields=["status", "activated_at", "revision", "updated_at"])
    add_event(log=log, actor=actor, event_type="consent.complete")
    # A log started from a concern (level 0) gets the concern's history now, with consent.
    from stafett.concerns.services import carry_into_log

    carry_into_log(actor=actor, log=log)


def give_consent(*, actor: Actor, consent: Consent) -> Consent:
    """A guardian or the youth consents digitally."""

    with transaction.atomic():
        log = lock_log(consent.log)
        require(actor, "consent.respond", log)
        consent = Consent.objects.select_for_update(of=("self",)).get(pk=consent.pk)  # type: ignore[assignment]
        if consent.withdrawn_at is not None or consent.completed_at is not None:
            raise ServiceError(_("This consent is no longer waiting for an answer."))
        giver = consent.givers.filter(person=actor.user).first()
        if giver is None:
            raise PermissionDenied
        if giver.given_at is not None:
            return consent  # a double submit changes nothing
        giver.given_at = timezone.now()
        giver.method = Consent.Method.DIGITAL
        giver.save(update_fields=["given_at", "method"])
        add_event(log=log, actor=actor, event_type="consent.given", person=acting_user(actor))
        _complete_if_ready(consent, log, actor)
        return consent


def withdraw_consent(*, actor: Actor, log: RelayLog) -> Consent:
    """Any consenting person withdraws; professionals' access ends at once."""

    with transaction.atomic():
        log = lock_log(log)
        require(actor, "consent.respond", log)
        consent, state = current_consent(log)
        if consent is None or state in (ConsentState.WITHDRAWN, ConsentState.DECLINED):
            raise ServiceError(_("There is no consent to withdraw."))
        now = timezone.now()
        # A withdrawal ends the whole chain (`consent.state`): the consent in force, an
        # early renewal that has not begun yet (and the consent it would replace), and a
        # request still waiting. Consents a renewal already replaced stay as they were
        # ("replaced", not "withdrawn").
        today = timezone.localdate()
        consents = list(Consent.objects.filter(log=log))
        ending = [
            c.pk
            for c in consents
            if c.withdrawn_at is None
            and state_in_history(c, consents, today) is not ConsentState.REPLACED
        ]
        Consent.objects.filter(pk__in=ending).update(withdrawn_at=now, withdrawn_by=actor.user)
        add_event(
            log=log,
            actor=actor,
            event_type="consent.withdrawn",
            variant="youth" if _is_the_youth(log, actor) else "",
            person=acting_user(actor),
        )
        notifications.consent_ended(log=log, consent=consent, occasion="withdrawn")
        # Guardians a youth who consents alone had let read the log lose it now, untold.
        notifications.settle_for_family_without_access(
            log=log,
            user_ids=GuardianShare.objects.filter(consent__log=log).values_list(
                "guardian_id", flat=True
            ),
        )
        consent.refresh_from_db()
        withdrawn: Consent = consent
        return withdrawn


def cancel_pending_consent(*, actor: Actor, log: RelayLog) -> None:
    """The coordinator takes back a request that is still waiting for the family."""

    with transaction.atomic():
        log = lock_log(log)
        require(actor, "consent.manage", log)
        changed = Consent.objects.filter(
            log=log, completed_at__isnull=True, withdrawn_at__isnull=True
        ).update(withdrawn_at=timezone.now(), withdrawn_by=actor.user)
        if not changed:
            raise ServiceError(_("No consent is waiting."))
        add_event(
            log=log,
            actor=actor,
            event_type="consent.cancelled",
        )


def widen_scope(*, actor: Actor, log: RelayLog, unit: Unit) -> ConsentUnit:
    """Add a unit: it counts only after the consenting people confirm."""

    with transaction.atomic():
        log = lock_log(log)
        require(actor, "consent.manage", log)
        return widen_scope_locked(actor=actor, log=log, unit=unit)


def widen_scope_locked(*, actor: Actor, log: RelayLog, unit: Unit) -> ConsentUnit:
    """The widening itself, for callers that hold the log's lock and have checked the
    policy (a unit leader's handover to another unit asks the family too)."""
    consent, state = current_consent(log)
    if consent is None or state is None or not state.grants_access:
        raise ServiceError(_("The consent must be valid before the scope can change."))
    if unit.municipality_id != log.municipality_id:
        raise ServiceError(_("Only units in this municipality can be in the consent."))
    if consent.scope.filter(unit=unit, removed_at__isnull=True).exists():
        raise ServiceError(_("%(unit)s is already in the consent.") % {"unit": unit.name})
    scope_unit = ConsentUnit.objects.create(consent=consent, unit=unit, added_by=acting_user(actor))
    add_event(
        log=log,
        actor=actor,
        event_type="consent.scope_requested",
        unit=unit.name,
    )
    return scope_unit


def confirm_scope(*, actor: Actor, scope_unit: ConsentUnit) -> ConsentUnit:

    with transaction.atomic():
        log = lock_log(scope_unit.consent.log)
        require(actor, "consent.respond", log)
        scope_unit = (
            ConsentUnit.objects.select_for_update(of=("self",))
            .select_related("unit")
            .get(pk=scope_unit.pk)
        )
        if scope_unit.confirmed_at is not None or scope_unit.removed_at is not None:
            return scope_unit
        ScopeConfirmation.objects.get_or_create(scope_unit=scope_unit, person=actor.user)
        required = [g for g in required_givers(log) if g[0] is not None]
        confirmed = set(scope_unit.confirmations.values_list("person_id", flat=True))
        needed = {g[0].id for g in required}
        all_required = log.municipality.all_guardians_must_consent
        if (all_required and needed <= confirmed) or (not all_required and confirmed & needed):
            scope_unit.confirmed_at = timezone.now()
            scope_unit.save(update_fields=["confirmed_at"])
            add_event(
                log=log,
                actor=actor,
                event_type="consent.scope_confirmed",
                unit=scope_unit.unit.name,
            )
        return scope_unit


def narrow_scope(*, actor: Actor, log: RelayLog, unit: Unit) -> None:
    """Remove a unit from the consent: its people lose access at once."""

    with transaction.atomic():
        log = lock_log(log)
        facts = log_facts(actor, log)
        if decide(actor, "consent.manage", facts) is not Decision.ALLOW:
            enforce(actor, "consent.respond", facts)
        if unit.id == log.unit_id:
            raise ServiceError(
                _("The coordinator's unit cannot leave the consent. Hand over first.")
            )
        consent, _state = current_consent(log)
        if consent is None:
            raise ServiceError(_("There is no consent."))
        changed = consent.scope.filter(unit=unit, removed_at__isnull=True).update(
            removed_at=timezone.now(), removed_by=actor.user
        )
        if not changed:
            raise ServiceError(_("%(unit)s is not in the consent.") % {"unit": unit.name})
        add_event(
            log=log,
            actor=actor,
            event_type="consent.scope_narrowed",
            unit=unit.name,
        )


# --- The family's side (issue 6) --------------------------------------------------------


def renew_by_family(*, actor: Actor, log: RelayLog) -> Consent:
    """A consenting guardian or youth renews the consent themself: the same purpose and
    the same units (those confirmed now), from today for the municipality's validity.
    Their own answer is given at once; when others must consent too, the consent in
    force still counts until they have, and then the renewal replaces it."""

    with transaction.atomic():
        log = lock_log(log)
        require(actor, "consent.renew", log)
        user = acting_user(actor)
        consent, state = current_consent(log)
        if consent is None or consent.completed_at is None or state is ConsentState.WITHDRAWN:
            raise ServiceError(
                _("There is no consent to renew. The coordinator can ask you for a new one.")
            )
        if Consent.objects.filter(
            log=log, completed_at__isnull=True, withdrawn_at__isnull=True
        ).exists():
            raise ServiceError(
                _("A consent is already waiting for an answer. Answer that one instead.")
            )
        units = [
            scope_unit.unit
            for scope_unit in consent.scope.filter(
                confirmed_at__isnull=False, removed_at__isnull=True
            )
            .select_related("unit")
            .order_by("id")
        ]
        if not any(u.id == log.unit_id for u in units):
            raise ServiceError(
                _("The coordinator's unit is not in your consent. Ask the coordinator instead.")
            )
        givers = required_givers(log)
        if not any(g[0] is not None and g[0].id == user.id for g in givers):
            raise PermissionDenied
        today = timezone.localdate()
        renewal = Consent.objects.create(
            municipality=log.municipality,
            log=log,
            purpose=consent.purpose,
            valid_from=today,
            valid_to=add_months(today, log.municipality.consent_validity_months),
            method=Consent.Method.DIGITAL,
            requested_by=user,
        )
        _add_givers_and_scope(
            renewal,
            givers=givers,
            answered={
                index
                for index, (person, _name, _is_subject) in enumerate(givers)
                if person is not None and person.id == user.id
            },
            answered_by=Consent.Method.DIGITAL,
            units=units,
            added_by=user,
            now=timezone.now(),
        )
        # Say what happened: who renewed, and whether the renewal counts yet or waits
        # for the others who must consent (the consent in force counts meanwhile).
        waiting = [g.name for g in renewal.givers.all() if g.given_at is None]
        if _is_complete(renewal, log.municipality.all_guardians_must_consent):
            variant = "youth" if _is_the_youth(log, actor) else ""
            waiting = []
        else:
            variant = "waiting"
        add_event(
            log=log,
            actor=actor,
            event_type="consent.renewed_by_family",
            variant=variant,
            person=user,
            units=[u.name for u in units],
            start=renewal.valid_from,
            end=renewal.valid_to,
            waiting=waiting,
        )
        _complete_if_ready(renewal, log, actor)
        return renewal


def ask_scope_change(
    *, actor: Actor, log: RelayLog, unit: Unit, kind: str, message: str = ""
) -> ScopeChangeRequest:
    """The family asks the coordinator to add a unit to the consent, or take one out."""

    with transaction.atomic():
        log = lock_log(log)
        require(actor, "consent.ask_scope_change", log)
        if kind not in ScopeChangeRequest.Kind.values:
            raise ServiceError(_("Choose whether to add or take out a unit."))
        if unit.municipality_id != log.municipality_id or not unit.is_active:
            raise ServiceError(_("Only units in this municipality can be in the consent."))
        consent, state = current_consent(log)
        if consent is None or state is None or not state.grants_access:
            raise ServiceError(_("The consent must be valid before the scope can change."))
        in_scope = consent.scope.filter(unit=unit, removed_at__isnull=True).exists()
        if kind == ScopeChangeRequest.Kind.ADD and in_scope:
            raise ServiceError(_("%(unit)s is already in the consent.") % {"unit": unit.name})
        if kind == ScopeChangeRequest.Kind.REMOVE:
            if not in_scope:
                raise ServiceError(_("%(unit)s is not in the consent.") % {"unit": unit.name})
            if unit.id == log.unit_id:
                raise ServiceError(
                    _(
                        "The coordinator works at %(unit)s, so it cannot leave the consent. "
                        "You can withdraw the whole consent instead."
                    )
                    % {"unit": unit.name}
                )
        if ScopeChangeRequest.objects.filter(
            log=log, unit=unit, status=ScopeChangeRequest.Status.OPEN
        ).exists():
            raise ServiceError(
                _("You have already asked about %(unit)s. The coordinator will answer.")
                % {"unit": unit.name}
            )
        request = ScopeChangeRequest.objects.create(
            municipality_id=log.municipality_id,
            log=log,
            kind=kind,
            unit=unit,
            message=message.strip()[:500],
            asked_by=acting_user(actor),
        )
        add_event(
            log=log,
            actor=actor,
            event_type="consent.scope_change_asked",
            variant="" if kind == ScopeChangeRequest.Kind.ADD else "remove",
            person=acting_user(actor),
            unit=unit.name,
        )
        return request


def answer_scope_change(
    *, actor: Actor, request: ScopeChangeRequest, accept: bool, answer: str = ""
) -> ScopeChangeRequest:
    """The coordinator answers the family's request. Adding a unit: the family asked for
    it, so the person who asked has confirmed it already (others who must consent
    confirm as usual). Taking a unit out: its people lose access at once."""

    with transaction.atomic():
        log = lock_log(request.log)
        require(actor, "consent.answer_scope_change", log)
        request = (
            ScopeChangeRequest.objects.select_for_update(of=("self",))
            .select_related("unit", "asked_by")
            .get(pk=request.pk)
        )
        if request.status != ScopeChangeRequest.Status.OPEN:
            raise ServiceError(_("This request has already been answered."))
        answer = answer.strip()[:500]
        if accept and request.kind == ScopeChangeRequest.Kind.ADD:
            scope_unit = widen_scope_locked(actor=actor, log=log, unit=request.unit)
            ScopeConfirmation.objects.get_or_create(scope_unit=scope_unit, person=request.asked_by)
            _confirm_if_enough(actor=actor, log=log, scope_unit=scope_unit)
        elif accept:
            narrow_scope(actor=actor, log=log, unit=request.unit)
        elif not answer:
            raise ServiceError(_("Tell the family why, in a few words."))
        request.status = (
            ScopeChangeRequest.Status.DONE if accept else ScopeChangeRequest.Status.DECLINED
        )
        request.answered_by = acting_user(actor)
        request.answered_at = timezone.now()
        request.answer = answer
        request.save(update_fields=["status", "answered_by", "answered_at", "answer"])
        if not accept:
            add_event(
                log=log,
                actor=actor,
                event_type="consent.scope_change_declined",
                unit=request.unit.name,
                answer=answer,
            )
        return request


def take_back_scope_change(*, actor: Actor, request: ScopeChangeRequest) -> ScopeChangeRequest:
    """The family takes back a request the coordinator has not answered yet."""

    with transaction.atomic():
        log = lock_log(request.log)
        require(actor, "consent.ask_scope_change", log)
        request = (
            ScopeChangeRequest.objects.select_for_update(of=("self",))
            .select_related("unit")
            .get(pk=request.pk)
        )
        if request.status != ScopeChangeRequest.Status.OPEN:
            raise ServiceError(_("This request has already been answered."))
        request.status = ScopeChangeRequest.Status.WITHDRAWN
        request.answered_by = acting_user(actor)
        request.answered_at = timezone.now()
        request.save(update_fields=["status", "answered_by", "answered_at"])
        add_event(
            log=log,
            actor=actor,
            event_type="consent.scope_change_taken_back",
            person=acting_user(actor),
            unit=request.unit.name,
        )
        return request


def _confirm_if_enough(*, actor: Actor, log: RelayLog, scope_unit: ConsentUnit) -> None:
    """A widened scope counts once enough of the consenting people have confirmed it."""
    needed = {g[0].id for g in required_givers(log) if g[0] is not None}
    confirmed = set(scope_unit.confirmations.values_list("person_id", flat=True))
    all_required = log.municipality.all_guardians_must_consent
    if (all_required and needed <= confirmed) or (not all_required and confirmed & needed):
        scope_unit.confirmed_at = timezone.now()
        scope_unit.save(update_fields=["confirmed_at"])
        add_event(
            log=log,
            actor=actor,
            event_type="consent.scope_confirmed",
            unit=scope_unit.unit.name,
        )


def save_consent_text(
    *,
    actor: Actor,
    municipality: Any,
    language: str,
    information: str,
    consent_statement: str,
    withdraw_text: str = "",
    consent_button: str = "",
    renew_button: str = "",
    withdraw_button: str = "",
    text: ConsentText | None = None,
) -> ConsentText:
    """The administrator adds or changes the consent texts in one language."""
    enforce(actor, "municipality.manage", municipality)
    if language not in TEXT_LANGUAGE_NAMES:
        raise ServiceError(_("Choose a language."))
    information, consent_statement = information.strip(), consent_statement.strip()
    if not information or not consent_statement:
        raise ServiceError(_("Write both the information and what the family agrees to."))
    with transaction.atomic():
        clash = ConsentText.objects.filter(municipality=municipality, language=language)
        if text is not None:
            clash = clash.exclude(pk=text.pk)
        if clash.exists():
            raise ServiceError(
                _("There is already a text in %(language)s. Change that one instead.")
                % {"language": TEXT_LANGUAGE_NAMES[language]}
            )
        if text is None:
            text = ConsentText(municipality=municipality)
        text.language = language
        text.information = information
        text.consent_statement = consent_statement
        text.withdraw_text = withdraw_text.strip()
        text.consent_button = consent_button.strip()[:100]
        text.renew_button = renew_button.strip()[:100]
        text.withdraw_button = withdraw_button.strip()[:100]
        text.updated_at = timezone.now()
        text.updated_by = acting_user(actor)
        text.save()
        return text


def remove_consent_text(*, actor: Actor, text: ConsentText) -> None:
    enforce(actor, "consent_text.manage", text)
    text.delete()


# --- A youth who consents alone shares the log with their guardians (issue 10) ----------


def _carry_shares(previous: Consent, renewal: Consent, others: list[Consent]) -> None:
    """A renewal of a consent in force (or of an early renewal still waiting for its first
    day) carries over the youth's choice of guardians who may read the log: the youth
    renews what they agreed to and can change the choice at any time. After an expiry or
    a withdrawal nothing is carried: the youth chooses again."""
    kept = state_in_history(previous, others, timezone.localdate())
    if kept not in (ConsentState.VALID, ConsentState.EXPIRING, ConsentState.UPCOMING):
        return
    for share in GuardianShare.objects.filter(consent=previous, ended_at__isnull=True):
        GuardianShare.objects.get_or_create(
            consent=renewal,
            guardian_id=share.guardian_id,
            ended_at=None,
            defaults={
                "municipality_id": share.municipality_id,
                "shared_by_id": share.shared_by_id,
                "shared_at": share.shared_at,
            },
        )


def shareable_guardians(log: RelayLog) -> list[Any]:
    """The guardians (with parental responsibility) a youth may share the log with."""
    return [
        g.guardian
        for g in Guardianship.objects.filter(subject=log.subject, parental_responsibility=True)
        .select_related("guardian")
        .order_by("guardian__first_name", "guardian__last_name", "guardian_id")
    ]


def share_with_guardians(
    *, actor: Actor, log: RelayLog, guardian_uuids: Iterable[str]
) -> list[GuardianShare]:
    """The youth who consents alone chooses which guardians may read the log (none, some
    or all). The choice belongs to the consent in force, and to an early renewal that
    has not begun yet, so it ends with the consent. Guardians let in read the log; they
    never write in it nor decide about the consent. Returns the shares now in force."""

    with transaction.atomic():
        log = lock_log(log)
        require(actor, "consent.share", log)
        user = acting_user(actor)
        guardians = {str(g.uuid): g for g in shareable_guardians(log)}
        wanted = {str(value) for value in guardian_uuids}
        if wanted - set(guardians):
            raise ServiceError(_("Choose only among your guardians."))
        consent, _state = current_consent(log)
        today = timezone.localdate()
        consents = list(Consent.objects.filter(log=log))
        targets = [consent] + [
            c
            for c in consents
            if c.pk != consent.pk and state_in_history(c, consents, today) is ConsentState.UPCOMING
        ]
        wanted_ids = {guardians[key].id for key in wanted}
        now = timezone.now()
        changed = False
        for target in targets:
            live = {
                share.guardian_id: share
                for share in GuardianShare.objects.select_for_update().filter(
                    consent=target, ended_at__isnull=True
                )
            }
            for guardian_id, share in live.items():
                if guardian_id not in wanted_ids:
                    share.ended_at = now
                    share.ended_by = user
                    share.save(update_fields=["ended_at", "ended_by"])
                    changed = True
            for guardian_id in wanted_ids - set(live):
                GuardianShare.objects.create(
                    municipality_id=log.municipality_id,
                    consent=target,
                    guardian_id=guardian_id,
                    shared_by=user,
                    shared_at=now,
                )
                changed = True
        if changed:
            # A guardian let out is not told: their unread items about the log are settled.
            notifications.settle_for_family_without_access(
                log=log, user_ids=[g.id for g in guardians.values()]
            )
            names = [
                g.get_full_name() or g.username for key, g in guardians.items() if key in wanted
            ]
            add_event(
                log=log,
                actor=actor,
                event_type="consent.shared",
                variant="" if names else "none",
                name=log.subject.first_name,
                names=names,
            )
        return list(
            GuardianShare.objects.filter(consent=consent, ended_at__isnull=True).select_related(
                "guardian"
            )
        )


# ---------------------------------------------------------------------------
# The family says no (issue 11, item 6)
# ---------------------------------------------------------------------------

DECLINE_REASON_MAX = 500


def decline_consent(*, actor: Actor, consent: Consent, reason: str = "") -> Consent:
    """A person asked for consent says no. The request ends (like a cancelled one: a
    consent still in force goes on until its own end, a draft log stays without access),
    nothing is shared, and the coordinator sees who said no, when and, if given, why."""
    reason = reason.strip()
    if len(reason) > DECLINE_REASON_MAX:
        raise ServiceError(_("Please keep it to %(max)d characters.") % {"max": DECLINE_REASON_MAX})
    with transaction.atomic():
        log = lock_log(consent.log)
        require(actor, "consent.respond", log)
        consent = Consent.objects.select_for_update(of=("self",)).get(pk=consent.pk)  # type: ignore[assignment]
        if consent.withdrawn_at is not None or consent.completed_at is not None:
            raise ServiceError(_("This consent is no longer waiting for an answer."))
        if not consent.givers.filter(person=actor.user).exists():
            raise PermissionDenied
        now = timezone.now()
        consent.withdrawn_at = now
        consent.withdrawn_by = actor.user
        consent.declined_at = now
        consent.decline_reason = reason
        consent.save(
            update_fields=["withdrawn_at", "withdrawn_by", "declined_at", "decline_reason"]
        )
        add_event(
            log=log,
            actor=actor,
            event_type="consent.declined",
            person=actor.user,
        )
        notifications.consent_declined(log=log, consent=consent)
        declined: Consent = consent
        return declined
