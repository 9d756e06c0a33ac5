"""Writes for concerns (level 0). Each function locks the concern, re-checks the policy
inside the transaction, validates, changes the data and appends a history record."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stafett.accounts.models import User
from stafett.concerns.carry import CARRYABLE, CarryChoice, CarryItem, carry_items
from stafett.concerns.models import (
    ChildWelfareReport,
    Concern,
    ConcernRecord,
    ConcernShare,
    Level0Settings,
    Outcome,
    RecordKind,
    ReportVersion,
    SentHow,
    Step,
    Urgency,
    WorryBand,
    WorryScore,
)
from stafett.concerns.worry import SCALE_MAX, SCALE_MIN
from stafett.core.errors import ServiceError
from stafett.core.texts import clean_texts, language_name
from stafett.logs import events
from stafett.logs.models import RelayLog
from stafett.organisation.models import Membership, Municipality, Unit
from stafett.people.models import Subject
from stafett.policy import (
    Actor,
    ConcernFacts,
    acting_user,
    child_log_facts,
    concern_facts,
    enforce,
    open_log_of,
    refuse,
)

MAX_TEXT = 5000


def _name(user: User | None) -> str:
    if user is None:
        return "Stafett"
    return user.get_full_name() or user.username


def lock_concern(concern: Concern) -> Concern:
    locked: Concern = (
        Concern.objects.select_for_update(of=("self",))
        .select_related("municipality", "unit", "subject", "log")
        .get(pk=concern.pk)
    )
    return locked


def require(actor: Actor, action: str, concern: Concern) -> ConcernFacts:
    facts = concern_facts(actor, concern)
    enforce(actor, action, facts)
    return facts


def _text(value: str, message: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(message)
    if len(value) > MAX_TEXT:
        raise ServiceError(_("The text is too long (at most 5000 characters)."))
    return value


def _record(concern: Concern, actor: Actor, kind: str, **fields: Any) -> ConcernRecord:
    return ConcernRecord.objects.create(
        concern=concern, kind=kind, author=actor.user, author_name=_name(actor.user), **fields
    )


def _line(key: str, **values: Any) -> dict[str, Any]:
    """A system line of the concern's history: its key and parameters, and the line in
    English as its body (`ConcernRecord.params`)."""
    params = {"line": key, **events.params_for(key, events.CONCERN_LINES, **values)}
    with translation.override("en"):
        body = events.render(key, params, events.CONCERN_LINES)
    return {"params": params, "body": body}


def _english(label: Any) -> str:
    """A choice's English label: its msgid, translated when shown."""
    with translation.override("en"):
        return str(label)


def _advance(concern: Concern, step: str) -> None:
    """Steps move forward only (a late observation does not send a concern back)."""
    order = list(Step.values)
    if order.index(step) > order.index(concern.step):
        concern.step = step
    concern.revision += 1
    concern.save(update_fields=["step", "revision"])


def _check_score(score: int | None) -> None:
    if score is not None and not SCALE_MIN <= score <= SCALE_MAX:
        raise ServiceError(_("Choose a worry score from 1 to 10."))


def _check_date(day: datetime.date, message: str) -> None:
    if day > timezone.localdate():
        raise ServiceError(message)


# --- Step 1: assess (registering) --------------------------------------------------------


def register_concern(
    *,
    actor: Actor,
    unit: Unit,
    kind: str,
    label: str,
    noticed: str,
    noticed_on: datetime.date,
    noticed_where: str = "",
    score: int | None = None,
    subject: Subject | None = None,
) -> Concern:
    """An employee registers a concern, with or without naming the child yet."""
    user = acting_user(actor)
    enforce(actor, "concern.register")
    if unit.municipality_id != actor.municipality_id or unit.id not in actor.unit_ids:
        raise ServiceError(_("Choose a unit you work in."))
    if kind not in Concern.Kind.values:
        raise ServiceError(_("Choose a child or a pregnant woman."))
    label = " ".join((label or "").split())
    if subject is None and not label:
        raise ServiceError(
            _("Write initials or a description such as “a child in group Blue”, or name the child.")
        )
    if len(label) > 120:
        raise ServiceError(_("Keep the description short (at most 120 characters)."))
    if subject is not None and subject.municipality_id != actor.municipality_id:
        raise PermissionDenied
    noticed = _text(noticed, _("Write what you noticed."))
    _check_date(noticed_on, _("The date cannot be in the future."))
    _check_score(score)
    with transaction.atomic():
        municipality = Municipality.objects.get(id=actor.municipality_id)
        today = timezone.localdate()
        concern = Concern.objects.create(
            municipality=municipality,
            unit=unit,
            author=user,
            kind=kind,
            label=label,
            subject=subject,
            noticed=noticed,
            noticed_on=noticed_on,
            noticed_where=(noticed_where or "").strip()[:200],
            decide_by=today + datetime.timedelta(days=municipality.level0_deadline_days),
        )
        _record(concern, actor, RecordKind.REGISTERED, body=noticed)
        if score is not None:
            WorryScore.objects.create(concern=concern, score=score, scored_on=today, author=user)
        return concern


