from __future__ import annotations

import datetime
import time
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Model
from django.test import RequestFactory
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from stafett.accounts.models import User
from stafett.demo.personas import DEMO_PASSWORD, PERSONAS, demo_totp_key
from stafett.demo.services import birth_date_for, demo_uuid, load_demo
from stafett.organisation.models import (
    EmergencyContact,
    Membership,
    Municipality,
    ServiceCategory,
    ServiceKind,
    Unit,
)
from stafett.people.models import Guardianship, Subject


def demo_models() -> list[type[Model]]:
    """Every model of the project (and the one-time-code devices): the demo's rows, whatever
    the apps add later. Sessions, log-in throttling and Django's own tables are left out."""
    return [
        model
        for model in apps.get_models()
        if model.__module__.startswith("stafett.") or model._meta.label == "otp_totp.TOTPDevice"
    ]


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row, every field, in primary-key order."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in demo_models()
    }


def subject(first_name: str, last_name: str) -> Subject:
    return Subject.objects.select_related("municipality").get(
        first_name=first_name, last_name=last_name
    )


@pytest.fixture
def demo(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's people, units and families; without the relay logs, which cost seconds
    and have tests of their own (the idempotency test below loads everything)."""
    monkeypatch.setattr("stafett.demo.logs.load_demo_logs", lambda **kwargs: None)
    # Nor the year of history for the statistics (demo/history.py, tests/stats/).
    monkeypatch.setattr("stafett.demo.history.load_demo_history", lambda **kwargs: None)
    load_demo()


def test_loading_the_demo_twice_leaves_every_row_and_uuid_as_it_was(db: Any) -> None:
    load_demo()
    first = snapshot()
    load_demo()
    second = snapshot()
    assert {name: len(rows) for name, rows in second.items()} == {
        name: len(rows) for name, rows in first.items()
    }
    assert first["logs.RelayLog"], "the demo has relay logs"
    for name, rows in first.items():
        assert second[name] == rows, f"{name} changed on the second load"


def test_demo_uuids_are_the_same_in_every_installation(demo: None) -> None:
    fjordvik = Municipality.objects.get(name="Fjordvik kommune")
    assert fjordvik.uuid == demo_uuid("municipality", "Fjordvik kommune")
    assert User.objects.get(username="leiar.skule").uuid == demo_uuid("user", "leiar.skule")
    assert subject("Emma", "Hansen").uuid == demo_uuid("subject", "hansen.emma")


def test_the_management_command_loads_the_demo(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("stafett.demo.logs.load_demo_logs", lambda **kwargs: None)
    call_command("load_demo", verbosity=0)
    call_command("load_demo", verbosity=0)
    assert User.objects.filter(
        is_demo=True, username__in=[p.username for p in PERSONAS]
    ).count() == (len(PERSONAS))


def test_the_management_command_refuses_a_production_installation(db: Any, settings: Any) -> None:
    settings.STAFETT_PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("load_demo", verbosity=0)
    assert not Municipality.objects.exists()


def test_fjordvik_has_its_settings_emergency_contacts_services_and_units(demo: None) -> None:
    fjordvik = Municipality.objects.get(name="Fjordvik kommune")
    assert (fjordvik.language, fjordvik.consent_age) == ("nn", 15)
    assert (fjordvik.consent_validity_months, fjordvik.retention_years) == (12, 10)
    phones = dict(
        EmergencyContact.objects.in_municipality(fjordvik.id).values_list("name", "phone")
    )
    assert phones["Politiet"] == "02800"
    assert phones["Naudnummer politi"] == "112"
    assert phones["Alarmtelefonen for barn og unge"] == "116 111"
    assert phones["Legevakt"] == "116 117"
    assert "Barnevernvakta" in phones
    # "When to call" is written in nynorsk, bokmål and English for every contact.
    assert all(
        set(texts) == {"nn", "nb", "en"} and all(texts.values())
        for texts in EmergencyContact.objects.in_municipality(fjordvik.id).values_list(
            "descriptions", flat=True
        )
    )
    kinds = dict(ServiceKind.objects.in_municipality(fjordvik.id).values_list("name", "category"))
    assert kinds["Barnehage"] == kinds["SFO"] == ServiceCategory.BASIS
    assert kinds["PPT"] == kinds["BUP"] == ServiceCategory.HELP
    assert kinds["NAV"] == ServiceCategory.ADULT
    assert len(kinds) == 11
    assert set(Unit.objects.in_municipality(fjordvik.id).values_list("name", flat=True)) == {
        "Fjordvik barnehage",
        "Fjordvik skule",
        "Fjordvik ungdomsskule",
        "Fjordvik helsestasjon",
        "PPT Fjordvik",
        "Fjordvik barnevernteneste",
    }


def test_nabovik_is_a_separate_bokmal_municipality_with_its_own_admin(demo: None) -> None:
    nabovik = Municipality.objects.get(name="Nabovik kommune")
    assert nabovik.language == "nb"
    assert Unit.objects.in_municipality(nabovik.id).count() == 1
    admin = User.objects.get(username="admin.nabovik")
    assert admin.municipality == nabovik
    assert admin.is_municipal_admin


def test_every_persona_logs_in_with_the_demo_password_in_demo_mode(
    demo: None, settings: Any
) -> None:
    settings.STAFETT_DEMO = True
    for persona in PERSONAS:
        request = RequestFactory().post("/login/")
        user = authenticate(request, username=persona.username, password=DEMO_PASSWORD)
        assert user is not None, persona.username
        assert user.is_demo
        assert user.kind == (User.Kind.STAFF if persona.staff else User.Kind.CITIZEN)
        assert user.municipality is not None
        assert user.municipality.name == persona.municipality
        assert (user.first_name, user.last_name) == (persona.first_name, persona.last_name)


def test_demo_personas_cannot_log_in_outside_demo_mode(demo: None, settings: Any) -> None:
    settings.STAFETT_DEMO = False
    request = RequestFactory().post("/login/")
    assert authenticate(request, username="leiar.skule", password=DEMO_PASSWORD) is None


def test_staff_personas_have_one_confirmed_device_that_accepts_the_current_code(
    demo: None,
) -> None:
    for persona in PERSONAS:
        devices = list(TOTPDevice.objects.filter(user__username=persona.username))
        if not persona.staff:
            assert devices == [], persona.username
            continue
        assert len(devices) == 1, persona.username
        device = devices[0]
        assert device.confirmed
        assert device.key == demo_totp_key(persona.username)
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        assert device.verify_token(f"{code:0{device.digits}d}"), persona.username


def test_reloading_resets_passwords_keys_and_used_codes(demo: None) -> None:
    user = User.objects.get(username="larar.skule")
    user.set_password("something else entirely")
    user.save()
    device = TOTPDevice.objects.get(user=user)
    device.key = "00" * 20
    device.last_t = int(time.time()) // 30
    device.save()
    TOTPDevice.objects.create(user=user, name="extra", confirmed=True)

    load_demo()

    user.refresh_from_db()
    assert user.check_password(DEMO_PASSWORD)
    device = TOTPDevice.objects.get(user=user)
    assert (device.key, device.last_t) == (demo_totp_key("larar.skule"), -1)


def test_leaders_employees_and_admins_have_their_roles(demo: None) -> None:
    def units_of(username: str, role: str) -> set[str]:
        return set(
            Membership.objects.current()
            .filter(user__username=username, role=role)
            .values_list("unit__name", flat=True)
        )

    assert User.objects.get(username="admin.fjordvik").is_municipal_admin
    assert (
        not User.objects.filter(is_municipal_admin=True)
        .exclude(username__in=["admin.fjordvik", "admin.nabovik"])
        .exists()
    )
    assert units_of("leiar.barnehage", Membership.Role.LEADER) == {"Fjordvik barnehage"}
    assert units_of("leiar.barnevern", Membership.Role.LEADER) == {"Fjordvik barnevernteneste"}
    assert units_of("pedagog.barnehage", Membership.Role.EMPLOYEE) == {"Fjordvik barnehage"}
    assert units_of("helsesjukepleiar", Membership.Role.EMPLOYEE) == {
        "Fjordvik helsestasjon",
        "Fjordvik skule",
    }
    for persona in PERSONAS:
        if persona.staff and not persona.username.startswith("admin."):
            role = (
                Membership.Role.LEADER
                if persona.username.startswith("leiar.")
                else (Membership.Role.EMPLOYEE)
            )
            assert units_of(persona.username, role), persona.username


def test_children_have_the_ages_the_demo_describes(demo: None) -> None:
    ages = {
        ("Emma", "Hansen"): 5,
        ("Noah", "Hansen"): 9,
        ("Sara", "Berg"): 7,
        ("Jonas", "Lie"): 16,
        ("Lukas", "Tveit"): 13,
        ("Maja", "Haugen"): 2,
    }
    for (first, last), age in ages.items():
        child = subject(first, last)
        assert child.kind == Subject.Kind.CHILD
        assert child.age() == age, child
    assert subject("Jonas", "Lie").consents_alone()
    assert not subject("Lukas", "Tveit").consents_alone()


def test_the_youth_and_the_pregnant_woman_log_in_as_themselves(demo: None) -> None:
    jonas = subject("Jonas", "Lie")
    assert jonas.user is not None and jonas.user.username == "ungdom.lie"
    ida = subject("Ida", "Dahl")
    assert ida.kind == Subject.Kind.PREGNANT
    assert ida.user is not None and ida.user.username == "gravid.dahl"
    assert ida.due_date is not None and ida.due_date > timezone.localdate()


def test_guardians_and_parental_responsibility(demo: None) -> None:
    def guardians(first_name: str, last_name: str) -> dict[str, bool]:
        return dict(
            Guardianship.objects.filter(
                subject__first_name=first_name, subject__last_name=last_name
            ).values_list("guardian__username", "parental_responsibility")
        )

    hansen = {"foresatt.hansen": True, "thomas.hansen": True}
    assert guardians("Emma", "Hansen") == hansen
    assert guardians("Noah", "Hansen") == hansen
    assert guardians("Sara", "Berg") == {"foresatt.berg": True, "leila.berg": False}
    assert all(guardians("Jonas", "Lie").values())
    assert len(guardians("Jonas", "Lie")) == 2
    assert guardians("Ida", "Dahl") == {}
    thomas = User.objects.get(username="thomas.hansen")
    assert (thomas.kind, thomas.is_demo) == (User.Kind.CITIZEN, True)


@pytest.mark.parametrize(
    ("today", "age", "days", "expected"),
    [
        (datetime.date(2026, 11, 23), 5, 120, datetime.date(2021, 7, 26)),
        (datetime.date(2024, 3, 30), 3, 30, datetime.date(2021, 2, 28)),  # from 29 February
        (datetime.date(2025, 1, 1), 16, 1, datetime.date(2008, 12, 31)),
    ],
)
def test_birth_dates_keep_the_age_on_the_day_the_demo_loads(
    today: datetime.date, age: int, days: int, expected: datetime.date
) -> None:
    from stafett.people.models import age_on

    birth = birth_date_for(age, days, today)
    assert birth == expected
    assert age_on(birth, today) == age


def test_fjordvik_has_consent_texts_in_english_and_polish_for_the_language_picker(
    demo: None,
) -> None:
    from stafett.consent.models import ConsentText

    fjordvik = Municipality.objects.get(name="Fjordvik kommune")
    texts = ConsentText.objects.filter(municipality=fjordvik)
    assert sorted(texts.values_list("language", flat=True)) == ["en", "pl"]
    assert all(t.information and t.consent_statement and t.withdraw_text for t in texts)
    assert not ConsentText.objects.exclude(municipality=fjordvik).exists()
