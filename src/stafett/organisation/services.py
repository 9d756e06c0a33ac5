"""Writes for the municipality's structure: settings, contacts, service kinds, units, people.

Every function takes keyword-only arguments, re-asks the access policy for the actor,
checks the input against the data (a view's form may be stale), and changes the data
in one transaction. Bad input raises `ValidationError` with a message for the person
and changes nothing. Memberships are never deleted: removing someone ends the row.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from stafett.accounts.models import User
from stafett.accounts.services import InvitationError, invite_user
from stafett.audit.log import record_access
from stafett.core.texts import clean_texts, language_name
from stafett.organisation.models import (
    EmergencyContact,
    Membership,
    Municipality,
    ServiceCategory,
    ServiceKind,
    Unit,
)
from stafett.policy import Actor, enforce


def _check(actor: Actor, action: str, obj: Any) -> None:
    enforce(actor, action, obj, outsiders_404=True)


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("Write a name."), code="required")
    return name


# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------


@transaction.atomic
def update_municipality_settings(
    *,
    actor: Actor,
    municipality: Municipality,
    language: str,
    consent_age: int,
    consent_validity_months: int,
    retention_years: int,
    all_guardians_must_consent: bool,
    level0_deadline_days: int,
    renew_consent_on_handover: bool | None = None,
) -> Municipality:
    _check(actor, "municipality.manage", municipality)
    municipality.language = language
    municipality.consent_age = consent_age
    municipality.consent_validity_months = consent_validity_months
    municipality.retention_years = retention_years
    municipality.all_guardians_must_consent = all_guardians_must_consent
    municipality.level0_deadline_days = level0_deadline_days
    if renew_consent_on_handover is not None:  # None: left as it is
        municipality.renew_consent_on_handover = renew_consent_on_handover
    municipality.full_clean(exclude=["name"])
    municipality.save(
        update_fields=[
            "language",
            "consent_age",
            "consent_validity_months",
            "retention_years",
            "all_guardians_must_consent",
            "level0_deadline_days",
            "renew_consent_on_handover",
        ]
    )
    return municipality


# ---------------------------------------------------------------------------
# Emergency contacts
# ---------------------------------------------------------------------------


def _check_contact_name_free(
    municipality_id: int, name: str, *, exclude_id: int | None = None
) -> None:
    taken = EmergencyContact.objects.in_municipality(municipality_id).filter(name__iexact=name)
    if exclude_id is not None:
        taken = taken.exclude(id=exclude_id)
    if taken.exists():
        raise ValidationError(
            _("There is already a contact called “%(name)s”.") % {"name": name}, code="unique"
        )


def _contact_descriptions(municipality: Municipality, texts: dict[str, str]) -> dict[str, str]:
    """A contact's "when to call" may be left out; once written in any language it must
    be written in the municipality's main language, which other readers fall back to."""
    written = clean_texts(texts)
    if any(len(text) > 300 for text in written.values()):
        raise ValidationError(_("“When to call” can be at most 300 characters."))
    if written and municipality.language not in written:
        raise ValidationError(
            _("Write “when to call” in %(language)s too, the municipality's main language.")
            % {"language": language_name(municipality.language)}
        )
    return written


@transaction.atomic
def create_emergency_contact(
    *,
    actor: Actor,
    municipality: Municipality,
    name: str,
    phone: str,
    descriptions: dict[str, str] | None = None,
    position: int = 0,
) -> EmergencyContact:
    _check(actor, "municipality.manage", municipality)
    name = _clean_name(name)
    _check_contact_name_free(municipality.id, name)
    contact = EmergencyContact(
        municipality=municipality,
        name=name,
        phone=phone.strip(),
        descriptions=_contact_descriptions(municipality, descriptions or {}),
        position=position,
    )
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def update_emergency_contact(
    *,
    actor: Actor,
    contact: EmergencyContact,
    name: str,
    phone: str,
    descriptions: dict[str, str] | None = None,
    position: int = 0,
) -> EmergencyContact:
    _check(actor, "emergency_contact.manage", contact)
    name = _clean_name(name)
    _check_contact_name_free(contact.municipality_id, name, exclude_id=contact.id)
    descriptions = _contact_descriptions(contact.municipality, descriptions or {})
    contact.name = name
    contact.phone = phone.strip()
    contact.descriptions = descriptions
    contact.position = position
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def remove_emergency_contact(*, actor: Actor, contact: EmergencyContact) -> None:
    """Contacts are settings, not history: removing one deletes it."""
    _check(actor, "emergency_contact.manage", contact)
    EmergencyContact.objects.filter(id=contact.id, municipality_id=contact.municipality_id).delete()


