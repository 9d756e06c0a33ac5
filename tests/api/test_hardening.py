"""Only declared methods and content types, unknown fields refused, bounded pages, one
JSON error format without stack traces, body size and nesting limits, and text with
unicode oddities refused before it reaches a service. Each changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from stafett.logs.models import Entry, EntryVersion
from stafett.logs.services import add_participant
from tests.api.helpers import as_actor, bearer, make_token
from tests.conftest import World
from tests.policy.log_world import make_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(world: World) -> tuple[Any, str]:
    walk = make_log(world, "valid")
    token, key = make_token(world.admin, world.municipality, [world.school], scope="write")
    add_participant(
        actor=as_actor(world.employee), log=walk.log, user=token.user, unit=world.school, task="IT"
    )
    return walk, key


def _post(client: Client, url: str, data: Any, key: str, **extra: Any) -> Any:
    return client.post(url, data, content_type="application/json", **bearer(key), **extra)


def _assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["message"]
    assert "Traceback" not in response.content.decode()
    return body


def test_a_body_of_10_mb_gets_413_and_changes_nothing(writer: Any, client: Client) -> None:
    walk, key = writer
    before = Entry.objects.count()
    huge = '{"kind": "note", "body": "' + "a" * (10 * 1024 * 1024) + '"}'
    response = _post(client, f"/api/v1/logs/{walk.log.uuid}/entries", huge, key)
    _assert_error(response, 413, "too_large")
    assert Entry.objects.count() == before


def test_deeply_nested_json_gets_400(writer: Any, client: Client) -> None:
    walk, key = writer
    url = f"/api/v1/logs/{walk.log.uuid}/entries"
    for depth in (25, 100_000):
        nested = "[" * depth + "]" * depth
        body = '{"kind": "note", "body": "x", "extra": ' + nested + "}"
        _assert_error(_post(client, url, body, key), 400, "too_deeply_nested")


def test_wrong_content_type_gets_415(writer: Any, client: Client) -> None:
    walk, key = writer
    url = f"/api/v1/logs/{walk.log.uuid}/entries"
    response = client.post(url, {"kind": "note", "body": "x"}, **bearer(key))  # form data
    _assert_error(response, 415, "unsupported_media_type")
    response = client.post(url, "kind=note", content_type="text/plain", **bearer(key))
    _assert_error(response, 415, "unsupported_media_type")


def test_invalid_json_gets_400(writer: Any, client: Client) -> None:
    walk, key = writer
    url = f"/api/v1/logs/{walk.log.uuid}/entries"
    _assert_error(_post(client, url, '{"kind": "note",', key), 400, "invalid_json")
    _assert_error(_post(client, url, b'{"body": "\xff"}', key), 400, "invalid_json")


def test_unknown_fields_are_refused_not_ignored(writer: Any, client: Client) -> None:
    walk, key = writer
    before = Entry.objects.count()
    response = _post(
        client,
        f"/api/v1/logs/{walk.log.uuid}/entries",
        {"kind": "note", "body": "Eit notat.", "created_by": 1, "coordinator_only": True},
        key,
    )
    body = _assert_error(response, 422, "invalid")
    assert {f["field"] for f in body["fields"]} == {"created_by", "coordinator_only"}
    assert Entry.objects.count() == before


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("Mia\x00", "control character"),
        ("Mia\ud800", "unicode string"),  # refused by pydantic itself
        ("Mia \u202eaissim", "reading direction"),
        ("Mia\ufffe", "not a character"),
        ("Mia\nNy linje", "control character"),
    ],
)
def test_unicode_oddities_in_names_are_refused(
    writer: Any, client: Client, text: str, what: str
) -> None:
    walk, key = writer
    before = EntryVersion.objects.count()
    # Built by hand: json.dumps cannot write a lone surrogate into UTF-8 bytes.
    title, responsible = _json_escaped(text), world_user_uuid(walk)
    payload = (
        f'{{"title": "{title}", "responsible": "{responsible}", '
        '"start_date": "2026-01-05", "evaluation_date": "2026-02-05"}'
    )
    response = _post(client, f"/api/v1/logs/{walk.log.uuid}/measures", payload, key)
    body = _assert_error(response, 422, "invalid")
    assert body["fields"][0]["field"] == "title"
    assert what in body["fields"][0]["message"]
    assert EntryVersion.objects.count() == before


def _json_escaped(text: str) -> str:
    return "".join(c if 0x20 <= ord(c) < 0x7F else f"\\u{ord(c):04x}" for c in text)


def world_user_uuid(walk: Any) -> str:
    return str(walk.log.coordinator.uuid)


def test_text_is_stored_in_one_normal_form(writer: Any, client: Client) -> None:
    walk, key = writer
    decomposed = "Tiltak for a\u030asa"  # "å" as a + combining ring
    response = _post(
        client,
        f"/api/v1/logs/{walk.log.uuid}/measures",
        {
            "title": decomposed,
            "responsible": world_user_uuid(walk),
            "start_date": "2026-01-05",
            "evaluation_date": "2026-02-05",
        },
        key,
    )
    assert response.status_code == 201, response.content
    assert response.json()["title"] == "Tiltak for åsa"
    entry = Entry.objects.get(uuid=response.json()["uuid"])
    assert entry.latest is not None and entry.latest.title == "Tiltak for \u00e5sa"


def test_an_undeclared_method_gets_405_in_json(writer: Any, client: Client) -> None:
    walk, key = writer
    response = client.delete(f"/api/v1/logs/{walk.log.uuid}", **bearer(key))
    body = _assert_error(response, 405, "method_not_allowed")
    assert body["fields"] == []
    assert "GET" in response["Allow"]


def test_an_unknown_api_url_gets_404_in_json(writer: Any, client: Client) -> None:
    _walk, key = writer
    _assert_error(client.get("/api/v1/nothing-here", **bearer(key)), 404, "not_found")
    _assert_error(client.get("/api/v2/units", **bearer(key)), 404, "not_found")


def test_a_server_error_is_json_without_a_stack_trace(
    writer: Any, client: Client, monkeypatch: Any
) -> None:
    from stafett.api import selectors

    _walk, key = writer

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "page_of", broken)
    response = client.get("/api/v1/units", **bearer(key))
    _assert_error(response, 500, "server_error")
    assert "secret internals" not in response.content.decode()


def test_pages_are_bounded(writer: Any, client: Client) -> None:
    _walk, key = writer
    body = _assert_error(client.get("/api/v1/units?limit=101", **bearer(key)), 422, "invalid")
    assert body["fields"][0]["field"] == "query.limit"
    response = client.get("/api/v1/units?limit=1&offset=1", **bearer(key))
    # The walk's log added the health station: three units, one per page.
    assert response.json()["count"] == 3
    assert [u["name"] for u in response.json()["items"]] == ["Testvik helsestasjon"]


def test_a_stale_base_version_gets_409_and_overwrites_nothing(
    world: World, client: Client, login_as: Any
) -> None:
    walk = make_log(world, "valid")
    _token, key = make_token(world.admin, world.municipality, [world.school], scope="write")
    coordinator = login_as(world.employee)
    url = f"/api/v1/logs/{walk.log.uuid}/entries/{walk.entry.uuid}"
    current = coordinator.get(url).json()
    assert current["version"] == 1
    first = coordinator.patch(
        url, {"base_version": 1, "body": "Endra."}, content_type="application/json"
    )
    assert first.status_code == 200, first.content
    assert first.json()["version"] == 2
    second = coordinator.patch(
        url, {"base_version": 1, "body": "Endra igjen."}, content_type="application/json"
    )
    _assert_error(second, 409, "conflict")
    walk.entry.refresh_from_db()
    assert walk.entry.version_count == 2
    assert walk.entry.latest is not None and walk.entry.latest.body == "Endra."
    del key


def test_a_session_must_send_the_csrf_token_to_write(world: World) -> None:
    from tests.factories import login

    walk = make_log(world, "valid")
    client = Client(enforce_csrf_checks=True)
    login(client, world.employee)
    url = f"/api/v1/logs/{walk.log.uuid}/entries"
    before = Entry.objects.count()
    response = client.post(url, {"kind": "note", "body": "Utan CSRF."}, "application/json")
    _assert_error(response, 403, "csrf_failed")
    assert Entry.objects.count() == before
    client.get("/api/v1/docs")  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        url, {"kind": "note", "body": "Med CSRF."}, "application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert response.status_code == 201, response.content
    assert response.json()["body"] == "Med CSRF."
