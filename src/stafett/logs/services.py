"""Writes for relay logs. Each function locks the log, re-checks the policy inside
the transaction, changes the data and records the change in the log's timeline."""

from __future__ import annotations

import datetime
import logging
import smtplib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stafett.accounts.models import User
from stafett.core.errors import ConflictError, ServiceError
from stafett.logs import events
from stafett.logs.models import (
    EDITABLE_KINDS,
    OPEN_MEASURE_STATUSES,
    CloseReason,
    DecisionKind,
    Entry,
    EntryKind,
    EntryVersion,
    Handover,
    HandoverMeasure,
    Level,
    MeasureStatus,
    Participant,
    RelayLog,
    Step,
    VoiceMode,
)
from stafett.notifications import services as notifications
from stafett.organisation.models import Membership, Unit
from stafett.people.models import Subject
from stafett.policy import (
    Actor,
    Decision,
    LogFacts,
    Role,
    acting_user,
    decide,
    enforce,
    log_facts,
    refuse,
)

logger = logging.getLogger(__name__)

HANDOVER_DAYS = 14

# Fields each kind of entry may set; anything else is ignored.
KIND_FIELDS: dict[str, set[str]] = {
    EntryKind.UNDERSTANDING: {"body"},
    EntryKind.GOAL: {"title", "body"},
    EntryKind.MEASURE: {
        "title",
        "body",
        "responsible",
        "start_date",
        "evaluation_date",
        "measure_status",
    },
    EntryKind.MEETING: {
        "meeting_kind",
        "starts_at",
        "place",
        "video_link",
        "agenda",
        "minutes",
        "decisions",
        "cancelled",
        "invited",
        "attended",
    },
    EntryKind.EVALUATION: {"measure", "body", "effect", "next_steps", "worry_score"},
    EntryKind.BRIGHT_SPOT: {"body"},
    EntryKind.CHILD_VOICE: {"body", "voice_mode"},
    EntryKind.NOTE: {"body"},
}
WRITE_ACTION = {
    EntryKind.BRIGHT_SPOT: "log.add_bright_spot",
    EntryKind.NOTE: "log.write",
    EntryKind.CHILD_VOICE: "log.add_child_voice",
}


def lock_log(log: RelayLog) -> RelayLog:
    locked: RelayLog = (
        RelayLog.objects.select_for_update(of=("self",))
        .select_related("subject", "subject__municipality", "unit", "origin_unit", "municipality")
        .get(pk=log.pk)
    )
    return locked


def require(actor: Actor, action: str, log: RelayLog) -> LogFacts:
    facts = log_facts(actor, log)
    enforce(actor, action, facts)
    return facts


def _author(actor: Actor, log: RelayLog, facts: LogFacts | None) -> dict[str, Any]:
    user = actor.user
    unit = None
    role = facts.role if facts is not None else ""
    if facts is not None and facts.is_coordinator:
        unit = log.unit
    elif facts is not None and facts.participant is not None:
        unit = facts.participant.unit
    return {
        "author": user,
        "author_name": (user.get_full_name() or user.username) if user else "Stafett",
        "author_role": role or (actor.main_role if user else "system"),
        "author_unit": unit,
    }


def _bump(log: RelayLog, *fields: str) -> None:
    log.revision += 1
    log.updated_at = timezone.now()
    log.save(update_fields=[*fields, "revision", "updated_at"])


def _new_entry(
    *,
    log: RelayLog,
    kind: str,
    actor: Actor,
    facts: LogFacts | None,
    coordinator_only: bool = False,
    **fields: Any,
) -> Entry:
    invited = fields.pop("invited", None)
    attended = fields.pop("attended", None)
    entry = Entry.objects.create(
        log=log,
        kind=kind,
        created_by=actor.user,
        version_count=1,
        coordinator_only=coordinator_only,
    )
    version = EntryVersion.objects.create(
        entry=entry, number=1, **_author(actor, log, facts), **fields
    )
    if invited is not None:
        version.invited.set(invited)
    if attended is not None:
        version.attended.set(attended)
    entry.latest = version
    entry.save(update_fields=["latest"])
    return entry


def add_event(*, log: RelayLog, actor: Actor, event_type: str, **values: Any) -> Entry:
    """A line in the log's history, written by the action it records: its kind and its
    parameters (`logs.events`), so that each reader reads it in their own language."""
    facts = log_facts(actor, log) if actor.user is not None else None
    params = events.params_for(event_type, **values)
    return _new_entry(
        log=log,
        kind=EntryKind.EVENT,
        actor=actor,
        facts=facts,
        event_type=event_type,
        event_params=params,
        body=events.english(event_type, params),
    )


def add_carried(
    *,
    log: RelayLog,
    author: User | None,
    author_name: str,
    author_role: str,
    author_unit: Unit | None,
    title: str,
    body: str,
    title_params: dict[str, Any] | None = None,
) -> Entry:
    """A piece of a level-0 concern chosen for the log (`concerns.carry`), credited to the
    person who wrote it. Written by the consent coming into force; never edited."""
    entry = Entry.objects.create(log=log, kind=EntryKind.EVENT, created_by=author, version_count=1)
    version = EntryVersion.objects.create(
        entry=entry,
        number=1,
        author=author,
        author_name=author_name,
        author_role=author_role,
        author_unit=author_unit,
        event_type="concern.carried",
        event_params=title_params,
        title=title,
        body=body,
    )
    entry.latest = version
    entry.save(update_fields=["latest"])
    return entry