# --- Step 2: describe ---------------------------------------------------------------------


def add_observation(
    *, actor: Actor, concern: Concern, body: str, score: int | None = None
) -> ConcernRecord:
    """An observation, and (optional) the worry score it leaves the author with, dated
    today: one submit, one transaction (issue 11: level 0 took a page for each)."""
    with transaction.atomic():
        concern = lock_concern(concern)
        require(actor, "concern.edit", concern)
        body = _text(body, _("Write what you observed."))
        _check_score(score)
        record = _record(concern, actor, RecordKind.OBSERVATION, body=body)
        if score is not None:
            WorryScore.objects.create(
                concern=concern,
                score=score,
                scored_on=timezone.localdate(),
                author=acting_user(actor),
            )
        _advance(concern, Step.DESCRIBE)
        return record


def add_score(
    *, actor: Actor, concern: Concern, score: int | None, scored_on: datetime.date, note: str = ""
) -> WorryScore:
    with transaction.atomic():
        concern = lock_concern(concern)
        require(actor, "concern.edit", concern)
        if score is None:
            raise ServiceError(_("Choose a worry score from 1 to 10."))
        _check_score(score)
        _check_date(scored_on, _("The date cannot be in the future."))
        if scored_on < concern.created_at.date() - datetime.timedelta(days=366):
            raise ServiceError(_("The date is too far back."))
        return WorryScore.objects.create(
            concern=concern,
            score=score,
            scored_on=scored_on,
            note=(note or "").strip()[:300],
            author=acting_user(actor),
        )


# --- Step 3: share ------------------------------------------------------------------------


def share_concern(
    *, actor: Actor, concern: Concern, user: User, role: str | None = None
) -> ConcernShare:
    """Share with a colleague or the unit's leader. Never outside the municipality.
    Without `role`: "unit leader" when they lead the concern's unit, else "colleague"."""
    with transaction.atomic():
        concern = lock_concern(concern)
        require(actor, "concern.edit", concern)
        if role is None:
            leads = Membership.objects.current().filter(
                user=user, unit=concern.unit, role=Membership.Role.LEADER
            )
            role = ConcernShare.Role.LEADER if leads.exists() else ConcernShare.Role.COLLEAGUE
        if user.municipality_id != concern.municipality_id:
            raise ServiceError(_("You can share a concern only with people in your municipality."))
        if not user.is_active or user.kind != User.Kind.STAFF:
            raise ServiceError(_("You can share a concern only with staff."))
        if user.id == concern.author_id:
            raise ServiceError(_("This is your own concern."))
        if role not in ConcernShare.Role.values:
            raise ServiceError(_("Choose colleague or unit leader."))
        memberships = Membership.objects.current().filter(
            user=user, municipality_id=concern.municipality_id, unit__is_active=True
        )
        if role == ConcernShare.Role.LEADER:
            memberships = memberships.filter(unit=concern.unit, role=Membership.Role.LEADER)
            if not memberships.exists():
                raise ServiceError(
                    _("%(name)s does not lead %(unit)s.")
                    % {"name": _name(user), "unit": concern.unit.name}
                )
        elif not memberships.exists():
            raise ServiceError(_("%(name)s does not work in a unit now.") % {"name": _name(user)})
        # The share lasts while they work in this unit: the concern's own when they work
        # there, else the one they work in (a colleague of another unit, e.g. the nurse).
        in_concern_unit = memberships.filter(unit=concern.unit).first()
        membership = in_concern_unit or memberships.order_by("started_at", "id").first()
        assert membership is not None
        share = ConcernShare.objects.filter(concern=concern, user=user).first()
        if share is not None and share.ended_at is None:
            raise ServiceError(
                _("The concern is already shared with %(name)s.") % {"name": _name(user)}
            )
        if share is not None:
            # Shared again after the earlier share ended (they left that unit).
            share.role = role
            share.unit_id = membership.unit_id
            share.shared_by = actor.user
            share.shared_at = timezone.now()
            share.first_read_at = None
            share.ended_at = None
            share.save()
        else:
            share = ConcernShare.objects.create(
                concern=concern, user=user, role=role, shared_by=actor.user, unit=membership.unit
            )
        _record(
            concern,
            actor,
            RecordKind.SHARED,
            **_line("shared", name=_name(user), role=_english(ConcernShare.Role(share.role).label)),
        )
        _advance(concern, Step.SHARE)
        return share


