"""The municipal administrator's page for integration tokens."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from stafett.api.auth import hash_key
from stafett.api.models import ApiToken
from stafett.organisation.models import Membership
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _create(client: Client, world: World, **data: Any) -> Any:
    form = {
        "name": "Skulesystemet",
        "scope": "write",
        "units": [str(world.school.pk)],
        "valid_days": "30",
        **data,
    }
    return client.post("/municipality/api-tokens/", form)


def test_the_administrator_creates_a_token_and_sees_it_only_once(
    world: World, login_as: Any
) -> None:
    client = login_as(world.admin)
    response = _create(client, world)
    assert response.status_code == 200
    page = response.content.decode()
    assert "shown only this once" in page
    key = re.search(r'<code class="token-secret">([^<]+)</code>', page)
    assert key is not None
    token = ApiToken.objects.get()
    assert token.key_hash == hash_key(key.group(1))
    assert token.scope == "write" and list(token.units.all()) == [world.school]
    assert Membership.objects.current().filter(user=token.user, unit=world.school).exists()
    assert response["Cache-Control"] == "no-store"
    again = client.get("/municipality/api-tokens/").content.decode()
    assert "Skulesystemet" in again
    assert key.group(1) not in again
    assert (
        client.get("/api/v1/units", HTTP_AUTHORIZATION=f"Bearer {key.group(1)}").status_code == 200
    )


def test_bad_input_on_the_token_form_changes_nothing(world: World, login_as: Any) -> None:
    client = login_as(world.admin)
    response = _create(client, world, name="  ", units=[])
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    response = _create(client, world, units=[str(world.other_unit.pk)])
    assert "Select a valid choice." in response.content.decode()
    response = _create(client, world, name="Skule\u202esystem")
    assert "reading direction" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_administrator_revokes_a_token(world: World, login_as: Any) -> None:
    client = login_as(world.admin)
    _create(client, world)
    token = ApiToken.objects.get()
    response = client.post(f"/municipality/api-tokens/{token.uuid}/revoke/", follow=True)
    assert "is revoked" in response.content.decode()
    token.refresh_from_db()
    token.user.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == world.admin
    assert not token.user.is_active
    assert not Membership.objects.current().filter(user=token.user).exists()


def test_only_the_administrator_of_the_municipality_manages_tokens(
    world: World, login_as: Any
) -> None:
    client = login_as(world.admin)
    _create(client, world)
    token = ApiToken.objects.get()
    for user, status in ((world.leader, 403), (world.employee, 403), (world.guardian, 404)):
        client = login_as(user)
        assert client.get("/municipality/api-tokens/").status_code == status
        assert client.post(f"/municipality/api-tokens/{token.uuid}/revoke/").status_code == status
    client = login_as(world.other_staff)  # the other municipality's administrator
    assert client.post(f"/municipality/api-tokens/{token.uuid}/revoke/").status_code == 404
    assert "Skulesystemet" not in client.get("/municipality/api-tokens/").content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