# --- Creating a log -------------------------------------------------------------------


def find_subject(
    *,
    actor: Actor,
    first_name: str,
    last_name: str,
    birth_date: datetime.date,
    reason: str,
    request: Any = None,
) -> Subject | None:
    """The one subject of the actor's municipality with exactly these details, or None.

    Never a search: names must match in full (case and extra spaces aside) together
    with the birth date, so that nobody can browse the municipality's children. Finding
    one is a read of the child's record: it is written to the access log (`reason`: what
    it was found for) in the caller's transaction.
    """
    from stafett.audit.log import record_access

    enforce(actor, "log.start")
    matches = list(
        Subject.objects.in_municipality(actor.municipality_id).filter(
            first_name__iexact=" ".join(first_name.split()),
            last_name__iexact=" ".join(last_name.split()),
            birth_date=birth_date,
        )[:2]
    )
    if len(matches) != 1:
        return None
    subject: Subject = matches[0]
    record_access(
        actor=actor.user,
        action="subject.find",
        obj=subject,
        subject_uuid=subject.uuid,
        role=actor.main_role,
        reason=reason,
        request=request,
    )
    return subject


def register_subject(
    *,
    actor: Actor,
    kind: str,
    first_name: str,
    last_name: str,
    birth_date: datetime.date,
) -> Subject:
    """Register a child or a pregnant woman the municipality does not know yet."""
    enforce(actor, "log.start")
    if actor.municipality_id is None:
        raise PermissionDenied
    first_name, last_name = " ".join(first_name.split()), " ".join(last_name.split())
    if not first_name or not last_name:
        raise ServiceError(_("Write the first name and the last name."))
    if kind not in Subject.Kind.values:
        raise ServiceError(_("Choose a child or a pregnant woman."))
    if birth_date > timezone.localdate():
        raise ServiceError(_("The birth date cannot be in the future."))
    return Subject.objects.create(
        municipality_id=actor.municipality_id,
        kind=kind,
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
    )


def start_log(*, actor: Actor, subject: Subject, unit: Unit, level: int) -> RelayLog:
    """An employee starts a log and becomes its first coordinator. It waits for consent."""
    enforce(actor, "log.start")
    if actor.user is None:
        raise PermissionDenied
    if unit.id not in actor.unit_ids or unit.municipality_id != actor.municipality_id:
        raise ServiceError(_("You can start a relay log only for a unit you work in."))
    if subject.municipality_id != actor.municipality_id:
        raise PermissionDenied
    if level not in Level.values:
        raise ServiceError(_("Choose level 1, 2 or 3."))
    with transaction.atomic():
        open_log = (
            RelayLog.objects.filter(subject=subject).exclude(status=RelayLog.Status.CLOSED).first()
        )
        if open_log is not None:
            raise ServiceError(
                _("This child already has an open relay log. Ask its coordinator to add you.")
            )
        log = RelayLog.objects.create(
            municipality_id=actor.municipality_id,
            subject=subject,
            origin_unit=unit,
            unit=unit,
            coordinator=actor.user,
            level=level,
            created_by=actor.user,
        )
        add_event(log=log, actor=actor, event_type="log.started")
        return log


# --- Participants ---------------------------------------------------------------------


def add_participant(
    *, actor: Actor, log: RelayLog, user: User, unit: Unit, task: str, can_write: bool = True
) -> Participant:
    with transaction.atomic():
        log = lock_log(log)
        facts = require(actor, "log.coordinate", log)
        task = task.strip()
        if not task:
            raise ServiceError(_("Write the person's task in the collaboration."))
        if (
            user.municipality_id != log.municipality_id
            or unit.municipality_id != log.municipality_id
        ):
            raise ServiceError(_("Only people in this municipality can take part."))
        if unit.id not in facts.scope_unit_ids:
            raise ServiceError(
                _("%(unit)s is not in the family's consent. Ask the family to add the unit first.")
                % {"unit": unit.name}
            )
        if not Membership.objects.current().filter(user=user, unit=unit).exists():
            raise ServiceError(
                _("%(person)s does not work in %(unit)s.") % {"person": user, "unit": unit.name}
            )
        if user.id == log.coordinator_id:
            raise ServiceError(_("The coordinator already takes part."))
        if Participant.objects.current().filter(log=log, user=user).exists():
            raise ServiceError(_("%(person)s already takes part.") % {"person": user})
        participant = Participant.objects.create(
            log=log,
            user=user,
            unit=unit,
            task=task,
            can_write=can_write,
            added_by=acting_user(actor),
        )
        add_event(
            log=log,
            actor=actor,
            event_type="participant.added",
            person=user,
            unit=unit.name,
            task=task,
        )
        return participant


def remove_participant(*, actor: Actor, participant: Participant, message: str) -> Participant:
    with transaction.atomic():
        log = lock_log(participant.log)
        require(actor, "log.coordinate", log)
        participant = (
            Participant.objects.select_for_update(of=("self",))
            .select_related("user", "unit")
            .get(pk=participant.pk)
        )
        if participant.removed_at is not None:
            return participant
        participant.removed_at = timezone.now()
        participant.removed_by = actor.user
        participant.removal_message = message.strip()[:500]
        participant.save(update_fields=["removed_at", "removed_by", "removal_message"])
        add_event(
            log=log,
            actor=actor,
            event_type="participant.removed",
            person=participant.user,
            unit=participant.unit.name,
        )
        removed = participant
        transaction.on_commit(lambda: _tell_removed_participant(removed, acting_user(actor)))
        return participant


