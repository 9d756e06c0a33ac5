"""Every URL, every role, every method: the answer must match this table.

Roles: anonymous, the municipal administrator, a unit leader, an employee, a
guardian, a youth, and staff of another municipality (an outsider). Expected
statuses: 200 page, 302 redirect (anonymous → log-in), 403 insider without the
right, 404 outsider, 405 wrong method. A set means any of those is right (an
allowed POST with empty data answers 200 with form errors, or 302 when the
action needs no data).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from stafett.concerns.models import ChildWelfareReport
from stafett.consent.models import ConsentText
from stafett.organisation.models import EmergencyContact
from stafett.signin.models import LinkRequest, Provider
from tests.api.walk import (
    API_EXPECTED,
    API_LOG_TABLES,
    API_YOUTH_TABLES,
    api_body,
    api_log_values,
    api_values,
)
from tests.archive.walk import ready_document
from tests.concerns.walk import CONCERN_EXPECTED, concern_values, walk_violence_concern
from tests.conftest import PERSONAS, World
from tests.factories import english_client, login
from tests.guides.walk import GUIDE_EXPECTED, guide_values
from tests.notifications.walk import NOTIFICATION_EXPECTED
from tests.policy.log_table import LOG_ROLES, LOG_TABLES, YOUTH_TABLES
from tests.policy.log_world import SHARING, STATES, WalkLog, log_markers, make_log
from tests.policy.walker import Identity, Route, identity_of, walk_all

ROLES = PERSONAS  # anonymous, admin, leader, employee, guardian, youth, other_staff


def roles(
    *,
    anonymous: Any = 302,
    admin: Any = 404,
    leader: Any = 404,
    employee: Any = 404,
    guardian: Any = 404,
    youth: Any = 404,
    other_staff: Any = 404,
) -> dict[str, Any]:
    return {
        "anonymous": anonymous,
        "admin": admin,
        "leader": leader,
        "employee": employee,
        "guardian": guardian,
        "youth": youth,
        "other_staff": other_staff,
    }


EVERYONE = roles(
    anonymous=200, admin=200, leader=200, employee=200, guardian=200, youth=200, other_staff=200
)
SIGNED_IN = roles(admin=200, leader=200, employee=200, guardian=200, youth=200, other_staff=200)
METHOD_NOT_ALLOWED = {role: 405 for role in ROLES}
FORM_POST = {200, 302}
# POST-only and GET-only URLs: the method is refused before anything else (405), also
# for anonymous visitors, since the answer reveals nothing.
NO_GET = {role: 405 for role in ROLES}
NO_POST = {role: 405 for role in ROLES}

# Municipal administrator pages: staff of the municipality without the role get 403,
# citizens and other municipalities' staff 404.
ADMIN_PAGE = roles(admin=200, leader=403, employee=403)
ADMIN_POST = roles(admin=FORM_POST, leader=403, employee=403)
# Pages about "my municipality" carry no id: the other municipality's administrator
# reaches their own municipality's page there, never ours.
ADMIN_OWN_PAGE = roles(admin=200, leader=403, employee=403, other_staff=200)
ADMIN_OWN_POST = roles(admin=FORM_POST, leader=403, employee=403, other_staff=FORM_POST)
# A unit leader's pages for the kindergarten (led by `leader`).
LEADER_PAGE = roles(admin=403, leader=200, employee=403)
LEADER_POST = roles(admin=403, leader=FORM_POST, employee=403)
# Statistics: the administrator and unit leaders of the municipality (the other
# municipality's administrator reaches their own figures there); employees 403.
STATISTICS = roles(admin=200, leader=200, employee=403, other_staff=200)

EXPECTED: dict[str, dict[str, dict[str, Any]]] = {
    # Public.
    "healthz": {"GET": EVERYONE, "POST": METHOD_NOT_ALLOWED},
    "readyz": {"GET": EVERYONE, "POST": METHOD_NOT_ALLOWED},
    "set_language": {
        "GET": {role: {200, 302} for role in ROLES},
        "POST": {role: 302 for role in ROLES},
    },
    # Log-in flow.
    "accounts:login": {
        "GET": {role: {200, 302} for role in ROLES},
        "POST": {role: {200, 302} for role in ROLES},
    },
    "accounts:code": {
        "GET": {role: {200, 302} for role in ROLES},
        "POST": {role: {200, 302} for role in ROLES},
    },
    "accounts:enrol": {
        "GET": {role: {200, 302} for role in ROLES},
        "POST": {role: {200, 302} for role in ROLES},
    },
    "accounts:logout": {"GET": METHOD_NOT_ALLOWED, "POST": {role: 302 for role in ROLES}},
    "accounts:set_password": {
        "GET": {role: {200, 302} for role in ROLES},
        "POST": {role: {200, 302} for role in ROLES},
    },
    "accounts:login_failures": {"GET": ADMIN_OWN_PAGE, "POST": NO_POST},
    # Log-in with ID-porten, Feide and Entra ID (issue 13). Public, like the log-in page:
    # start (an unknown provider goes back to the log-in page, or home when logged in),
    # the callback (without the session's state: the refusal page), waiting for approval
    # (nothing waiting: the log-in page). GET only.
    "signin:start": {"GET": {role: 302 for role in ROLES}, "POST": NO_POST},
    "signin:callback": {"GET": {role: 403 for role in ROLES}, "POST": NO_POST},
    "signin:waiting": {"GET": {role: 302 for role in ROLES}, "POST": NO_POST},
    # The administrator's log-in page and staff link requests.
    "signin:manage": {"GET": ADMIN_OWN_PAGE, "POST": ADMIN_OWN_POST},
    "signin:link_decide": {"GET": NO_GET, "POST": ADMIN_POST},
    # Home.
    "home:home": {"GET": SIGNED_IN, "POST": NO_POST},
    # Municipal administrator.
    "organisation:overview": {"GET": ADMIN_OWN_PAGE},
    "organisation:settings": {"GET": ADMIN_OWN_PAGE, "POST": ADMIN_OWN_POST},
    "organisation:contacts": {"GET": ADMIN_OWN_PAGE, "POST": ADMIN_OWN_POST},
    "organisation:contact_edit": {"GET": ADMIN_PAGE, "POST": ADMIN_POST},
    "organisation:contact_remove": {"GET": ADMIN_PAGE, "POST": ADMIN_POST},
    "organisation:service_kinds": {"GET": ADMIN_OWN_PAGE, "POST": ADMIN_OWN_POST},
    "organisation:service_kind_edit": {"GET": ADMIN_PAGE, "POST": ADMIN_POST},
    "organisation:unit_create": {"GET": ADMIN_OWN_PAGE, "POST": ADMIN_OWN_POST},
    "organisation:unit_edit": {"GET": ADMIN_PAGE, "POST": ADMIN_POST},
    "organisation:leader_add": {"GET": NO_GET, "POST": ADMIN_POST},
    "organisation:leader_new": {"GET": NO_GET, "POST": ADMIN_POST},
    "organisation:leader_remove": {"GET": ADMIN_PAGE, "POST": ADMIN_POST},
    # Consent texts in more languages (issue 6).
    "organisation:consent_texts": {"GET": ADMIN_OWN_PAGE, "POST": ADMIN_OWN_POST},
    "organisation:consent_text_edit": {"GET": ADMIN_PAGE, "POST": ADMIN_POST},
    "organisation:consent_text_remove": {"GET": NO_GET, "POST": ADMIN_POST},
    # The archive hand-over and Fiks settings (issue 12): each administrator their own.
    "delivery:archive": {"GET": ADMIN_OWN_PAGE, "POST": ADMIN_OWN_POST},
    # Retention and deletion (issue 12): the periods and the tombstones.
    "retention:rules": {"GET": ADMIN_OWN_PAGE, "POST": ADMIN_OWN_POST},
    # The follow-up list (issue 12): the administrator and unit leaders, no id.
    "followup:overview": {
        "GET": roles(admin=200, leader=200, employee=403, other_staff=200),
        "POST": NO_POST,
    },
    # Unit leader.
    "organisation:unit_staff": {"GET": LEADER_PAGE, "POST": NO_POST},
    "organisation:employee_add": {"GET": NO_GET, "POST": LEADER_POST},
    "organisation:employee_new": {"GET": NO_GET, "POST": LEADER_POST},
    "organisation:employee_remove": {"GET": LEADER_PAGE, "POST": LEADER_POST},
    # Concerns (level 0), the worry scale, guardians asking for help (tests/concerns/walk.py).
    **CONCERN_EXPECTED,
    # Action guides, tools and filled forms (tests/guides/walk.py).
    **GUIDE_EXPECTED,
    # Notifications: the centre, e-mail choices, failed e-mails (tests/notifications/walk.py).
    **NOTIFICATION_EXPECTED,
    # The JSON API and its integration tokens, not about a log (tests/api/walk.py).
    **API_EXPECTED,
    # Statistics (issue 12): the administrator's whole municipality, a leader's own units.
    "statistics:page": {"GET": STATISTICS, "POST": NO_POST},
    "statistics:csv": {"GET": STATISTICS, "POST": NO_POST},
}
# Relay logs: walked separately, once per consent state, with a participant role.
NOT_LOGS = set(EXPECTED)
EXPECTED.update(LOG_TABLES["valid"])
# The API's routes about a log: walked with the log's (tests/api/walk.py).
EXPECTED.update(API_LOG_TABLES["valid"])


def _fill(route: Route, world: World) -> dict[str, Any]:
    contact, _ = EmergencyContact.objects.get_or_create(
        municipality=world.municipality, name="Politiet", defaults={"phone": "02800"}
    )
    values: dict[str, Any] = {
        "unit": world.kindergarten.uuid,
        "contact": contact.uuid,
        "kind": world.kindergarten.service_kind.uuid,
        # For removals: the kindergarten's leader or employee.
        "person": world.leader.uuid if "leader" in route.name else world.employee.uuid,
        "uidb64": urlsafe_base64_encode(force_bytes(world.employee.pk)),
        "token": default_token_generator.make_token(world.employee),
        **concern_values(world, route),
        **guide_values(world, route),
        **api_values(world, route),
        "text": _consent_text(world).uuid,
        # Issue 13: an unknown provider; a staff link request waiting in the municipality.
        "provider": uuid.uuid4(),
        "link": _link_request(world).uuid,
    }
    missing = [name for name in route.kwargs if name not in values]
    assert not missing, f"{route.name}: add a test value for URL parameter(s) {missing}"
    return {name: values[name] for name in route.kwargs}


def _link_request(world: World) -> LinkRequest:
    provider, _ = Provider.objects.get_or_create(
        municipality=world.municipality,
        kind=Provider.Kind.FEIDE,
        defaults={"issuer": "https://auth.dataporten.no", "client_id": "stafett"},
    )
    link, _ = LinkRequest.objects.get_or_create(
        issuer=provider.issuer,
        subject="walker",
        defaults={"municipality": world.municipality, "provider": provider, "name": "Eva"},
    )
    return link


def _consent_text(world: World) -> ConsentText:
    text, _ = ConsentText.objects.get_or_create(
        municipality=world.municipality,
        language="pl",
        defaults={
            "information": "Informacja o zgodzie.",
            "consent_statement": "Zgadzam się.",
            "updated_by": world.admin,
        },
    )
    return text


def _log_fill(route: Route, world: World, walk: WalkLog) -> dict[str, Any]:
    values: dict[str, Any] = {
        "log": walk.log.uuid,
        "entry": walk.entry.uuid,
        "kind": "note",
        "consent": walk.consent.uuid,
        # Scope removal and confirmation: the unit waiting for the family's confirmation.
        "unit": walk.pending_unit.unit.uuid,
        "participant": walk.participant.uuid,
        "handover": walk.handover.uuid,
        "meeting": walk.meeting.uuid,
        "request_id": walk.scope_request.uuid,
        **api_log_values(route, walk.log),
    }
    if "document" in route.kwargs:
        values["document"] = ready_document(walk.log).uuid
    missing = [name for name in route.kwargs if name not in values]
    assert not missing, f"{route.name}: add a test value for URL parameter(s) {missing}"
    return {name: values[name] for name in route.kwargs}


def _identities(world: World) -> list[Identity]:
    """The children whose name or birth date on a page must leave an access-log row.
    (The youth's name is also the youth's own user name, shown on every page he opens.)
    Reads of the concern on the violence/abuse path (and of its report) are written
    without the child's name, so that the family never learns of them."""
    violence = walk_violence_concern(world)
    report = ChildWelfareReport.objects.get(concern=violence)
    return [
        identity_of(world.child, unnamed_objects=[violence.uuid, report.uuid]),
        identity_of(world.other_child),
    ]


