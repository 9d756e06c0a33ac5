"""Every lifecycle page answers every role as the access rules say.

Roles: the coordinator (Eva), a participant (Siri, school), the guardian (Gro), a youth
who is not part of this log (Jonas), the kindergarten's leader (Lars), a municipal
administrator (Astrid), staff of another municipality (Nils) and anonymous visitors.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stafett.audit.models import AccessLogEntry
from stafett.consent.models import Consent
from stafett.logs.models import Handover
from stafett.logs.services import propose_handover
from tests import factories as f
from tests.logs.conftest import LogWorld, as_actor

ROLES = [
    "anonymous",
    "coordinator",
    "participant",
    "guardian",
    "youth",
    "leader",
    "admin",
    "other_staff",
]
USERS = {
    "coordinator": "employee",
    "participant": "school_employee",
    "guardian": "guardian",
    "youth": "youth",
    "leader": "leader",
    "admin": "admin",
    "other_staff": "other_staff",
}


def login(client: Client, user: Any) -> Client:
    """Log in, and read the pages in English (the source language of the asserts)."""
    f.login(client, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def expect(**statuses: int) -> dict[str, int]:
    """Anonymous → log-in; everyone not named is an outsider (404)."""
    table = {role: 404 for role in ROLES}
    table["anonymous"] = 302
    table.update(statuses)
    return table


COORDINATOR_ONLY = expect(coordinator=200, participant=403, guardian=403, leader=403)
CONSENT_VIEW = expect(coordinator=200, participant=403, guardian=200, leader=403)
FAMILY_ONLY = expect(coordinator=403, participant=403, guardian=200, leader=403)

PAGES: dict[str, dict[str, int]] = {
    "logs:consent": CONSENT_VIEW,
    "logs:consent_request": COORDINATOR_ONLY,
    "logs:consent_scan": CONSENT_VIEW,
    "logs:consent_withdraw": FAMILY_ONLY,
    "logs:participants": COORDINATOR_ONLY,
    "logs:participant_remove": COORDINATOR_ONLY,
    "logs:handover_propose": expect(coordinator=200, participant=403, guardian=403, leader=200),
    "logs:move": COORDINATOR_ONLY,
    "logs:close": expect(coordinator=200, participant=403, guardian=200, leader=403),
    # Only a closed log can be reopened.
    "logs:reopen": expect(coordinator=403, participant=403, guardian=403, leader=403),
}
# POST-only actions: what an empty POST gets (a redirect with a message when allowed).
POSTS: dict[str, dict[str, int]] = {
    "logs:consent_cancel": expect(coordinator=302, participant=403, guardian=403, leader=403),
    "logs:scope_add": expect(coordinator=302, participant=403, guardian=403, leader=403),
    "logs:scope_remove": expect(coordinator=302, participant=403, guardian=403, leader=403),
    "logs:consent_give": expect(coordinator=403, participant=403, guardian=302, leader=403),
    "logs:scope_confirm": expect(coordinator=403, participant=403, guardian=302, leader=403),
}


@pytest.fixture
def paper_log(active_log: LogWorld, settings: Any, tmp_path: Any) -> LogWorld:
    """The active log with a paper renewal, so that a scanned form exists."""
    from stafett.consent.services import request_consent, widen_scope

    settings.MEDIA_ROOT = tmp_path
    w = active_log.world
    coordinator = as_actor(w.employee)
    renewal = request_consent(
        actor=coordinator,
        log=active_log.log,
        purpose="Fornya samtykke.",
        valid_from=timezone.localdate(),
        valid_to=timezone.localdate() + datetime.timedelta(days=300),
        units=[w.kindergarten, w.school],
        method=Consent.Method.PAPER,
        scanned_form=SimpleUploadedFile(
            "skjema.pdf", b"%PDF-1.4 test", content_type="application/pdf"
        ),
        signed_by=[0],
    )
    extra = f_unit(w)
    widen_scope(actor=coordinator, log=active_log.log, unit=extra)
    active_log.consent = renewal
    return active_log


def f_unit(w: Any) -> Any:
    from tests import factories as f

    return f.make_unit(w.municipality, "Testvik helsestasjon")


def _kwargs(name: str, lw: LogWorld) -> dict[str, Any]:
    log = lw.log
    values: dict[str, Any] = {"log": log.uuid}
    if name in ("logs:consent_scan", "logs:consent_give"):
        values["consent"] = lw.consent.uuid
    if name == "logs:scope_confirm":
        pending = lw.consent.scope.filter(confirmed_at__isnull=True).select_related("unit").get()
        values["consent"] = lw.consent.uuid
        values["unit"] = pending.unit.uuid
    if name == "logs:scope_remove":
        values["unit"] = lw.world.school.uuid
    if name == "logs:participant_remove":
        values["participant"] = lw.participant.uuid
    return values


def _client(role: str, lw: LogWorld) -> Client:
    client = Client()
    if role != "anonymous":
        login(client, getattr(lw.world, USERS[role]))
    return client


def _check(lw: LogWorld, table: dict[str, dict[str, int]], method: str) -> list[str]:
    from django.db import transaction

    wrong = []
    for name, expected in table.items():
        url = reverse(name, kwargs=_kwargs(name, lw))
        for role in ROLES:
            with transaction.atomic():
                client = _client(role, lw)
                response = client.get(url) if method == "GET" else client.post(url, {})
                transaction.set_rollback(True)
            if response.status_code != expected[role]:
                wrong.append(
                    f"{method} {name} as {role}: {response.status_code}, not {expected[role]}"
                )
    return wrong


def test_every_lifecycle_page_answers_each_role_as_the_rules_say(paper_log: LogWorld) -> None:
    assert not _check(paper_log, PAGES, "GET")


def test_every_lifecycle_action_answers_each_role_as_the_rules_say(paper_log: LogWorld) -> None:
    assert not _check(paper_log, POSTS, "POST")


def test_post_only_actions_refuse_get_for_everyone(active_log: LogWorld) -> None:
    for name in ("logs:consent_cancel", "logs:scope_add"):
        url = reverse(name, kwargs={"log": active_log.log.uuid})
        for role in ("anonymous", "coordinator", "other_staff"):
            assert _client(role, active_log).get(url).status_code == 405


def test_only_staff_with_a_unit_may_start_a_log(world: Any, client: Client) -> None:
    url = reverse("logs:start")
    assert client.get(url).status_code == 302
    for user, status in (
        (world.employee, 200),
        (world.leader, 200),
        (world.admin, 403),
        (world.guardian, 404),
        (world.youth, 404),
    ):
        client.logout()
        login(client, user)
        assert client.get(url).status_code == status, user


def test_only_the_proposed_coordinator_may_answer_a_handover(active_log: LogWorld) -> None:
    w = active_log.world
    handover = propose_handover(
        actor=as_actor(w.employee),
        log=active_log.log,
        to_user=w.school_employee,
        to_unit=w.school,
        message="Kan du ta over?",
    )
    url = reverse(
        "logs:handover_answer", kwargs={"log": active_log.log.uuid, "handover": handover.uuid}
    )
    expected = expect(coordinator=403, participant=200, guardian=403, leader=403)
    for role in ROLES:
        assert _client(role, active_log).get(url).status_code == expected[role], role


def test_the_youth_sees_their_own_consent_page(world: Any, client: Client) -> None:
    from stafett.consent.services import request_consent
    from stafett.logs.services import start_log

    coordinator = as_actor(world.employee)
    log = start_log(
        actor=coordinator, subject=world.youth_subject, unit=world.kindergarten, level=1
    )
    request_consent(
        actor=coordinator,
        log=log,
        purpose="Samarbeid.",
        valid_from=timezone.localdate(),
        valid_to=None,
        units=[world.kindergarten],
        method=Consent.Method.DIGITAL,
    )
    login(client, world.youth)
    response = client.get(reverse("logs:consent", kwargs={"log": log.uuid}))
    assert response.status_code == 200
    assert "Yes, I consent" in response.content.decode()


def test_refused_visits_are_written_to_the_access_log(active_log: LogWorld) -> None:
    url = reverse("logs:consent", kwargs={"log": active_log.log.uuid})
    _client("participant", active_log).get(url)
    assert AccessLogEntry.objects.filter(
        actor=active_log.world.school_employee, outcome="refused", action="consent.view"
    ).exists()


def test_a_pending_handover_of_another_log_is_not_found(active_log: LogWorld) -> None:
    assert not Handover.objects.exists()
    url = reverse(
        "logs:handover_answer",
        kwargs={"log": active_log.log.uuid, "handover": active_log.consent.uuid},
    )
    assert _client("participant", active_log).get(url).status_code == 403