def share_with_all(*, actor: Actor, concern: Concern, users: list[User]) -> list[ConcernShare]:
    """Share with everyone who holds a role (the unit's leaders, or a job title in a unit),
    in one transaction. Those it is already shared with are left as they are; when that is
    everyone, nothing changes and the author is told."""
    with transaction.atomic():
        concern = lock_concern(concern)
        require(actor, "concern.edit", concern)
        in_force = set(
            ConcernShare.objects.filter(concern=concern, ended_at__isnull=True).values_list(
                "user_id", flat=True
            )
        )
        new = [u for u in users if u.id not in in_force and u.id != concern.author_id]
        if not new:
            raise ServiceError(_("The concern is already shared with them."))
        return [share_concern(actor=actor, concern=concern, user=user) for user in new]


def take_over_concern(
    *, actor: Actor, concern: Concern, leaving: User, request: Any = None
) -> Concern:
    """The unit's leader takes over an open concern whose author leaves the unit, so that
    it is not orphaned (nobody else may read it). The records stay credited to whoever
    wrote them; from now on the leader is the concern's author. Called inside
    `organisation.services.end_membership`'s transaction, before the membership ends."""
    from stafett.audit.log import record_access

    with transaction.atomic():
        concern = lock_concern(concern)
        enforce(actor, "unit.manage_employees", concern.unit)
        leader = acting_user(actor)
        unsent = ChildWelfareReport.objects.filter(concern=concern, sent_at__isnull=True)
        report_due = concern.status == Concern.Status.CHILD_WELFARE and (
            unsent.exists() or not ChildWelfareReport.objects.filter(concern=concern).exists()
        )
        if concern.author_id != leaving.id or not (concern.is_open or report_due):
            raise ServiceError(_("This concern is no longer theirs to hand over."))
        concern.author = leader
        concern.revision += 1
        concern.save(update_fields=["author", "revision"])
        # A draft report to child welfare goes with it: the leader finishes and sends it.
        unsent.filter(author=leaving).update(author=leader)
        _record(
            concern,
            actor,
            RecordKind.SHARED,
            **_line("taken_over", old=_name(leaving), unit=concern.unit.name, leader=_name(leader)),
        )
        record_access(
            actor=leader,
            action="concern.taken_over",
            obj=concern,
            object_type="Concern",
            # As every read of a concern: no child named on the violence/abuse path.
            subject_uuid=concern.subject.uuid
            if concern.subject is not None and concern.violence_path_at is None
            else None,
            role="leader",
            unit_name=concern.unit.name,
            request=request,
        )
        return concern


def end_shares_in_unit(*, person: User, unit: Unit) -> int:
    """Someone leaves the unit: the concerns shared with them in it are closed to them for
    good (the share is kept, as history, with when it ended)."""
    return ConcernShare.objects.filter(user=person, unit=unit, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )


def mark_share_read(*, actor: Actor, facts: ConcernFacts) -> None:
    """The first time a colleague or leader opens a concern shared with them."""
    share = facts.share
    if share is not None and share.first_read_at is None:
        ConcernShare.objects.filter(pk=share.pk, first_read_at__isnull=True).update(
            first_read_at=timezone.now()
        )


def add_view(*, actor: Actor, concern: Concern, body: str) -> ConcernRecord:
    """A colleague or leader it was shared with adds their view."""
    with transaction.atomic():
        concern = lock_concern(concern)
        require(actor, "concern.add_view", concern)
        body = _text(body, _("Write your view."))
        return _record(concern, actor, RecordKind.VIEW, body=body)


def name_subject(*, actor: Actor, concern: Concern, subject: Subject) -> Concern:
    """Add the identity of the child (or pregnant woman) to an anonymous concern."""
    with transaction.atomic():
        concern = lock_concern(concern)
        require(actor, "concern.edit", concern)
        if concern.subject_id is not None:
            raise ServiceError(_("The concern already names who it is about."))
        if subject.municipality_id != concern.municipality_id:
            raise PermissionDenied
        if subject.kind != concern.kind:
            raise ServiceError(_("The person is registered as another kind (child or pregnant)."))
        concern.subject = subject
        concern.revision += 1
        concern.save(update_fields=["subject", "revision"])
        _record(concern, actor, RecordKind.NAMED, **_line("named"))
        return concern