# ---------------------------------------------------------------------------
# Service kinds
# ---------------------------------------------------------------------------


def _check_kind_name_free(
    municipality_id: int, name: str, *, exclude_id: int | None = None
) -> None:
    taken = ServiceKind.objects.in_municipality(municipality_id).filter(name__iexact=name)
    if exclude_id is not None:
        taken = taken.exclude(id=exclude_id)
    if taken.exists():
        raise ValidationError(
            _("There is already a service called “%(name)s”.") % {"name": name}, code="unique"
        )


@transaction.atomic
def create_service_kind(
    *, actor: Actor, municipality: Municipality, name: str, category: str
) -> ServiceKind:
    _check(actor, "municipality.manage", municipality)
    name = _clean_name(name)
    if category not in ServiceCategory.values:
        raise ValidationError(_("Choose a category."), code="invalid")
    _check_kind_name_free(municipality.id, name)
    kind = ServiceKind(municipality=municipality, name=name, category=category)
    kind.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            kind.save()
    except IntegrityError as error:  # a double submit that raced the check above
        raise ValidationError(
            _("There is already a service called “%(name)s”.") % {"name": name}, code="unique"
        ) from error
    return kind


@transaction.atomic
def update_service_kind(
    *, actor: Actor, kind: ServiceKind, name: str, category: str, is_active: bool
) -> ServiceKind:
    _check(actor, "service_kind.manage", kind)
    name = _clean_name(name)
    if category not in ServiceCategory.values:
        raise ValidationError(_("Choose a category."), code="invalid")
    _check_kind_name_free(kind.municipality_id, name, exclude_id=kind.id)
    kind.name = name
    kind.category = category
    kind.is_active = is_active
    kind.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            kind.save()
    except IntegrityError as error:
        raise ValidationError(
            _("There is already a service called “%(name)s”.") % {"name": name}, code="unique"
        ) from error
    return kind


# ---------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------


def _check_unit_name_free(
    municipality_id: int, name: str, *, exclude_id: int | None = None
) -> None:
    taken = Unit.objects.in_municipality(municipality_id).filter(name__iexact=name)
    if exclude_id is not None:
        taken = taken.exclude(id=exclude_id)
    if taken.exists():
        raise ValidationError(
            _("There is already a unit called “%(name)s”.") % {"name": name}, code="unique"
        )


def _check_kind_belongs(municipality_id: int, kind: ServiceKind) -> None:
    if kind.municipality_id != municipality_id:
        raise ValidationError(_("Choose one of the municipality's services."), code="invalid")


def _save_unit(unit: Unit) -> Unit:
    unit.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError as error:
        raise ValidationError(
            _("There is already a unit called “%(name)s”.") % {"name": unit.name}, code="unique"
        ) from error
    return unit


@transaction.atomic
def create_unit(
    *,
    actor: Actor,
    municipality: Municipality,
    name: str,
    service_kind: ServiceKind,
    email: str = "",
    phone: str = "",
    is_active: bool = True,
) -> Unit:
    _check(actor, "municipality.manage", municipality)
    name = _clean_name(name)
    _check_kind_belongs(municipality.id, service_kind)
    if not service_kind.is_active:
        raise ValidationError(_("This service is no longer in use."), code="invalid")
    _check_unit_name_free(municipality.id, name)
    unit = Unit(
        municipality=municipality,
        name=name,
        service_kind=service_kind,
        email=email.strip(),
        phone=phone.strip(),
        is_active=is_active,
    )
    return _save_unit(unit)


@transaction.atomic
def update_unit(
    *,
    actor: Actor,
    unit: Unit,
    name: str,
    service_kind: ServiceKind,
    email: str = "",
    phone: str = "",
    is_active: bool = True,
) -> Unit:
    _check(actor, "unit.manage", unit)
    name = _clean_name(name)
    _check_kind_belongs(unit.municipality_id, service_kind)
    if not service_kind.is_active and service_kind.id != unit.service_kind_id:
        raise ValidationError(_("This service is no longer in use."), code="invalid")
    _check_unit_name_free(unit.municipality_id, name, exclude_id=unit.id)
    if unit.is_active and not is_active:
        _check_unit_holds_nothing(unit)
    unit.name = name
    unit.service_kind = service_kind
    unit.email = email.strip()
    unit.phone = phone.strip()
    unit.is_active = is_active
    return _save_unit(unit)


