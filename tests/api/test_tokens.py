"""Integration tokens: what a token may do is what the one access policy lets its
service account do; expired, revoked, read-only and other municipalities' tokens get a
clear error in the API's JSON format and change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from stafett.api.auth import hash_key
from stafett.api.models import ApiToken
from stafett.api.services import revoke_token
from stafett.audit.models import AccessLogEntry
from stafett.logs.models import Entry
from stafett.logs.services import add_participant
from tests.api.helpers import as_actor, bearer, expire, make_token
from tests.conftest import World
from tests.policy.log_world import NOTE, make_log

pytestmark = pytest.mark.django_db


def test_a_token_reads_its_municipalitys_units(world: World, client: Client) -> None:
    _token, key = make_token(world.admin, world.municipality, [world.kindergarten])
    response = client.get("/api/v1/units", **bearer(key))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [u["name"] for u in body["items"]] == ["Solsida barnehage", "Testvik skule"]
    assert "Nabovik barnehage" not in response.content.decode()


def test_the_token_is_stored_only_as_a_hash(world: World) -> None:
    token, key = make_token(world.admin, world.municipality, [world.kindergarten])
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hash_key(key)
    assert key not in {stored.key_hash, stored.prefix}
    assert key.startswith(stored.prefix)


def test_an_expired_token_is_refused_with_a_clear_message(world: World, client: Client) -> None:
    token, key = make_token(world.admin, world.municipality, [world.kindergarten])
    expire(token)
    response = client.get("/api/v1/units", **bearer(key))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert "expired" in response.json()["message"]


def test_a_revoked_token_stops_working_at_once(world: World, client: Client) -> None:
    token, key = make_token(world.admin, world.municipality, [world.kindergarten])
    assert client.get("/api/v1/units", **bearer(key)).status_code == 200
    revoke_token(actor=as_actor(world.admin), token=token)
    response = client.get("/api/v1/units", **bearer(key))
    assert response.status_code == 401
    assert "revoked" in response.json()["message"]


def test_an_unknown_token_and_a_malformed_header_are_refused(world: World, client: Client) -> None:
    response = client.get("/api/v1/units", **bearer("stafett_not-a-token"))
    assert response.status_code == 401
    assert response.json()["message"] == "This token is not known."
    response = client.get("/api/v1/units", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert response.status_code == 401
    assert "Bearer" in response.json()["message"]


def test_without_credentials_the_api_answers_401_in_json(world: World, client: Client) -> None:
    response = client.get("/api/v1/logs")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_authenticated"


def test_a_token_of_another_municipality_finds_nothing_of_ours(
    world: World, client: Client
) -> None:
    walk = make_log(world, "valid")
    _token, key = make_token(
        world.other_staff, world.other_municipality, [world.other_unit], scope="write"
    )
    for url in (
        f"/api/v1/units/{world.kindergarten.uuid}",
        f"/api/v1/logs/{walk.log.uuid}",
        f"/api/v1/logs/{walk.log.uuid}/entries",
    ):
        response = client.get(url, **bearer(key))
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    before = Entry.objects.count()
    response = client.post(
        f"/api/v1/logs/{walk.log.uuid}/entries",
        {"kind": "note", "body": "Frå nabokommunen"},
        content_type="application/json",
        **bearer(key),
    )
    assert response.status_code == 404
    assert Entry.objects.count() == before
    response = client.get("/api/v1/units", **bearer(key))
    assert [u["name"] for u in response.json()["items"]] == ["Nabovik barnehage"]


def test_a_token_not_taking_part_in_a_log_is_an_outsider_to_it(
    world: World, client: Client
) -> None:
    walk = make_log(world, "valid")
    _token, key = make_token(world.admin, world.municipality, [world.school])
    assert client.get(f"/api/v1/logs/{walk.log.uuid}", **bearer(key)).status_code == 404
    assert client.get("/api/v1/logs", **bearer(key)).json()["items"] == []


def _token_in_log(world: World, walk: Any, scope: str) -> tuple[ApiToken, str]:
    token, key = make_token(world.admin, world.municipality, [world.school], scope=scope)
    add_participant(
        actor=as_actor(world.employee),
        log=walk.log,
        user=token.user,
        unit=world.school,
        task="Skulesystemet",
    )
    return token, key


def test_a_token_added_to_a_log_reads_it_and_every_read_is_logged(
    world: World, client: Client
) -> None:
    walk = make_log(world, "valid")
    token, key = _token_in_log(world, walk, "read")
    response = client.get("/api/v1/logs", **bearer(key))
    assert [item["uuid"] for item in response.json()["items"]] == [str(walk.log.uuid)]
    assert response.json()["items"][0]["content"] is True
    response = client.get(f"/api/v1/logs/{walk.log.uuid}/entries", **bearer(key))
    assert response.status_code == 200
    assert NOTE in response.content.decode()
    rows = AccessLogEntry.objects.filter(actor=token.user, object_uuid=walk.log.uuid)
    assert rows.filter(action="log.view").exists()
    assert AccessLogEntry.objects.filter(
        actor=token.user, action="log.list", subject_uuid=walk.log.subject.uuid
    ).exists()


def test_a_read_token_may_not_write(world: World, client: Client) -> None:
    walk = make_log(world, "valid")
    _token, key = _token_in_log(world, walk, "read")
    before = Entry.objects.count()
    response = client.post(
        f"/api/v1/logs/{walk.log.uuid}/entries",
        {"kind": "note", "body": "Eit notat frå skulesystemet."},
        content_type="application/json",
        **bearer(key),
    )
    assert response.status_code == 403
    assert response.json()["code"] == "read_only_token"
    assert Entry.objects.count() == before


def test_a_write_token_writes_as_a_participant(world: World, client: Client) -> None:
    walk = make_log(world, "valid")
    token, key = _token_in_log(world, walk, "write")
    response = client.post(
        f"/api/v1/logs/{walk.log.uuid}/entries",
        {"kind": "note", "body": "Eit notat frå skulesystemet."},
        content_type="application/json",
        **bearer(key),
    )
    assert response.status_code == 201, response.content
    entry = Entry.objects.get(uuid=response.json()["uuid"])
    assert entry.created_by == token.user
    assert entry.latest is not None and entry.latest.body == "Eit notat frå skulesystemet."


def test_a_token_loses_access_when_the_consent_ends(world: World, client: Client) -> None:
    from stafett.consent.services import withdraw_consent

    walk = make_log(world, "valid")
    _token, key = _token_in_log(world, walk, "read")
    assert client.get(f"/api/v1/logs/{walk.log.uuid}/entries", **bearer(key)).status_code == 200
    withdraw_consent(actor=as_actor(world.guardian), log=walk.log)
    response = client.get(f"/api/v1/logs/{walk.log.uuid}/entries", **bearer(key))
    assert response.status_code == 403
    assert NOTE not in response.content.decode()


def test_requests_above_the_rate_limit_get_429(world: World, client: Client, settings: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.STAFETT_API_RATE_LIMIT = 3
    _token, key = make_token(world.admin, world.municipality, [world.kindergarten])
    statuses = [client.get("/api/v1/units", **bearer(key)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/units", **bearer(key))
    assert response.json()["code"] == "rate_limited"
    assert int(response["Retry-After"]) >= 1
    # Another token has its own count.
    _other, other_key = make_token(world.admin, world.municipality, [world.school])
    assert client.get("/api/v1/units", **bearer(other_key)).status_code == 200


def test_staff_who_have_not_typed_their_one_time_code_get_401_not_a_redirect(
    world: World, client: Client
) -> None:
    client.force_login(world.employee, backend="stafett.accounts.backends.StafettBackend")
    response = client.get("/api/v1/units")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_token_of_a_deactivated_service_account_is_refused(world: World, client: Client) -> None:
    token, key = make_token(world.admin, world.municipality, [world.kindergarten])
    type(token.user).objects.filter(pk=token.user_id).update(is_active=False)
    response = client.get("/api/v1/units", **bearer(key))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