def record_family_talk(
    *,
    actor: Actor,
    concern: Concern,
    told_who: str,
    told_on: datetime.date,
    with_child: bool,
    said: str,
) -> ConcernRecord:
    """Sharing with the guardians and the child: who was told, when, what they said."""
    with transaction.atomic():
        concern = lock_concern(concern)
        require(actor, "concern.edit", concern)
        if concern.is_violence_path:
            raise ServiceError(NOT_THE_FAMILY_FIRST)
        if concern.subject_id is None:
            raise ServiceError(_("Name the child before you record a talk with the family."))
        told_who = _text(told_who, _("Write who you talked with."))[:200]
        _check_date(told_on, _("The date cannot be in the future."))
        said = _text(said, _("Write what they said."))
        record = _record(
            concern,
            actor,
            RecordKind.FAMILY_TALK,
            told_who=told_who,
            told_on=told_on,
            with_child=with_child,
            body=said,
        )
        _advance(concern, Step.SHARE)
        return record


# --- Step 4: decide -----------------------------------------------------------------------


def decide_concern(
    *,
    actor: Actor,
    concern: Concern,
    outcome: str,
    reason: str,
    observe_until: datetime.date | None = None,
    level: int | None = None,
    carry: CarryChoice | None = None,
) -> Concern:
    """Close, go on observing (a new date), go on at level 1–3 (a relay log, waiting for the
    family's consent), or report to child welfare (the report is written with
    `save_report`; the unit's leader is told).

    Going on at a level, `carry` is what the family will read in the log once they consent
    (see `concerns.carry`); without it, nothing of the concern is carried."""
    from stafett.consent.models import Consent
    from stafett.consent.services import request_consent
    from stafett.logs.services import start_log

    with transaction.atomic():
        concern = lock_concern(concern)
        require(actor, "concern.edit", concern)
        if outcome not in Outcome.values or outcome == Outcome.ATTACH:
            # Attaching to the child's existing log is `attach_to_log`, not a decision here.
            raise ServiceError(_("Choose a decision."))
        reason = _text(reason, _("Write the reason for the decision."))
        today = timezone.localdate()
        fields: dict[str, Any] = {"outcome": outcome, "body": reason}
        if outcome == Outcome.CLOSE:
            concern.status = Concern.Status.CLOSED
        elif outcome == Outcome.OBSERVE:
            if observe_until is None or observe_until <= today:
                raise ServiceError(_("Give a new date for the decision, after today."))
            if observe_until > today + datetime.timedelta(days=180):
                raise ServiceError(_("Level 0 should not drag on: choose a date within 180 days."))
            concern.decide_by = observe_until
            fields["observe_until"] = observe_until
        elif outcome == Outcome.LEVEL:
            if concern.is_violence_path:
                raise ServiceError(
                    _(
                        "This concern took the violence/abuse path: it cannot go on to a relay "
                        "log with the guardians. Report to child welfare."
                    )
                )
            if level not in (1, 2, 3):
                raise ServiceError(_("Choose level 1, 2 or 3."))
            subject = concern.subject
            if subject is None:
                raise ServiceError(_("Name the child before a relay log can be started."))
            if not concern.records.filter(kind=RecordKind.FAMILY_TALK).exists():
                raise ServiceError(
                    _("Talk with the guardians first: a relay log needs their consent.")
                )
            if open_log_of(subject) is not None:
                # A child has one open log: the concern goes on in it (`attach_to_log`).
                raise ServiceError(
                    _(
                        "This child already has a relay log, so a new one cannot start. "
                        "The concern can be attached to it: see the top of this page."
                    )
                )
            log = start_log(actor=actor, subject=subject, unit=concern.unit, level=level)
            request_consent(
                actor=actor,
                log=log,
                purpose=_(
                    "Working together at level %(level)d, following the concern registered "
                    "at %(unit)s."
                )
                % {"level": level, "unit": concern.unit.name},
                valid_from=today,
                valid_to=None,
                units=[concern.unit],
                method=Consent.Method.DIGITAL,
            )
            concern.log = log
            concern.status = Concern.Status.LOG
            fields["level"] = level
            _choose_for_log(concern, carry or CarryChoice())
            fields["for_log"] = bool(carry and carry.reason)
        else:
            # The report itself is written on its own page (`save_report`); the unit's
            # leader is told and may read the concern and the report.
            concern.status = Concern.Status.CHILD_WELFARE
        concern.step = Step.DECIDE
        concern.revision += 1
        concern.save(
            update_fields=[
                "status",
                "decide_by",
                "log",
                "step",
                "revision",
                "noticed_for_log",
                "scores_for_log",
            ]
        )
        _record(concern, actor, RecordKind.DECISION, **fields)
        if outcome == Outcome.CHILD_WELFARE:
            _tell_leaders(concern, actor)
        return concern


