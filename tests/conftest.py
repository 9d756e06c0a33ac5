"""Named personas for tests, mirroring the roles in DESIGN.md §2.

`world` builds one municipality ("Testvik") with a kindergarten and a school, and a
second municipality ("Nabovik") whose staff must never see Testvik's data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.test import Client

from stafett.accounts.models import User
from stafett.organisation.models import Membership, Municipality, ServiceCategory, Unit
from stafett.people.models import Subject
from tests import factories as f

# Playwright's sync API runs an event loop in the test thread; Django's ORM is still
# used synchronously there, which is safe in tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@dataclass
class World:
    municipality: Municipality
    other_municipality: Municipality
    kindergarten: Unit
    school: Unit
    other_unit: Unit
    admin: User
    leader: User
    employee: User
    school_employee: User
    guardian: User
    guardian_without_responsibility: User
    youth: User
    other_staff: User
    child: Subject
    youth_subject: Subject
    other_child: Subject

    def persona(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)


PERSONAS = ["anonymous", "admin", "leader", "employee", "guardian", "youth", "other_staff"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Real hashing costs ~0.3 s a user; the suite creates many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings: Any) -> None:
    # Background tasks (e-mails, scheduled checks) run at once, in the test's thread.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _archive_in_the_tests_own_directory(settings: Any, tmp_path: Any) -> None:
    # Archive documents (PDFs, packages) are written under the test's own directory.
    settings.STAFETT_ARCHIVE_DIR = tmp_path / "archive"


@receiver(connection_created)
def _let_the_test_runner_flush_the_access_log(sender: Any, connection: Any, **kwargs: Any) -> None:
    # Browser tests' databases are emptied with TRUNCATE, which the access log refuses
    # unless a superuser asks by name (migration audit 0004).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET stafett.flush_test_database = 'on'")


@pytest.fixture(autouse=True)
def _access_log_sealed_at_once(settings: Any, tmp_path: Any) -> None:
    # Each read's access-log row is sealed in its own transaction (tests run inside one
    # that never commits, so "right after commit" would never come); tests of the
    # deferred sealer turn this off. Checkpoints go to the test's own directory.
    settings.STAFETT_ACCESS_LOG_SEAL_AT_ONCE = True
    settings.STAFETT_ACCESS_LOG_CHECKPOINT_DIR = tmp_path / "checkpoints"


@pytest.fixture(autouse=True)
def _refusals_on_the_audit_connection_only_when_asked(request: Any, settings: Any) -> None:
    """On PostgreSQL refusals inside a transaction are written on the "audit" connection,
    committed at once. A test wrapped in one transaction cannot see such rows (nor may they
    point at its uncommitted users), so only tests marked
    `django_db(transaction=True, databases=[..., "audit"])` use that connection; the others
    take the path SQLite takes (written after the view)."""
    marker = request.node.get_closest_marker("django_db")
    asked = (
        marker is not None
        and marker.kwargs.get("transaction", False)
        and "audit" in (marker.kwargs.get("databases") or ())
    )
    if not asked:
        settings.STAFETT_REFUSAL_DATABASE = ""


@pytest.fixture(autouse=True)
def _emails_in_english(request: Any, monkeypatch: Any) -> None:
    """Tests read e-mails in English too: a person's own choice still counts, but the
    municipality's language is not the fallback, except in tests marked
    `municipality_language` (those test that fallback)."""
    if request.node.get_closest_marker("municipality_language"):
        return
    from stafett.notifications import services as notifications

    monkeypatch.setattr(notifications, "default_email_language", lambda user: "en")


@pytest.fixture
def client() -> Client:
    """Tests read pages in English; tests of the language choice set the cookie themselves."""
    return f.english_client()


@pytest.fixture
def world(db: Any) -> World:
    m = f.make_municipality("Testvik kommune")
    other = f.make_municipality("Nabovik kommune", language="nb")
    kg_kind = f.make_service_kind(m, "Barnehage", ServiceCategory.BASIS)
    school_kind = f.make_service_kind(m, "Skule", ServiceCategory.BASIS)
    kindergarten = f.make_unit(m, "Solsida barnehage", kg_kind)
    school = f.make_unit(m, "Testvik skule", school_kind)
    other_unit = f.make_unit(other, "Nabovik barnehage", f.make_service_kind(other, "Barnehage"))

    admin = f.make_user(
        m, username="admin", first_name="Astrid", last_name="Admin", is_municipal_admin=True
    )
    leader = f.make_user(m, username="leader", first_name="Lars", last_name="Leiar")
    employee = f.make_user(m, username="employee", first_name="Eva", last_name="Tilsett")
    school_employee = f.make_user(m, username="teacher", first_name="Siri", last_name="Lærar")
    f.add_membership(leader, kindergarten, Membership.Role.LEADER)
    f.add_membership(employee, kindergarten)
    f.add_membership(school_employee, school)

    guardian = f.make_user(
        m, kind=User.Kind.CITIZEN, username="guardian", first_name="Gro", last_name="Mor"
    )
    no_resp = f.make_user(
        m, kind=User.Kind.CITIZEN, username="farfar", first_name="Per", last_name="Far"
    )
    child = f.make_subject(m, age=5, first_name="Mia", last_name="Mor")
    f.add_guardian(child, guardian)
    f.add_guardian(child, no_resp, responsibility=False)

    youth = f.make_user(
        m, kind=User.Kind.CITIZEN, username="youth", first_name="Jonas", last_name="Ung"
    )
    youth_subject = f.make_subject(m, age=16, first_name="Jonas", last_name="Ung", user=youth)

    other_staff = f.make_user(
        other, username="other", first_name="Nils", last_name="Nabo", is_municipal_admin=True
    )
    f.add_membership(other_staff, other_unit, Membership.Role.LEADER)
    other_child = f.make_subject(other, age=9, first_name="Kari", last_name="Nabo")

    return World(
        municipality=m,
        other_municipality=other,
        kindergarten=kindergarten,
        school=school,
        other_unit=other_unit,
        admin=admin,
        leader=leader,
        employee=employee,
        school_employee=school_employee,
        guardian=guardian,
        guardian_without_responsibility=no_resp,
        youth=youth,
        other_staff=other_staff,
        child=child,
        youth_subject=youth_subject,
        other_child=other_child,
    )


@pytest.fixture
def login_as(client: Client) -> Any:
    def _login(user: User | None) -> Client:
        client.logout()  # logout() drops every cookie, the language one too
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        if user is not None:
            f.login(client, user)
        return client

    return _login