def _clients(world: World) -> Any:
    def client_for(role: str) -> Client:
        # A fresh log-in per request keeps one request's effects (log-out, language)
        # from leaking into the next.
        client = english_client()
        user = world.school_employee if role == "participant" else world.persona(role)
        if user is not None:
            login(client, user)
        return client

    return client_for


@pytest.mark.django_db
def test_every_url_answers_every_role_as_the_table_says(world: World) -> None:
    missing, mismatches = walk_all(
        table=EXPECTED,
        roles=ROLES,
        client_for=_clients(world),
        kwargs_for=lambda route: _fill(route, world),
        only=NOT_LOGS,
        identities=_identities(world),
    )
    assert not missing, f"URL names without an entry in EXPECTED: {missing}"
    assert not mismatches, "\n".join(str(m) for m in mismatches)


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
def test_every_log_url_answers_every_role_in_every_consent_state(world: World, state: str) -> None:
    walk = make_log(world, state)
    table = {**LOG_TABLES[state], **API_LOG_TABLES[state]}
    missing, mismatches = walk_all(
        table={**EXPECTED, **table},
        roles=LOG_ROLES,
        client_for=_clients(world),
        kwargs_for=lambda route: _log_fill(route, world, walk),
        only=set(table),
        markers=log_markers(walk),
        identities=_identities(world),
        body_for=lambda name, method: api_body(name, method, walk),
    )
    assert not missing, f"URL names without an entry in EXPECTED: {missing}"
    assert not mismatches, "\n".join(str(m) for m in mismatches)


@pytest.mark.django_db
@pytest.mark.parametrize("sharing", SHARING)
@pytest.mark.parametrize("state", STATES)
def test_every_log_url_of_a_youth_who_consents_alone_answers_as_the_youth_decides(
    world: World, state: str, sharing: str
) -> None:
    """`youth` is Jonas (16, consents alone); `guardian` is his mother, who reads only
    what Jonas shares with her, and nothing once the consent has ended."""
    walk = make_log(world, state, youth=True, shared=sharing == "shared")
    table = {**YOUTH_TABLES[(state, sharing)], **API_YOUTH_TABLES[(state, sharing)]}
    missing, mismatches = walk_all(
        table={**EXPECTED, **table},
        roles=LOG_ROLES,
        client_for=_clients(world),
        kwargs_for=lambda route: _log_fill(route, world, walk),
        only=set(table),
        markers=log_markers(walk),
        identities=_identities(world),
        body_for=lambda name, method: api_body(name, method, walk),
    )
    assert not missing, f"URL names without an entry in EXPECTED: {missing}"
    assert not mismatches, "\n".join(str(m) for m in mismatches)