def _choose_for_log(concern: Concern, carry: CarryChoice) -> None:
    """Mark what the family will read in the log (checked: only this concern's records of
    a kind that may be carried)."""
    ids = set(carry.record_ids)
    found = set(concern.records.filter(id__in=ids, kind__in=CARRYABLE).values_list("id", flat=True))
    if ids - found:
        raise ServiceError(_("Choose only what is written on this concern."))
    concern.records.filter(id__in=found).update(for_log=True)
    concern.noticed_for_log = carry.noticed
    concern.scores_for_log = carry.scores


def attach_to_log(
    *,
    actor: Actor,
    concern: Concern,
    carry: CarryChoice,
    reason: str = "",
    request: Any = None,
) -> RelayLog:
    """The named child already has an open relay log: its coordinator attaches the
    concern to it instead of starting a new one (issue 11). The chosen pieces are written
    into the log at once, as carried entries credited to their authors; the concern is
    closed as "attached"; both histories say so; the read and the write are access-logged.
    All in one transaction.

    The family's consent must be in force and cover the concern's unit: the pieces are
    that unit's information, and writing them into the log shares them with every service
    the log is shared with (consent is what lifts their duty of confidentiality)."""
    from stafett.audit.log import record_access
    from stafett.logs.services import _bump, add_event, lock_log

    with transaction.atomic():
        concern = lock_concern(concern)
        log: RelayLog | None = open_log_of(concern.subject)
        if log is not None:
            log = lock_log(log)
        facts = child_log_facts(actor, concern_facts(actor, concern))
        enforce(actor, "concern.attach", facts)
        assert log is not None and facts.child_log is not None
        log_facts_ = facts.child_log
        if not log_facts_.consent_open:
            raise ServiceError(
                _(
                    "The family's consent to the relay log is not in force. Attach the "
                    "concern once it is renewed."
                )
            )
        if concern.unit_id not in log_facts_.scope_unit_ids:
            raise ServiceError(
                _(
                    "The family's consent does not cover %(unit)s, where the concern was "
                    "registered. Ask the family to add %(unit)s to the consent first."
                )
                % {"unit": concern.unit.name}
            )
        reason = _text(reason, "", required=False)
        _choose_for_log(concern, carry)
        # Written once, in the municipality's language (as `carry_into_log`).
        with translation.override(log.municipality.language):
            pieces = [item for item in carry_items(concern) if item.chosen]
            if carry.reason and reason:
                from stafett.concerns.carry import reason_item

                pieces.append(reason_item(concern, actor.user, log.level, reason))
            _write_pieces(log, pieces)
            add_event(
                log=log,
                actor=actor,
                event_type="concern.attached",
                unit=concern.unit.name,
                count=len(pieces),
            )
        _bump(log)
        concern.log = log
        concern.status = Concern.Status.LOG
        concern.step = Step.DECIDE
        concern.carried_at = timezone.now()
        concern.revision += 1
        concern.save(
            update_fields=[
                "log",
                "status",
                "step",
                "carried_at",
                "revision",
                "noticed_for_log",
                "scores_for_log",
            ]
        )
        _record(
            concern,
            actor,
            RecordKind.DECISION,
            outcome=Outcome.ATTACH,
            level=log.level,
            for_log=bool(carry.reason and reason),
            body=reason
            or _("Attached to the child's relay log, coordinated at %(unit)s.")
            % {"unit": log.unit.name},
        )
        record_access(
            actor=actor.user,
            action="log.concern_attached",
            obj=log,
            object_type="RelayLog",
            subject_uuid=log.subject.uuid,
            role="coordinator",
            unit_name=log.unit.name,
            reason="concern.attach",
            request=request,
        )
        return log


# --- The violence/abuse path and the report to child welfare --------------------------

NOT_THE_FAMILY_FIRST = gettext_lazy(
    "This concern took the violence/abuse path: guardians are not informed first. Child "
    "welfare or the police decide when and how the family is told."
)