def _check_unit_holds_nothing(unit: Unit) -> None:
    """A unit taken out of use ends every role in it at once (the policy counts only
    active units): its open relay logs would be left without a coordinator who counts,
    and its open concerns without a reader. They are handed over first."""
    from stafett.concerns.models import Concern
    from stafett.logs.models import RelayLog
    from stafett.organisation.selectors import open_for_author

    logs = RelayLog.objects.filter(unit=unit).exclude(status=RelayLog.Status.CLOSED).count()
    concerns = Concern.objects.filter(open_for_author(), unit=unit).count()
    if logs or concerns:
        raise ValidationError(
            _(
                "%(unit)s still holds open relay logs (%(logs)d) or open concerns "
                "(%(concerns)d). Hand them over to another unit, or close them, before the "
                "unit is taken out of use."
            )
            % {"unit": unit.name, "logs": logs, "concerns": concerns},
            code="invalid",
        )


# ---------------------------------------------------------------------------
# People in units
# ---------------------------------------------------------------------------

_ROLE_ACTION = {
    Membership.Role.LEADER: "unit.manage_leaders",
    Membership.Role.EMPLOYEE: "unit.manage_employees",
}


def _check_person(unit: Unit, person: User) -> None:
    if (
        person.municipality_id != unit.municipality_id
        or not person.is_staff_member
        or not person.is_active
    ):
        raise ValidationError(
            _("Only active staff of this municipality can be added to its units."),
            code="invalid",
        )


def _record_membership(
    *, actor: Actor, action: str, membership: Membership, request: HttpRequest | None
) -> None:
    """Changes of who holds which role go to the access log, like account invitations."""
    person = membership.user
    record_access(
        actor=actor.user,
        action=action,
        obj=membership,
        role=actor.main_role,
        unit_name=membership.unit.name,
        reason=f"{membership.role}: {person.get_full_name() or person.username} ({person.uuid})",
        request=request,
        municipality_id=membership.municipality_id,
    )


@transaction.atomic
def add_member(
    *,
    actor: Actor,
    unit: Unit,
    person: User,
    role: str,
    title: str = "",
    request: HttpRequest | None = None,
) -> tuple[Membership, bool]:
    """Give the person the role in the unit. Returns (membership, created).

    Adding someone who already holds the role changes nothing (a double submit is harmless).
    """
    _check(actor, _ROLE_ACTION[Membership.Role(role)], unit)
    _check_person(unit, person)
    existing = (
        Membership.objects.current()
        .filter(municipality_id=unit.municipality_id, unit=unit, user=person, role=role)
        .first()
    )
    if existing is not None:
        return existing, False
    membership = Membership(
        municipality_id=unit.municipality_id,
        unit=unit,
        user=person,
        role=role,
        title=" ".join(title.split()),
    )
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError:  # the same request twice at once: the other one won
        winner = (
            Membership.objects.current()
            .filter(municipality_id=unit.municipality_id, unit=unit, user=person, role=role)
            .first()
        )
        if winner is None:
            raise
        return winner, False
    _record_membership(
        actor=actor, action="membership.added", membership=membership, request=request
    )
    return membership, True


class BatonsHeld(ValidationError):
    """The person still holds batons (open logs, open concerns) in the unit they leave."""


