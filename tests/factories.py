"""Small builders for test data. Named personas live in conftest.py."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from stafett.accounts.models import User
from stafett.organisation.models import Membership, Municipality, ServiceCategory, ServiceKind, Unit
from stafett.people.models import Guardianship, Subject

_counter = itertools.count(1)
PASSWORD = "correct horse battery staple"


def make_municipality(name: str | None = None, **fields: Any) -> Municipality:
    return Municipality.objects.create(name=name or f"Testvik {next(_counter)}", **fields)


def make_service_kind(
    municipality: Municipality, name: str = "Barnehage", category: str = ServiceCategory.BASIS
) -> ServiceKind:
    kind, _ = ServiceKind.objects.get_or_create(
        municipality=municipality, name=name, defaults={"category": category}
    )
    return kind


def make_unit(
    municipality: Municipality, name: str | None = None, kind: ServiceKind | None = None
) -> Unit:
    kind = kind or make_service_kind(municipality)
    return Unit.objects.create(
        municipality=municipality, name=name or f"Eining {next(_counter)}", service_kind=kind
    )


def make_user(
    municipality: Municipality | None,
    *,
    kind: str = User.Kind.STAFF,
    username: str | None = None,
    first_name: str = "Test",
    last_name: str = "Person",
    **fields: Any,
) -> User:
    user = User.objects.create_user(
        username=username or f"user{next(_counter)}",
        password=PASSWORD,
        municipality=municipality,
        kind=kind,
        first_name=first_name,
        last_name=last_name,
        email=f"{username or 'user'}{next(_counter)}@example.test",
        **fields,
    )
    if kind == User.Kind.STAFF:
        TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    return user


def add_membership(user: User, unit: Unit, role: str = Membership.Role.EMPLOYEE) -> Membership:
    return Membership.objects.create(
        municipality=unit.municipality, unit=unit, user=user, role=role
    )


def make_subject(
    municipality: Municipality,
    *,
    age: int = 8,
    first_name: str = "Ola",
    last_name: str = "Nordmann",
    user: User | None = None,
    kind: str = Subject.Kind.CHILD,
) -> Subject:
    today = datetime.date.today()
    birth = (
        today.replace(year=today.year - age)
        if not (today.month == 2 and today.day == 29)
        else (today.replace(year=today.year - age, day=28))
    )
    return Subject.objects.create(
        municipality=municipality,
        first_name=first_name,
        last_name=last_name,
        birth_date=birth - datetime.timedelta(days=30),
        user=user,
        kind=kind,
    )


def add_guardian(subject: Subject, guardian: User, *, responsibility: bool = True) -> Guardianship:
    return Guardianship.objects.create(
        municipality=subject.municipality,
        subject=subject,
        guardian=guardian,
        relation=Guardianship.Relation.MOTHER,
        parental_responsibility=responsibility,
    )


def english_client() -> Client:
    """A test client that reads the pages in English (tests assert on English msgids)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def login(client: Client, user: User) -> Client:
    """Log in as the user; staff also pass the one-time-code step."""
    client.force_login(user, backend="stafett.accounts.backends.StafettBackend")
    if user.kind == User.Kind.STAFF:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        assert device is not None, "staff test users need a TOTP device"
        session: SessionBase = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