def _tell_leaders(concern: Concern, actor: Actor) -> list[User]:
    """The unit's leaders are told inside Stafett: the concern is shared with them (it
    shows on their home page as shared and not read yet). Never the guardians."""
    told = []
    for leader in unit_leaders(concern.unit):
        if leader.id == concern.author_id:
            continue
        _share, created = ConcernShare.objects.get_or_create(
            concern=concern,
            user=leader,
            defaults={
                "role": ConcernShare.Role.LEADER,
                "shared_by": actor.user,
                "unit": concern.unit,
            },
        )
        if created:
            told.append(leader)
    if told:
        _record(
            concern,
            actor,
            RecordKind.SHARED,
            **_line("leaders_told", names=[_name(u) for u in told]),
        )
    return told


def take_violence_path(*, actor: Actor, concern: Concern) -> Concern:
    """ "I suspect violence or sexual abuse", at any step of an open concern: records that
    the path was taken and by whom, flags the concern and tells the unit's leader. The
    guardians and the youth are told nothing, and nothing here is visible to them."""
    with transaction.atomic():
        concern = lock_concern(concern)
        require(actor, "concern.violence_path", concern)
        if concern.is_violence_path:
            raise ServiceError(_("The violence/abuse path is already taken for this concern."))
        if concern.log_id is not None:
            raise ServiceError(_("This concern already goes on in a relay log."))
        concern.violence_path_at = timezone.now()
        concern.violence_path_by = actor.user
        concern.revision += 1
        concern.save(update_fields=["violence_path_at", "violence_path_by", "revision"])
        _record(
            concern,
            actor,
            RecordKind.VIOLENCE_PATH,
            **_line("violence_path"),
        )
        _tell_leaders(concern, actor)
        return concern


@dataclass(frozen=True)
class ReportContent:
    """What child welfare needs, as the author writes it."""

    addressee: str
    reporter_name: str
    reporter_role: str
    reporter_unit: str
    reporter_phone: str
    child_name: str
    child_birth_date: datetime.date | None
    child_address: str
    guardians: str
    observed: str
    done: str
    guardians_informed: bool
    not_informed_why: str
    urgency: str


def _short(value: str, limit: int, message: str, *, required: bool = False) -> str:
    value = " ".join((value or "").split())
    if required and not value:
        raise ServiceError(message)
    if len(value) > limit:
        raise ServiceError(
            _("%(what)s is too long (at most %(n)d characters).") % {"what": message, "n": limit}
        )
    return value


def _clean_report(content: ReportContent) -> dict[str, Any]:
    data = {
        "addressee": _short(
            content.addressee,
            200,
            _("Write which child welfare office you send it to."),
            required=True,
        ),
        "reporter_name": _short(content.reporter_name, 200, _("Write your name."), required=True),
        "reporter_role": _short(content.reporter_role, 200, _("Your role")),
        "reporter_unit": _short(content.reporter_unit, 200, _("Write your unit."), required=True),
        "reporter_phone": _short(content.reporter_phone, 40, _("Your phone")),
        "child_name": _short(content.child_name, 200, _("The child's name")),
        "child_birth_date": content.child_birth_date,
        "child_address": _short(content.child_address, 300, _("The child's address")),
        "guardians": _text(content.guardians, "", required=False),
        "observed": _text(
            content.observed, _("Write what you observed, with dates: concrete, not conclusions.")
        ),
        "done": _text(content.done, "", required=False),
        "guardians_informed": bool(content.guardians_informed),
        "not_informed_why": _text(content.not_informed_why, "", required=False),
        "urgency": content.urgency,
    }
    if data["urgency"] not in Urgency.values:
        raise ServiceError(_("Choose how urgent it is."))
    if content.child_birth_date is not None:
        _check_date(content.child_birth_date, _("The birth date cannot be in the future."))
    if not data["guardians_informed"] and not data["not_informed_why"]:
        raise ServiceError(_("Write why the guardians are not informed."))
    if data["guardians_informed"]:
        data["not_informed_why"] = ""
    return data


def _lock_report(concern: Concern) -> ChildWelfareReport | None:
    report: ChildWelfareReport | None = (
        ChildWelfareReport.objects.select_for_update(of=("self",)).filter(concern=concern).first()
    )
    return report


def _require_report(actor: Actor, action: str, concern: Concern) -> ChildWelfareReport | None:
    report = _lock_report(concern)
    base = concern_facts(actor, concern)
    facts = ConcernFacts(
        concern=concern,
        is_author=base.is_author,
        share=base.share,
        is_log_coordinator=base.is_log_coordinator,
        is_unit_leader=base.is_unit_leader,
        report=report,
    )
    enforce(actor, action, facts)
    return report