@transaction.atomic
def end_membership(
    *,
    actor: Actor,
    unit: Unit,
    person: User,
    role: str,
    take_batons: bool = False,
    request: HttpRequest | None = None,
) -> Membership | None:
    """End the person's role in the unit; the row stays as history.

    When they leave the unit altogether (no other role in it), nothing they hold there
    may be left without a holder, nor may they keep access through it: the open relay
    logs they coordinate must be handed over first (they keep the baton until the new
    coordinator accepts), or, with `take_batons`, the unit's leader holds them (and takes
    over their open concerns) until then. Otherwise `BatonsHeld` is raised and nothing
    changes. Handovers offered to them for the unit are withdrawn, their part in logs for
    the unit ends, and concerns shared with them in the unit close to them.

    Returns the ended membership, or None when there was nothing to end (already removed).
    """
    from stafett.concerns.services import end_shares_in_unit, take_over_concern
    from stafett.logs.services import end_part_in_unit, take_baton_until_handover
    from stafett.organisation.selectors import batons_in_unit, stays_in_unit

    _check(actor, _ROLE_ACTION[Membership.Role(role)], unit)
    membership = (
        Membership.objects.current()
        .select_for_update(of=("self",))
        .filter(municipality_id=unit.municipality_id, unit=unit, user=person, role=role)
        .first()
    )
    if membership is None:
        return None
    leaves_unit = not stays_in_unit(unit, person, ending=membership)
    if leaves_unit:
        batons = batons_in_unit(unit, person)
        if batons and not (take_batons and unit.id in actor.leader_unit_ids):
            raise BatonsHeld(
                _batons_message(person, batons, may_take=unit.id in actor.leader_unit_ids)
            )
        for log in batons.logs:
            take_baton_until_handover(actor=actor, log=log, leaving=person, request=request)
        for concern in batons.concerns:
            take_over_concern(actor=actor, concern=concern, leaving=person, request=request)
        end_part_in_unit(actor=actor, person=person, unit=unit)
        end_shares_in_unit(person=person, unit=unit)
    membership.ended_at = timezone.now()
    membership.ended_by = actor.user
    membership.save(update_fields=["ended_at", "ended_by"])
    _record_membership(
        actor=actor, action="membership.ended", membership=membership, request=request
    )
    return membership


def _batons_message(person: User, batons: Any, *, may_take: bool) -> str:
    name = person.get_full_name() or person.username
    parts = []
    if batons.logs:
        parts.append(
            _("%(name)s still holds the baton of open relay logs in the unit: %(count)d.")
            % {"name": name, "count": len(batons.logs)}
        )
    if batons.concerns:
        parts.append(
            _("%(name)s still has open concerns (level 0) in the unit: %(count)d.")
            % {"name": name, "count": len(batons.concerns)}
        )
    if may_take:
        parts.append(
            _(
                "Hand each log over first, or choose to hold the batons and concerns yourself "
                "until a new coordinator accepts. Nothing was changed."
            )
        )
    else:
        parts.append(
            _("The unit's leader must hand them over (or take them) first. Nothing was changed.")
        )
    return " ".join(str(p) for p in parts)


def _check_new_user(municipality_id: int, *, username: str, email: str) -> None:
    errors: dict[str, list[ValidationError]] = {}
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = [
            ValidationError(_("This username is taken. Choose another."), code="unique")
        ]
    if User.objects.filter(municipality_id=municipality_id, email__iexact=email).exists():
        errors["email"] = [
            ValidationError(
                _(
                    "Someone in the municipality already has this e-mail address. "
                    "Choose them from the list instead."
                ),
                code="unique",
            )
        ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_staff_member(
    *,
    actor: Actor,
    unit: Unit,
    role: str,
    first_name: str,
    last_name: str,
    email: str,
    username: str,
    title: str = "",
    request: HttpRequest | None = None,
) -> Membership:
    """Create a staff user in the unit's municipality, give them the role, invite them.

    The new user has no password; the invitation lets them choose one and set up the
    one-time code. If the invitation cannot be made, nothing is created.
    """
    _check(actor, _ROLE_ACTION[Membership.Role(role)], unit)
    if actor.user is None:
        raise PermissionDenied
    username = username.strip()
    email = email.strip()
    _check_new_user(unit.municipality_id, username=username, email=email)
    user = User(
        username=username,
        email=email,
        first_name=" ".join(first_name.split()),
        last_name=" ".join(last_name.split()),
        municipality_id=unit.municipality_id,
        kind=User.Kind.STAFF,
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise ValidationError(
            {"username": [_("This username is taken. Choose another.")]}, code="unique"
        ) from error
    membership, _created = add_member(
        actor=actor, unit=unit, person=user, role=role, title=title, request=request
    )
    try:
        invite_user(user=user, invited_by=actor.user, request=request)
    except InvitationError as error:
        raise ValidationError(
            _("The invitation could not be sent, so nobody was added."), code="invalid"
        ) from error
    return membership
