from __future__ import annotations

from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from stafett.accounts.models import User
from stafett.demo.personas import DEMO_PASSWORD, PERSONAS
from tests import factories as f
from tests.accounts.helpers import post_login
from tests.conftest import World


def _demo_user(world: World, *, staff: bool = True) -> User:
    persona = PERSONAS[0] if staff else PERSONAS[-5]
    user = f.make_user(
        world.municipality,
        username=persona.username,
        kind=User.Kind.STAFF if staff else User.Kind.CITIZEN,
        is_demo=True,
    )
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def test_demo_personas_are_refused_when_demo_mode_is_off(
    world: World, client: Client, settings: Any
) -> None:
    settings.STAFETT_DEMO = False
    user = _demo_user(world, staff=False)
    response = post_login(client, user.username, DEMO_PASSWORD)
    assert response.status_code == 200
    assert b"The username or password is not right" in response.content
    assert "_auth_user_id" not in client.session


def test_demo_personas_can_log_in_when_demo_mode_is_on(
    world: World, client: Client, settings: Any
) -> None:
    settings.STAFETT_DEMO = True
    user = _demo_user(world, staff=False)
    response = post_login(client, user.username, DEMO_PASSWORD)
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_login_page_lists_the_personas_only_in_demo_mode(
    client: Client, db: Any, settings: Any
) -> None:
    settings.STAFETT_DEMO = True
    page = client.get("/login/").content.decode()
    assert "Try the demo" in page
    assert DEMO_PASSWORD in page
    for persona in PERSONAS:
        assert persona.username in page
        assert persona.first_name in page
    assert "Nabovik kommune" in page
    assert "Staff get a one-time code on the next page" in page

    settings.STAFETT_DEMO = False
    page = client.get("/login/").content.decode()
    assert "Try the demo" not in page
    assert DEMO_PASSWORD not in page
    assert PERSONAS[0].username not in page


def test_demo_staff_see_the_current_code_and_can_use_it(
    world: World, client: Client, settings: Any
) -> None:
    settings.STAFETT_DEMO = True
    user = _demo_user(world)
    assert post_login(client, user.username, DEMO_PASSWORD)["Location"] == "/login/code/"
    page = client.get("/login/code/").content.decode()
    assert "Demo: the code now is" in page
    code = page.split('class="code-hint">')[1][:6]
    assert code.isdigit()

    response = client.post("/login/code/", {"code": code})
    assert response["Location"] == "/"
    assert DEVICE_ID_SESSION_KEY in client.session


def test_real_staff_never_see_a_code_hint_even_in_demo_mode(
    world: World, client: Client, settings: Any
) -> None:
    settings.STAFETT_DEMO = True
    post_login(client, "employee")
    page = client.get("/login/code/").content.decode()
    assert "Demo: the code now is" not in page