def _tell_removed_participant(participant: Participant, coordinator: User) -> None:
    """E-mail the removed person the coordinator's short message. It names no child: the
    form tells the coordinator that the message is e-mailed. A failed send is logged and
    changes nothing (the removal stands)."""
    person = participant.user
    if not person.email:
        return
    context = {
        "person": person,
        "coordinator": coordinator,
        "unit": participant.unit.name,
        "message": participant.removal_message,
        "home_url": settings.STAFETT_BASE_URL.rstrip("/") + reverse("home:home"),
    }
    # The person's own choice of e-mail language, else the municipality's.
    with translation.override(notifications.email_language(person)):
        subject = " ".join(
            render_to_string("logs/email/participant_removed_subject.txt", context).split()
        )
        body = render_to_string("logs/email/participant_removed_body.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])
    except (OSError, smtplib.SMTPException):
        logger.exception("Could not e-mail %s about the end of their part in a log", person.pk)


# --- Handover -------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureChoice:
    """Who holds a measure after the handover, as the proposer chose it: `to_user` None
    is the new coordinator. `base_version` is the version the proposer saw."""

    measure: uuid.UUID
    base_version: int
    to_user: User | None


def held_measures(log: RelayLog, user_ids: Sequence[int]) -> list[Entry]:
    """The log's measures still being carried out with one of `user_ids` responsible."""
    return list(
        Entry.objects.filter(
            log=log,
            kind=EntryKind.MEASURE,
            latest__responsible_id__in=list(user_ids),
            latest__measure_status__in=OPEN_MEASURE_STATUSES,
        )
        .select_related("latest", "latest__responsible")
        .order_by("created_at", "id")
    )


def reading_participants(log: RelayLog, scope_unit_ids: frozenset[int]) -> list[Participant]:
    """The participants who read the log now (their unit is in the consent): the only
    people besides the coordinator a measure may be handed to."""
    return list(
        Participant.objects.current()
        .filter(log=log, unit_id__in=scope_unit_ids)
        .exclude(user_id=log.coordinator_id)
        .select_related("user", "unit")
        .order_by("user__first_name", "user__last_name", "id")
    )


def may_stay(log: RelayLog, facts: LogFacts) -> bool:
    """The coordinator may stay on as a participant only for a unit the family's consent
    covers: a participant outside it reads nothing."""
    return log.unit_id in facts.scope_unit_ids


def propose_handover(
    *,
    actor: Actor,
    log: RelayLog,
    to_user: User,
    to_unit: Unit,
    message: str,
    stays: bool = False,
    stay_task: str = "",
    measures: Sequence[MeasureChoice] = (),
) -> Handover:
    """Offer the baton. `stays`: the coordinator stays on as a participant once it is
    accepted. `measures`: who takes each measure the coordinator is responsible for
    (those not named go to the new coordinator, or stay with a coordinator who stays)."""
    from stafett.consent.services import widen_scope_locked

    with transaction.atomic():
        log = lock_log(log)
        facts = require(actor, "handover.propose", log)
        message = message.strip()
        if not message:
            raise ServiceError(_("Write a message to the new coordinator."))
        if (
            to_user.municipality_id != log.municipality_id
            or to_unit.municipality_id != log.municipality_id
        ):
            raise ServiceError(_("The new coordinator must work in this municipality."))
        if (
            not to_user.is_active
            or not Membership.objects.current().filter(user=to_user, unit=to_unit).exists()
        ):
            raise ServiceError(
                _("%(person)s does not work in %(unit)s.")
                % {"person": to_user, "unit": to_unit.name}
            )
        if to_user.id == log.coordinator_id:
            raise ServiceError(_("%(person)s already holds the baton.") % {"person": to_user})
        stay_task = stay_task.strip()
        if stays:
            if not may_stay(log, facts):
                raise ServiceError(
                    _(
                        "%(person)s cannot stay on as a participant: %(unit)s is not in the "
                        "family's consent, so they could not read the log."
                    )
                    % {"person": log.coordinator, "unit": log.unit.name}
                )
            if not stay_task:
                raise ServiceError(_("Write the task they have when they stay on."))
        now = timezone.now()
        # An earlier proposal that expired unanswered no longer blocks a new one.
        Handover.objects.filter(
            log=log, status=Handover.Status.PENDING, expires_at__lte=now
        ).update(status=Handover.Status.CANCELLED, answered_at=now)
        if Handover.objects.filter(log=log, status=Handover.Status.PENDING).exists():
            raise ServiceError(_("A handover is already waiting for an answer."))
        plan = _check_measure_choices(
            actor=actor, log=log, facts=facts, to_user=to_user, stays=stays, measures=measures
        )
        handover = Handover.objects.create(
            log=log,
            from_user=log.coordinator,
            to_user=to_user,
            to_unit=to_unit,
            proposed_by=acting_user(actor),
            message=message,
            expires_at=now + datetime.timedelta(days=HANDOVER_DAYS),
            from_stays=stays,
            stay_task=stay_task if stays else "",
        )
        HandoverMeasure.objects.bulk_create(
            HandoverMeasure(handover=handover, measure=entry, base_version=version, to_user=target)
            for entry, version, target in plan
        )
        if to_unit.id not in facts.scope_unit_ids and not scope_pending(log, to_unit):
            # A transfer to another unit: the family confirms the wider consent first.
            widen_scope_locked(actor=actor, log=log, unit=to_unit)
        add_event(
            log=log,
            actor=actor,
            event_type="handover.proposed",
            person=to_user,
            unit=to_unit.name,
        )
        notifications.handover_proposed(actor=actor, handover=handover)
        return handover


def _check_measure_choices(
    *,
    actor: Actor,
    log: RelayLog,
    facts: LogFacts,
    to_user: User,
    stays: bool,
    measures: Sequence[MeasureChoice],
) -> list[tuple[Entry, int, User | None]]:
    """The proposer's choices, checked against the log as it is now (under its lock):
    each measure must still be the coordinator's and unchanged since the form was shown,
    and go to the new coordinator, a participant who reads the log, or the coordinator
    who stays. Any fault refuses the whole proposal."""
    if not measures:
        return []
    # Only someone who reads the log chooses for its measures (a unit leader proposing
    # for a coordinator who left sees none of them: they all go to the new coordinator).
    if decide(actor, "log.view", facts) is not Decision.ALLOW:
        raise ServiceError(_("Only someone who reads the log can hand its measures on."))
    held = {e.uuid: e for e in held_measures(log, [log.coordinator_id])}
    readers = {p.user_id for p in reading_participants(log, facts.scope_unit_ids)}
    plan: list[tuple[Entry, int, User | None]] = []
    seen: set[uuid.UUID] = set()
    for choice in measures:
        entry = held.get(choice.measure)
        if entry is None or choice.measure in seen:
            raise ConflictError(
                _(
                    "A measure in the list is no longer %(person)s's to hand on (someone "
                    "changed it or stopped it). Nothing was proposed: look at the list "
                    "again."
                )
                % {"person": log.coordinator}
            )
        seen.add(choice.measure)
        if entry.version_count != choice.base_version:
            raise ConflictError(
                _(
                    "Someone changed the measure “%(title)s” while you were choosing. Nothing "
                    "was proposed: look at the list again."
                )
                % {"title": entry.latest.title if entry.latest else ""}
            )
        target = choice.to_user
        if target is not None and target.id == to_user.id:
            target = None
        if target is not None and target.id == log.coordinator_id and not stays:
            raise ServiceError(
                _("%(person)s can keep a measure only if they stay on as a participant.")
                % {"person": log.coordinator}
            )
        if target is not None and target.id != log.coordinator_id and target.id not in readers:
            raise ServiceError(
                _(
                    "%(person)s does not take part in this log (or cannot read it): a measure "
                    "can go only to the new coordinator or to someone who takes part."
                )
                % {"person": target}
            )
        plan.append((entry, choice.base_version, target))
    return plan


def handover_measure_plan(
    log: RelayLog,
    handover: Handover,
    *,
    holder_id: int,
    stays: bool,
    scope_unit_ids: frozenset[int],
) -> list[tuple[Entry, User | None, bool]]:
    """What accepting the handover does to the measures held by the person who hands the
    baton over (and by anyone holding it for them, a unit leader in between): for each
    one, who holds it after (None: the new coordinator), and whether the proposer's
    choice had to be set aside (that person no longer reads the log).

    No measure is left with someone who cannot read the log: a coordinator who leaves
    hands every measure on, to the new coordinator unless the proposer chose someone
    who still takes part; a coordinator who stays keeps those not chosen for others."""
    from_id = handover.from_user_id
    held = held_measures(log, [from_id, holder_id])
    choices = {
        c.measure_id: c
        for c in HandoverMeasure.objects.filter(handover=handover).select_related("to_user")
    }
    readers = {p.user_id: p.user for p in reading_participants(log, scope_unit_ids)}
    plan: list[tuple[Entry, User | None, bool]] = []
    for entry in held:
        assert entry.latest is not None
        holder = entry.latest.responsible
        keeps = stays and entry.latest.responsible_id == from_id
        target: User | None = holder if keeps else None
        set_aside = False
        choice = choices.get(entry.id)
        if choice is not None:
            chosen = choice.to_user
            if chosen is None or chosen.id == handover.to_user_id:
                target = None
            elif chosen.id == from_id and stays:
                target = chosen
            elif chosen.id in readers:
                target = readers[chosen.id]
            else:
                set_aside = True
        plan.append((entry, target, set_aside))
    return plan


def answer_handover(
    *, actor: Actor, handover: Handover, accept: bool, message: str = ""
) -> Handover:
    with transaction.atomic():
        log = lock_log(handover.log)
        require(actor, "handover.answer", log)
        handover = (
            Handover.objects.select_for_update(of=("self",))
            .select_related("to_unit", "from_user")
            .get(pk=handover.pk)
        )
        if not handover.is_open():
            raise ServiceError(_("This handover is no longer open."))
        facts = log_facts(actor, log)
        if accept and handover.to_unit_id not in facts.scope_unit_ids:
            raise ServiceError(
                _(
                    "The family has not yet confirmed that %(unit)s may take part. "
                    "The baton stays where it is until they have."
                )
                % {"unit": handover.to_unit.name}
            )
        now = timezone.now()
        handover.status = Handover.Status.ACCEPTED if accept else Handover.Status.DECLINED
        handover.answered_at = now
        handover.answer_message = message.strip()[:500]
        handover.save(update_fields=["status", "answered_at", "answer_message"])
        if not accept:
            add_event(
                log=log,
                actor=actor,
                event_type="handover.declined",
                person=actor.user,
            )
            return handover
        previous = log.coordinator
        old_unit = log.unit
        stays, refused = _stays_on(log, handover, facts)
        log.coordinator = handover.to_user
        log.unit = handover.to_unit
        _bump(log, "coordinator", "unit")
        # The new coordinator no longer needs a participant row of their own.
        Participant.objects.current().filter(log=log, user=handover.to_user).update(
            removed_at=now, removed_by=actor.user, removal_message="Became coordinator"
        )
        add_event(
            log=log,
            actor=actor,
            event_type="handover.accepted",
            new=handover.to_user,
            unit=handover.to_unit.name,
            old=previous,
        )
        if stays:
            Participant.objects.create(
                log=log,
                user=handover.from_user,
                unit=old_unit,
                task=handover.stay_task,
                can_write=True,
                added_by=acting_user(actor),
            )
            add_event(
                log=log,
                actor=actor,
                event_type="participant.added",
                variant="stays",
                person=handover.from_user,
                unit=old_unit.name,
                task=handover.stay_task,
            )
        elif refused:
            add_event(
                log=log,
                actor=actor,
                event_type="handover.stay_refused",
                person=handover.from_user,
                unit=old_unit.name,
            )
        _hand_on_measures(actor=actor, log=log, handover=handover, holder=previous, stays=stays)
        from stafett.consent.services import renew_after_handover_locked

        renew_after_handover_locked(actor=actor, log=log, handover=handover)
        notifications.handover_accepted(actor=actor, handover=handover)
        return handover


def _stays_on(log: RelayLog, handover: Handover, facts: LogFacts) -> tuple[bool, bool]:
    """Can the old coordinator stay on, as the proposal asked? Checked again when the
    baton moves: they must still hold it, work in its unit, and the consent must still
    cover that unit. Returns (stays, asked but cannot)."""
    if not handover.from_stays:
        return False, False
    person = handover.from_user
    if (
        log.coordinator_id == person.id
        and person.is_active
        and log.unit_id in facts.scope_unit_ids
        and Membership.objects.current().filter(user=person, unit_id=log.unit_id).exists()
        and person.id != handover.to_user_id
    ):
        return True, False
    # The history line ("handover.stay_refused") says why, in each reader's language.
    return False, True


def _hand_on_measures(
    *, actor: Actor, log: RelayLog, handover: Handover, holder: User, stays: bool
) -> None:
    """The measures of the one who handed over get their new responsible person: a new
    version of each (the same path as any edit), the person told as on any edit, and one
    line in the history naming them all. Runs after the baton has moved."""
    facts = log_facts(actor, log)
    plan = handover_measure_plan(
        log, handover, holder_id=holder.id, stays=stays, scope_unit_ids=facts.scope_unit_ids
    )
    lines: list[str] = []
    aside: list[str] = []
    for entry, target, set_aside in plan:
        entry = (
            Entry.objects.select_for_update(of=("self",))
            .select_related("latest", "latest__responsible")
            .get(pk=entry.pk)
        )
        assert entry.latest is not None
        person = target or handover.to_user
        if entry.latest.responsible_id == person.id:
            continue
        previous = entry.latest
        _append_version(
            actor=actor, log=log, facts=facts, entry=entry, data={"responsible": person}
        )
        notifications.entry_written(actor=actor, entry=entry, previous=previous)
        # Titles and names are people's words, shown as written in every language; the
        # mark of a choice set aside is a sign, not a sentence.
        lines.append(f"“{previous.title}” → {person}")
        if set_aside:
            aside.append(f"“{previous.title}”")
    if lines and aside:
        add_event(
            log=log,
            actor=actor,
            event_type="handover.measures",
            variant="set_aside",
            list=lines,
            set_aside=aside,
        )
    elif lines:
        add_event(log=log, actor=actor, event_type="handover.measures", list=lines)


def scope_pending(log: RelayLog, unit: Unit) -> bool:
    """Is the unit waiting for the family to confirm it in the consent?"""
    from stafett.consent.models import ConsentUnit

    return ConsentUnit.objects.filter(
        consent__log=log, unit=unit, confirmed_at__isnull=True, removed_at__isnull=True
    ).exists()


def cancel_handover(*, actor: Actor, handover: Handover) -> Handover:
    with transaction.atomic():
        log = lock_log(handover.log)
        require(actor, "handover.propose", log)
        handover = Handover.objects.select_for_update(of=("self",)).get(pk=handover.pk)
        if handover.status != Handover.Status.PENDING:
            return handover
        handover.status = Handover.Status.CANCELLED
        handover.answered_at = timezone.now()
        handover.save(update_fields=["status", "answered_at"])
        add_event(log=log, actor=actor, event_type="handover.cancelled")
        return handover


# --- Someone leaves the unit ------------------------------------------------------------


def take_baton_until_handover(
    *, actor: Actor, log: RelayLog, leaving: User, request: Any = None
) -> RelayLog:
    """The unit's leader holds the baton of someone who leaves the unit, until a new
    coordinator accepts it (a handover the leader, or one already proposed, offers).
    Called inside `organisation.services.end_membership`'s transaction, before the
    membership ends: the log is never without a coordinator who counts."""
    from stafett.audit.log import record_access

    with transaction.atomic():
        log = lock_log(log)
        require(actor, "handover.propose", log)
        leader = acting_user(actor)
        if log.coordinator_id != leaving.id or log.unit_id not in actor.leader_unit_ids:
            raise ServiceError(_("Only the leader of the log's unit can take its baton."))
        now = timezone.now()
        log.coordinator = leader
        _bump(log, "coordinator")
        # The leader needs no participant row of their own while holding the baton.
        Participant.objects.current().filter(log=log, user=leader).update(
            removed_at=now, removed_by=leader, removal_message="Became coordinator"
        )
        add_event(
            log=log,
            actor=actor,
            event_type="handover.interim",
            old=leaving,
            unit=log.unit.name,
            leader=leader,
        )
        record_access(
            actor=leader,
            action="handover.interim",
            obj=log,
            object_type="RelayLog",
            subject_uuid=log.subject.uuid,
            role="coordinator",
            unit_name=log.unit.name,
            reason=f"{leaving.get_full_name() or leaving.username} left the unit",
            request=request,
        )
        return log


def end_part_in_unit(*, actor: Actor, person: User, unit: Unit) -> None:
    """Someone leaves the unit: the batons offered to them for it are withdrawn, and their
    part in logs for it ends (their access already ended with the membership; this keeps
    it from coming back if they return, and tells the log's readers). One line in each
    log's history. Called inside `end_membership`'s transaction."""
    now = timezone.now()
    name = person.get_full_name() or person.username
    offered = list(
        Handover.objects.select_for_update(of=("self",))
        .filter(to_user=person, to_unit=unit, status=Handover.Status.PENDING)
        .select_related("log")
    )
    for handover in offered:
        handover.status = Handover.Status.CANCELLED
        handover.answered_at = now
        handover.answer_message = "Left the unit"
        handover.save(update_fields=["status", "answered_at", "answer_message"])
        add_event(
            log=handover.log,
            actor=actor,
            event_type="handover.cancelled",
            variant="left_unit",
            person=name,
            unit=unit.name,
        )
    parts = list(
        Participant.objects.current()
        .select_for_update(of=("self",))
        .filter(user=person, unit=unit)
        .select_related("log")
    )
    for part in parts:
        part.removed_at = now
        part.removed_by = actor.user
        part.removal_message = "Left the unit"
        part.save(update_fields=["removed_at", "removed_by", "removal_message"])
        add_event(
            log=part.log,
            actor=actor,
            event_type="participant.left_unit",
            person=name,
            unit=unit.name,
        )


# --- Decisions ------------------------------------------------------------------------


def _check_revision(log: RelayLog, revision: int | None) -> None:
    if revision is not None and revision != log.revision:
        raise ConflictError(
            _("Someone else changed this log while you were working. Look at it again and retry.")
        )


def move(
    *,
    actor: Actor,
    log: RelayLog,
    reason: str,
    to_step: str | None = None,
    to_level: int | None = None,
    revision: int | None = None,
) -> Entry:
    """A recorded decision to move to another step and/or level."""
    with transaction.atomic():
        log = lock_log(log)
        facts = require(actor, "log.coordinate", log)
        _check_revision(log, revision)
        reason = reason.strip()
        if not reason:
            raise ServiceError(_("Write the reason for the decision."))
        if to_step is not None and to_step not in Step.values:
            raise ServiceError(_("Choose a step."))
        if to_level is not None and to_level not in Level.values:
            raise ServiceError(_("Choose level 1, 2 or 3."))
        new_step = to_step or log.step
        new_level = to_level or log.level
        if new_step == log.step and new_level == log.level:
            raise ServiceError(_("The log is already there."))
        kind = DecisionKind.LEVEL if new_level != log.level else DecisionKind.STEP
        entry = _new_entry(
            log=log,
            kind=EntryKind.DECISION,
            actor=actor,
            facts=facts,
            decision_kind=kind,
            body=reason,
            from_level=log.level,
            to_level=new_level,
            from_step=log.step,
            to_step=new_step,
        )
        log.step, log.level = new_step, new_level
        _bump(log, "step", "level")
        return entry


def close_log(
    *,
    actor: Actor,
    log: RelayLog,
    reason: str,
    close_reason: str,
    continues_in: str = "",
    revision: int | None = None,
) -> Entry:
    with transaction.atomic():
        log = lock_log(log)
        facts = require(actor, "log.close", log)
        _check_revision(log, revision)
        if close_reason not in CloseReason.values:
            raise ServiceError(_("Choose why the log closes."))
        if facts.family_role is not None and close_reason not in FAMILY_CLOSE_REASONS:
            raise ServiceError(_("Choose why you want to end it."))
        continues_in = continues_in.strip()
        if close_reason == CloseReason.INDIVIDUAL_PLAN and not continues_in:
            raise ServiceError(_("Say where the work continues (the individual plan)."))
        entry = _new_entry(
            log=log,
            kind=EntryKind.DECISION,
            actor=actor,
            facts=facts,
            decision_kind=DecisionKind.CLOSE,
            body=reason.strip(),
            close_reason=close_reason,
            continues_in=continues_in,
            from_level=log.level,
            from_step=log.step,
        )
        log.status = RelayLog.Status.CLOSED
        log.closed_at = timezone.now()
        log.close_reason = close_reason
        log.continues_in = continues_in
        _bump(log, "status", "closed_at", "close_reason", "continues_in")
        Handover.objects.filter(log=log, status=Handover.Status.PENDING).update(
            status=Handover.Status.CANCELLED, answered_at=timezone.now()
        )
        _cancel_upcoming_meetings(actor=actor, log=log, facts=facts)
        # The archive document (PDF and package) is made in the background once the
        # closing has committed (issue 12).
        from stafett.archive.services import archive_on_closing

        archive_on_closing(log)
        return entry


# The reasons a family may give for closing their log (where the work goes on after an
# individual plan is for the staff to record).
FAMILY_CLOSE_REASONS = (CloseReason.GOALS_MET, CloseReason.MOVED_AWAY, CloseReason.FAMILY_ENDED)


def _cancel_upcoming_meetings(*, actor: Actor, log: RelayLog, facts: LogFacts) -> None:
    """A closed log holds no more meetings: each one still to come gets a new version that
    cancels it, and the invited are told (their calendar files are cancelled, same UID)."""
    upcoming = Entry.objects.filter(
        log=log,
        kind=EntryKind.MEETING,
        latest__cancelled=False,
        latest__starts_at__gt=timezone.now(),
    ).select_related("latest")
    for entry in upcoming:
        previous = entry.latest
        # A new version like any edit: everything kept from the one before, but cancelled.
        _append_version(actor=actor, log=log, facts=facts, entry=entry, data={"cancelled": True})
        notifications.entry_written(actor=actor, entry=entry, previous=previous)


def reopen_log(*, actor: Actor, log: RelayLog, reason: str, revision: int | None = None) -> Entry:
    with transaction.atomic():
        log = lock_log(log)
        facts = require(actor, "log.reopen", log)
        _check_revision(log, revision)
        if not reason.strip():
            raise ServiceError(_("Write the reason for reopening."))
        entry = _new_entry(
            log=log,
            kind=EntryKind.DECISION,
            actor=actor,
            facts=facts,
            decision_kind=DecisionKind.REOPEN,
            body=reason.strip(),
            to_level=log.level,
            to_step=log.step,
        )
        log.status = RelayLog.Status.ACTIVE
        log.closed_at = None
        log.close_reason = ""
        log.continues_in = ""
        _bump(log, "status", "closed_at", "close_reason", "continues_in")
        return entry


# --- Content --------------------------------------------------------------------------


def _clean_fields(
    *,
    kind: str,
    log: RelayLog,
    facts: LogFacts,
    fields: dict[str, Any],
    previous: EntryVersion | None,
) -> dict[str, Any]:
    allowed = KIND_FIELDS[kind]
    data = {k: v for k, v in fields.items() if k in allowed}
    if previous is not None:
        for name in allowed - {"invited", "attended"}:
            data.setdefault(name, getattr(previous, name))
        if "invited" in allowed:
            # People who may no longer be in the meeting (a guardian the youth stopped
            # sharing the log with) fall out of an edit that does not name the invited.
            still = meeting_people_ids(log)
            data.setdefault("invited", [u for u in previous.invited.all() if u.id in still])
            data.setdefault("attended", [u for u in previous.attended.all() if u.id in still])
    for key in ("title", "body", "place", "agenda", "minutes", "decisions", "next_steps"):
        if isinstance(data.get(key), str):
            data[key] = data[key].strip()
    if kind == EntryKind.GOAL and not data.get("title"):
        raise ServiceError(_("Write the goal."))
    needs_text = (
        EntryKind.UNDERSTANDING,
        EntryKind.BRIGHT_SPOT,
        EntryKind.NOTE,
        EntryKind.CHILD_VOICE,
    )
    if kind in needs_text and not data.get("body"):
        raise ServiceError(_("Write something first."))
    if kind == EntryKind.MEASURE:
        if not data.get("title"):
            raise ServiceError(_("Write what the measure is."))
        responsible = data.get("responsible")
        if responsible is None:
            raise ServiceError(_("Choose who is responsible for the measure."))
        unit_id = responsible_unit_ids(log).get(responsible.id)
        if unit_id is None and previous is not None and previous.responsible_id == responsible.id:
            # Unchanged on a new version (an evaluation, say) after they left: kept as written.
            unit_id = previous.responsible_unit_id
        if unit_id is None:
            raise ServiceError(_("The responsible person must take part in this log."))
        data["responsible_unit_id"] = unit_id
        start, evaluation = data.get("start_date"), data.get("evaluation_date")
        if start is None or evaluation is None:
            raise ServiceError(_("Give a start date and an evaluation date."))
        if evaluation < start:
            raise ServiceError(_("The evaluation date cannot be before the start date."))
        data.setdefault("measure_status", MeasureStatus.PLANNED)
        if data["measure_status"] not in MeasureStatus.values:
            raise ServiceError(_("Choose a status."))
    if kind == EntryKind.MEETING:
        if data.get("starts_at") is None:
            raise ServiceError(_("Give the time of the meeting."))
        if not data.get("meeting_kind"):
            raise ServiceError(_("Choose the kind of meeting."))
        if not data.get("place") and not data.get("video_link"):
            raise ServiceError(_("Give a place or a video link."))
        allowed_people = meeting_people_ids(log)
        for key in ("invited", "attended"):
            people = list(data.get(key) or [])
            if any(p.id not in allowed_people for p in people):
                raise ServiceError(_("Only people in this log can be invited to its meetings."))
            data[key] = people
    if kind == EntryKind.EVALUATION:
        measure = data.get("measure")
        if measure is None or measure.log_id != log.id or measure.kind != EntryKind.MEASURE:
            raise ServiceError(_("Choose a measure in this log to evaluate."))
        if not data.get("body"):
            raise ServiceError(_("Write what happened."))
        if not data.get("effect"):
            raise ServiceError(_("Choose the effect."))
        score = data.get("worry_score")
        if score is not None and not 1 <= score <= 10:
            raise ServiceError(_("Choose a worry score from 1 to 10."))
    if kind == EntryKind.CHILD_VOICE:
        # The youth writes in their own voice; anything an adult writes is marked as such.
        data["voice_mode"] = VoiceMode.OWN if facts.family_role is not None else VoiceMode.RECORDED
    return data


def responsible_unit_ids(log: RelayLog) -> dict[int, int]:
    """Who may be responsible for a measure, with the unit they answer for: the
    coordinator and the participants taking part now."""
    units = dict(Participant.objects.current().filter(log=log).values_list("user_id", "unit_id"))
    units[log.coordinator_id] = log.unit_id
    return units


def meeting_people_ids(log: RelayLog) -> set[int]:
    from stafett.policy import family_reader_ids

    ids = {log.coordinator_id}
    ids |= set(Participant.objects.current().filter(log=log).values_list("user_id", flat=True))
    # The family who may read the log: the guardians of a youth who consents alone only
    # when the youth shares it with them.
    ids |= family_reader_ids(log)
    if log.subject.user_id:
        ids.add(log.subject.user_id)
    return ids


def _write_action(kind: str) -> str:
    return WRITE_ACTION.get(EntryKind(kind), "log.write")


def add_entry(
    *, actor: Actor, log: RelayLog, kind: str, coordinator_only: bool = False, **fields: Any
) -> Entry:
    """`coordinator_only`: the youth's own voice, for the coordinator only (see
    `policy.entry_visible`); only the youth, in their own voice, may ask for it."""
    if kind not in EDITABLE_KINDS:
        raise ServiceError(_("This kind of entry cannot be written by hand."))
    with transaction.atomic():
        log = lock_log(log)
        facts = require(actor, _write_action(kind), log)
        if coordinator_only and (
            kind != EntryKind.CHILD_VOICE or facts.family_role is not Role.YOUTH
        ):
            raise ServiceError(
                _("Only the youth's own voice can be kept for the coordinator only.")
            )
        data = _clean_fields(kind=kind, log=log, facts=facts, fields=fields, previous=None)
        entry = _new_entry(
            log=log,
            kind=kind,
            actor=actor,
            facts=facts,
            coordinator_only=coordinator_only,
            **data,
        )
        if kind == EntryKind.EVALUATION:
            _mark_measure_evaluated(actor=actor, log=log, facts=facts, measure=data["measure"])
        log.updated_at = timezone.now()
        log.save(update_fields=["updated_at"])
        notifications.entry_written(actor=actor, entry=entry)
        return entry


def _mark_measure_evaluated(
    *, actor: Actor, log: RelayLog, facts: LogFacts, measure: Entry
) -> None:
    measure = (
        Entry.objects.select_for_update(of=("self",)).select_related("latest").get(pk=measure.pk)
    )
    if measure.latest is not None and measure.latest.measure_status != MeasureStatus.EVALUATED:
        _append_version(
            actor=actor,
            log=log,
            facts=facts,
            entry=measure,
            data={"measure_status": MeasureStatus.EVALUATED},
        )


def _append_version(
    *, actor: Actor, log: RelayLog, facts: LogFacts, entry: Entry, data: dict[str, Any]
) -> EntryVersion:
    previous = entry.latest
    assert previous is not None
    cleaned = _clean_fields(kind=entry.kind, log=log, facts=facts, fields=data, previous=previous)
    invited = cleaned.pop("invited", None)
    attended = cleaned.pop("attended", None)
    version = EntryVersion.objects.create(
        entry=entry, number=entry.version_count + 1, **_author(actor, log, facts), **cleaned
    )
    if invited is not None:
        version.invited.set(invited)
    if attended is not None:
        version.attended.set(attended)
    entry.latest = version
    entry.version_count += 1
    entry.save(update_fields=["latest", "version_count"])
    return version


def may_edit(facts: LogFacts, entry: Entry, actor: Actor) -> bool:
    """Authors edit their own entries; the coordinator edits meetings, goals, measures and
    the shared understanding; the responsible participant updates their measure."""
    if entry.kind not in EDITABLE_KINDS or facts.is_closed:
        return False
    user = actor.user
    if user is None:
        return False
    if entry.created_by_id == user.id:
        return True
    if facts.is_coordinator and entry.kind in (
        EntryKind.MEETING,
        EntryKind.GOAL,
        EntryKind.MEASURE,
        EntryKind.UNDERSTANDING,
    ):
        return True
    latest = entry.latest
    # The responsible person updates their measure while they take part.
    return (
        entry.kind == EntryKind.MEASURE
        and latest is not None
        and latest.responsible_id == user.id
        and facts.participant is not None
    )


def edit_entry(*, actor: Actor, entry: Entry, base_version: int, **fields: Any) -> EntryVersion:
    """A new version; the old ones stay. `base_version` is the version the editor saw:
    if someone saved in between, nothing is overwritten and a conflict is reported."""
    with transaction.atomic():
        log = lock_log(entry.log)
        entry = (
            Entry.objects.select_for_update(of=("self",)).select_related("latest").get(pk=entry.pk)
        )
        action = (
            "log.add_comment" if entry.kind == EntryKind.BRIGHT_SPOT else _write_action(entry.kind)
        )
        facts = require(actor, action, log)
        if not may_edit(facts, entry, actor):
            refuse(actor, action, facts)
        if entry.version_count != base_version:
            raise ConflictError(
                _(
                    "Someone else saved a change to this entry while you were editing. "
                    "Nothing was overwritten: look at the new version and make your change again."
                )
            )
        previous = entry.latest
        version = _append_version(actor=actor, log=log, facts=facts, entry=entry, data=fields)
        notifications.entry_written(actor=actor, entry=entry, previous=previous)
        return version
