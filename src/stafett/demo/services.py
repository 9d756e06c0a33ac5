"""Load the demo: Fjordvik kommune with its units, staff, families and personas.

`load_demo()` is idempotent. Every row it makes has a stable UUID (uuid5 of a natural
key), rows are found again by their natural keys (`update_or_create`), and passwords
and one-time-code keys are set back to the same values, so running it twice leaves
the database as it was after the first run (birth dates follow the day it runs).
"""

from __future__ import annotations

import datetime
import uuid

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from stafett.accounts.models import User
from stafett.demo import content as c
from stafett.demo.personas import DEMO_PASSWORD, PERSONAS, Persona, demo_totp_key
from stafett.organisation.models import (
    EmergencyContact,
    Membership,
    Municipality,
    ServiceKind,
    Unit,
)
from stafett.people.models import Guardianship, Subject

DEMO_NAMESPACE = uuid.UUID("bdd90723-0aff-49c9-a210-512b591f4257")
# A fixed salt keeps the stored hash of the public demo password the same on every load
# (so signed-in demo sessions survive a reload). The password protects nothing real.
_DEMO_SALT = "stafettdemosalt"
TOTP_DEVICE_NAME = "Demo"


def demo_uuid(kind: str, key: str) -> uuid.UUID:
    """The stable public UUID of a demo row, e.g. demo_uuid("unit", "Fjordvik skule")."""
    return uuid.uuid5(DEMO_NAMESPACE, f"{kind}:{key}")


def birth_date_for(age: int, days_since_birthday: int, today: datetime.date) -> datetime.date:
    """A birth date that makes someone `age` years old today, their last birthday
    `days_since_birthday` days ago (1 to 364)."""
    if not 1 <= days_since_birthday <= 364:
        raise ValueError("days_since_birthday must be between 1 and 364")
    last_birthday = today - datetime.timedelta(days=days_since_birthday)
    year = last_birthday.year - age
    try:
        return last_birthday.replace(year=year)
    except ValueError:  # 29 February in a year without it
        return last_birthday.replace(year=year, day=28)


@transaction.atomic
def load_demo() -> None:
    """Create or reset the demo data (Fjordvik and Nabovik) in one transaction."""
    today = timezone.localdate()
    password_hash = make_password(DEMO_PASSWORD, salt=_DEMO_SALT)

    municipalities = {data.name: _municipality(data) for data in c.MUNICIPALITIES}
    units: dict[str, Unit] = {}
    for name, municipality in municipalities.items():
        _emergency_contacts(municipality, c.EMERGENCY_CONTACTS.get(name, ()))
        kinds = _service_kinds(municipality, c.SERVICE_KINDS.get(name, ()))
        for unit_data in c.UNITS.get(name, ()):
            units[unit_data.name] = _unit(municipality, kinds, unit_data)

    users: dict[str, User] = {}
    for persona in PERSONAS:
        users[persona.username] = _persona_user(
            persona, municipalities[persona.municipality], password_hash
        )
    for membership in c.MEMBERSHIPS:
        _membership(users[membership.username], units[membership.unit], membership)

    fjordvik = municipalities[c.FJORDVIK]
    for family in c.FAMILIES:
        _family(fjordvik, family, users, password_hash, today)

    # Relay logs that show the whole model (built once; see demo/logs.py).
    from stafett.demo.logs import load_demo_logs

    subjects = {
        data.key: Subject.objects.select_related("municipality").get(
            uuid=demo_uuid("subject", data.key)
        )
        for family in c.FAMILIES
        for data in family.subjects
    }
    load_demo_logs(subjects=subjects, users=users, units=units, today=today)

    # Action guides and tools for each municipality (see demo/guides.py).
    from stafett.demo.guides import load_demo_guides

    load_demo_guides(municipalities=municipalities, users=users)

    # Concerns (level 0) for the kindergarten and the school (see demo/concerns.py).
    from stafett.demo.concerns import load_demo_concerns

    load_demo_concerns(users=users, units=units)

    # A year of history in two more units, for the statistics page (see demo/history.py).
    from stafett.demo.history import load_demo_history

    load_demo_history(municipality=fjordvik, today=today)

    # Consent texts in further languages for Fjordvik (see demo/consent_texts.py).
    from stafett.demo.consent_texts import load_demo_consent_texts

    load_demo_consent_texts(municipality=fjordvik, admin=users["admin.fjordvik"])

    _reset_login_lockouts(list(users))


def _municipality(data: c.MunicipalityData) -> Municipality:
    municipality, _ = Municipality.objects.update_or_create(
        name=data.name,
        defaults={
            "uuid": demo_uuid("municipality", data.name),
            "language": data.language,
            "consent_age": data.consent_age,
            "consent_validity_months": data.consent_validity_months,
            "retention_years": data.retention_years,
        },
    )
    return municipality


def _emergency_contacts(
    municipality: Municipality, contacts: tuple[c.EmergencyContactData, ...]
) -> None:
    for position, contact in enumerate(contacts, start=1):
        EmergencyContact.objects.update_or_create(
            municipality=municipality,
            name=contact.name,
            defaults={
                "uuid": demo_uuid("emergency-contact", f"{municipality.name}/{contact.name}"),
                "phone": contact.phone,
                "descriptions": dict(contact.descriptions),
                "position": position * 10,
            },
        )