def latest_version(report: ChildWelfareReport) -> ReportVersion | None:
    version: ReportVersion | None = report.versions.order_by("-number").first()
    return version


def save_report(*, actor: Actor, concern: Concern, content: ReportContent) -> ChildWelfareReport:
    """Save the report as a new version (a draft its author edits until it is marked as
    sent). The first save creates the report and a line in the concern's history."""
    user = acting_user(actor)
    with transaction.atomic():
        concern = lock_concern(concern)
        report = _require_report(actor, "report.edit", concern)
        data = _clean_report(content)
        number = 1
        if report is None:
            report = ChildWelfareReport.objects.create(
                municipality_id=concern.municipality_id, concern=concern, author=user
            )
            _record(
                concern,
                actor,
                RecordKind.REPORT,
                **_line("report_started"),
            )
        else:
            latest = latest_version(report)
            number = latest.number + 1 if latest is not None else 1
        ReportVersion.objects.create(
            report=report, number=number, saved_by=user, saved_by_name=_name(user), **data
        )
        return report


def mark_report_sent(
    *,
    actor: Actor,
    concern: Concern,
    sent_on: datetime.date,
    sent_how: str,
    sent_to: str,
) -> ChildWelfareReport:
    """The author sent the report (outside Stafett) and records when, how and to whom.
    From then on the report is frozen, and the concern is "reported to child welfare"."""
    user = acting_user(actor)
    with transaction.atomic():
        concern = lock_concern(concern)
        report = _require_report(actor, "report.send", concern)
        if report is None:
            raise ServiceError(_("Save the report before you mark it as sent."))
        version = latest_version(report)
        if version is None:
            raise ServiceError(_("Save the report before you mark it as sent."))
        if not version.child_name:
            raise ServiceError(
                _(
                    "Write the child's name in the report before you mark it as sent: child "
                    "welfare needs to know who the child is."
                )
            )
        if sent_how not in SentHow.values:
            raise ServiceError(_("Choose how you sent the report."))
        _check_date(sent_on, _("The date cannot be in the future."))
        if sent_on < timezone.localdate(report.created_at):
            raise ServiceError(_("The report cannot be sent before it was written."))
        sent_to = _short(sent_to, 200, _("Write who you sent it to."), required=True)
        report.sent_on = sent_on
        report.sent_how = sent_how
        report.sent_to = sent_to
        report.sent_at = timezone.now()
        report.sent_by = user
        report.save(update_fields=["sent_on", "sent_how", "sent_to", "sent_at", "sent_by"])
        concern.status = Concern.Status.CHILD_WELFARE
        concern.step = Step.DECIDE
        concern.revision += 1
        concern.save(update_fields=["status", "step", "revision"])
        _record(
            concern,
            actor,
            RecordKind.REPORT,
            **_line("report_sent", date=sent_on, how=_english(SentHow(sent_how).label), to=sent_to),
        )
        return report


REPORT_FIELDS = [f.name for f in fields(ReportContent)]


def carry_into_log(*, actor: Actor, log: RelayLog) -> None:
    """When the family's consent to a log comes into force, what the author of the
    concern(s) it came from chose at "decide" is written into the log: one entry per piece,
    credited to the person who wrote it (never to whoever completed the consent). The rest
    stays on the concern. Called by the consent services, in their transaction. Runs once
    per concern."""
    concerns = list(
        Concern.objects.select_for_update(of=("self",))
        .filter(log=log, carried_at__isnull=True)
        .select_related("author", "unit")
    )
    # The titles are stored as keys and parameters (`logs.events.CARRIED_TITLES`): each
    # reader of the log reads them in their own language. `title` keeps them in the
    # municipality's language, for a reader of the row alone.
    with translation.override(log.municipality.language):
        items = [(concern, carry_items(concern)) for concern in concerns]
    for concern, pieces in items:
        _write_pieces(log, [item for item in pieces if item.chosen])
        concern.carried_at = timezone.now()
        concern.save(update_fields=["carried_at"])


def _write_pieces(log: RelayLog, pieces: list[CarryItem]) -> None:
    """The chosen pieces of a concern as entries of the log, each credited to its author
    (carrying at consent, or attaching to a log that has one)."""
    from stafett.logs.services import add_carried

    for item in pieces:
        add_carried(
            log=log,
            author=item.author,
            author_name=item.author_name,
            author_role=item.author_role,
            author_unit=item.author_unit,
            title=item.title,
            title_params=item.event_params,
            body=item.body,
        )