def _service_kinds(
    municipality: Municipality, kinds: tuple[tuple[str, str], ...]
) -> dict[str, ServiceKind]:
    result: dict[str, ServiceKind] = {}
    for name, category in kinds:
        result[name], _ = ServiceKind.objects.update_or_create(
            municipality=municipality,
            name=name,
            defaults={
                "uuid": demo_uuid("service-kind", f"{municipality.name}/{name}"),
                "category": category,
                "is_active": True,
            },
        )
    return result


def _unit(municipality: Municipality, kinds: dict[str, ServiceKind], data: c.UnitData) -> Unit:
    unit, _ = Unit.objects.update_or_create(
        municipality=municipality,
        name=data.name,
        defaults={
            "uuid": demo_uuid("unit", f"{municipality.name}/{data.name}"),
            "service_kind": kinds[data.service_kind],
            "email": data.email,
            "is_active": True,
        },
    )
    return unit


def _user(
    *,
    username: str,
    first_name: str,
    last_name: str,
    municipality: Municipality,
    kind: str,
    password_hash: str,
    is_municipal_admin: bool = False,
) -> User:
    user, _ = User.objects.update_or_create(
        username=username,
        defaults={
            "uuid": demo_uuid("user", username),
            "first_name": first_name,
            "last_name": last_name,
            "email": f"{username}@{c.EMAIL_DOMAIN}",
            "municipality": municipality,
            "kind": kind,
            "is_municipal_admin": is_municipal_admin,
            "is_demo": True,
            "is_active": True,
            "is_staff": False,
            "is_superuser": False,
            "password": password_hash,
        },
    )
    return user


def _persona_user(persona: Persona, municipality: Municipality, password_hash: str) -> User:
    user = _user(
        username=persona.username,
        first_name=persona.first_name,
        last_name=persona.last_name,
        municipality=municipality,
        kind=User.Kind.STAFF if persona.staff else User.Kind.CITIZEN,
        password_hash=password_hash,
        is_municipal_admin=persona.username in c.ADMINS,
    )
    if persona.staff:
        _totp_device(user)
    return user


def _totp_device(user: User) -> None:
    """One confirmed TOTP device with the persona's fixed key; any other device goes."""
    device, _ = TOTPDevice.objects.update_or_create(
        user=user,
        name=TOTP_DEVICE_NAME,
        defaults={
            "key": demo_totp_key(user.username),
            "confirmed": True,
            "step": 30,
            "t0": 0,
            "digits": 6,
            "tolerance": 1,
            "drift": 0,
            "last_t": -1,
            "throttling_failure_count": 0,
            "throttling_failure_timestamp": None,
        },
    )
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()


def _membership(user: User, unit: Unit, data: c.MembershipData) -> None:
    Membership.objects.update_or_create(
        unit=unit,
        user=user,
        role=data.role,
        ended_at=None,
        defaults={
            "uuid": demo_uuid("membership", f"{unit.uuid}/{user.username}/{data.role}"),
            "municipality": unit.municipality,
            "title": data.title,
        },
    )


def _family(
    municipality: Municipality,
    family: c.FamilyData,
    users: dict[str, User],
    password_hash: str,
    today: datetime.date,
) -> None:
    guardians: list[tuple[User, c.GuardianData]] = []
    for data in family.guardians:
        if data.persona:
            guardian = users[data.username]
        else:
            guardian = _user(
                username=data.username,
                first_name=data.first_name,
                last_name=data.last_name,
                municipality=municipality,
                kind=User.Kind.CITIZEN,
                password_hash=password_hash,
            )
            users[data.username] = guardian
        guardians.append((guardian, data))

    for subject_data in family.subjects:
        subject = _subject(municipality, subject_data, users, today)
        for guardian, data in guardians:
            Guardianship.objects.update_or_create(
                subject=subject,
                guardian=guardian,
                defaults={
                    "municipality": municipality,
                    "relation": data.relation,
                    "parental_responsibility": data.parental_responsibility,
                },
            )


def _subject(
    municipality: Municipality,
    data: c.SubjectData,
    users: dict[str, User],
    today: datetime.date,
) -> Subject:
    due_date = (
        today + datetime.timedelta(days=data.due_in_days) if data.due_in_days is not None else None
    )
    subject, _ = Subject.objects.update_or_create(
        uuid=demo_uuid("subject", data.key),
        defaults={
            "municipality": municipality,
            "kind": data.kind,
            "first_name": data.first_name,
            "last_name": data.last_name,
            "birth_date": birth_date_for(data.age, data.days_since_birthday, today),
            "due_date": due_date,
            "user": users[data.username] if data.username else None,
        },
    )
    return subject


def _reset_login_lockouts(usernames: list[str]) -> None:
    """Forget failed demo log-ins, so that a locked-out persona can log in again."""
    from axes.models import AccessAttempt

    AccessAttempt.objects.filter(username__in=usernames).delete()