# --- Guardian-initiated help -----------------------------------------------------------


def help_request_unit(municipality_id: int) -> Unit | None:
    settings_row = (
        Level0Settings.objects.filter(municipality_id=municipality_id)
        .select_related("help_request_unit")
        .first()
    )
    unit = settings_row.help_request_unit if settings_row is not None else None
    return unit if unit is not None and unit.is_active else None


def unit_leaders(unit: Unit) -> list[User]:
    return list(
        User.objects.filter(
            memberships__unit=unit,
            memberships__role=Membership.Role.LEADER,
            memberships__ended_at__isnull=True,
            is_active=True,
        )
        .distinct()
        .order_by("id")
    )


def request_help(*, actor: Actor, subject: Subject, unit: Unit | None, worry: str) -> Concern:
    """A guardian asks for help about their own child. It arrives at the unit's leader (or,
    for "I don't know", the leader of the unit the municipality chose to receive such
    requests) as a concern with the guardian already involved."""
    guardian = acting_user(actor)
    enforce(actor, "help.request")
    if subject.id not in actor.guardian_subject_ids:
        refuse(actor, "help.request", subject)
    worry = _text(worry, _("Write what you are worried about."))
    if unit is None:
        unit = help_request_unit(subject.municipality_id)
        if unit is None:
            raise ServiceError(_("Choose a unit: the municipality has not set where else to go."))
    if unit.municipality_id != subject.municipality_id or not unit.is_active:
        raise ServiceError(_("Choose a unit in your municipality."))
    leaders = unit_leaders(unit)
    if not leaders:
        raise ServiceError(
            _("%(unit)s has no leader in Stafett yet. Choose another unit or call them.")
            % {"unit": unit.name}
        )
    with transaction.atomic():
        municipality = Municipality.objects.get(id=subject.municipality_id)
        today = timezone.localdate()
        concern = Concern.objects.create(
            municipality=municipality,
            unit=unit,
            author=leaders[0],
            kind=subject.kind,
            subject=subject,
            noticed=worry,
            noticed_on=today,
            noticed_where="",
            step=Step.SHARE,
            decide_by=today + datetime.timedelta(days=municipality.level0_deadline_days),
            requested_by=guardian,
        )
        _record(concern, actor, RecordKind.HELP_REQUEST, body=worry)
        _record(
            concern,
            actor,
            RecordKind.FAMILY_TALK,
            told_who=_name(guardian),
            told_on=today,
            **_line("help_asked"),
        )
        for leader in leaders[1:]:
            ConcernShare.objects.create(
                concern=concern,
                user=leader,
                role=ConcernShare.Role.LEADER,
                shared_by=None,
                unit=unit,
            )
        return concern


# --- The worry scale's anchor texts (municipal administrator) ---------------------------


def save_worry_bands(
    *,
    actor: Actor,
    municipality: Municipality,
    bands: list[tuple[int, int, dict[str, str]]],
    help_unit: Unit | None,
) -> None:
    """Replace the anchor texts. The bands must cover 1–10 without gaps or overlaps, and
    each band needs a text in the municipality's main language (the others may wait: a
    reader is then shown the main language, marked as such)."""
    enforce(actor, "worry_scale.manage", municipality)
    expected = SCALE_MIN
    cleaned: list[tuple[int, int, dict[str, str]]] = []
    for low, high, texts in sorted(bands, key=lambda band: band[0]):
        if low != expected or high < low:
            raise ServiceError(_("The bands must cover 1 to 10 without gaps or overlaps."))
        written = clean_texts(texts)
        if any(len(text) > 300 for text in written.values()):
            raise ServiceError(_("A band's text can be at most 300 characters."))
        if municipality.language not in written:
            raise ServiceError(
                _("Write each band's text in %(language)s, the municipality's main language.")
                % {"language": language_name(municipality.language)}
            )
        cleaned.append((low, high, written))
        expected = high + 1
    if expected != SCALE_MAX + 1:
        raise ServiceError(_("The bands must cover 1 to 10 without gaps or overlaps."))
    if help_unit is not None and help_unit.municipality_id != municipality.id:
        raise PermissionDenied
    with transaction.atomic():
        Municipality.objects.select_for_update().get(pk=municipality.pk)
        WorryBand.objects.filter(municipality=municipality).delete()
        WorryBand.objects.bulk_create(
            WorryBand(municipality=municipality, low=low, high=high, texts=texts)
            for low, high, texts in cleaned
        )
        Level0Settings.objects.update_or_create(
            municipality=municipality, defaults={"help_request_unit": help_unit}
        )
