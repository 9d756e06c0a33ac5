from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import translation

from stafett.accounts.models import User
from stafett.accounts.services import InvitationError, deactivate_user, invite_user
from stafett.audit.models import AccessLogEntry
from tests import factories as f
from tests.conftest import World

NEW_PASSWORD = "blue fjord kettle morning"


def _invite_new_employee(world: World) -> User:
    user = f.make_user(world.municipality, username="ny.tilsett", first_name="Nora")
    user.set_unusable_password()
    user.save()
    invite_user(user=user, invited_by=world.admin)
    return user


def _link_path(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/login/set-password/[^\s]+/)", body)
    assert match, body
    return match.group(1)


def test_invitation_email_has_a_set_password_link_and_no_child_data(world: World) -> None:
    user = _invite_new_employee(world)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.from_email == "Stafett <stafett@localhost>"
    assert "http://127.0.0.1:8000/login/set-password/" in message.body
    assert "ny.tilsett" in message.body
    for child_word in (world.child.first_name, world.child.last_name, "Mor", "Ung"):
        assert child_word not in message.body
        assert child_word not in message.subject


def test_invitation_is_written_in_the_language_of_the_users_municipality(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stafett.accounts import services

    languages: list[str | None] = []
    real_render = services.render_to_string

    def spy(*args: Any, **kwargs: Any) -> str:
        languages.append(translation.get_language())
        return real_render(*args, **kwargs)

    monkeypatch.setattr(services, "render_to_string", spy)
    _invite_new_employee(world)  # Testvik writes nynorsk
    other = f.make_user(world.other_municipality, username="nabo.ny")
    invite_user(user=other, invited_by=world.other_staff)  # Nabovik writes bokmål

    assert languages == ["nn", "nn", "nb", "nb"]
    assert len(mail.outbox) == 2


def test_invitation_link_is_built_from_the_base_url(world: World, settings: Any) -> None:
    settings.STAFETT_BASE_URL = "https://stafett.fjordvik.kommune.no/"
    _invite_new_employee(world)
    assert "https://stafett.fjordvik.kommune.no/login/set-password/" in mail.outbox[0].body


def test_invitation_link_sets_the_password_once_and_then_is_invalid(
    world: World, client: Client
) -> None:
    user = _invite_new_employee(world)
    path = _link_path(mail.outbox[0].body)

    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert b"Choose your password" in response.content
    form_url = response.redirect_chain[-1][0]
    assert "/new/" in form_url  # the token left the address bar

    response = client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/login/"
    assert b"Your password is saved" in response.content
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    again = f.english_client().get(path, follow=True)
    assert b"This link no longer works" in again.content
    assert AccessLogEntry.objects.filter(action="account.password_set", actor=user).exists()


def test_password_validators_apply_when_setting_the_password(world: World, client: Client) -> None:
    user = _invite_new_employee(world)
    response = client.get(_link_path(mail.outbox[0].body), follow=True)
    form_url = response.redirect_chain[-1][0]

    response = client.post(form_url, {"new_password1": "12345", "new_password2": "12345"})
    assert response.status_code == 200
    assert b"too short" in response.content
    assert b'aria-invalid="true"' in response.content
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_a_deactivated_user_cannot_use_the_invitation_link(world: World, client: Client) -> None:
    user = _invite_new_employee(world)
    deactivate_user(user=user, by=world.admin)
    response = client.get(_link_path(mail.outbox[0].body), follow=True)
    assert b"This link no longer works" in response.content


def test_a_user_without_email_or_deactivated_cannot_be_invited(world: World) -> None:
    user = f.make_user(world.municipality, username="utan.epost")
    user.email = ""
    user.save()
    with pytest.raises(InvitationError):
        invite_user(user=user, invited_by=world.admin)
    assert mail.outbox == []


def test_staff_cannot_invite_or_deactivate_users_of_another_municipality(world: World) -> None:
    with pytest.raises(PermissionDenied):
        invite_user(user=world.employee, invited_by=world.other_staff)
    with pytest.raises(PermissionDenied):
        deactivate_user(user=world.employee, by=world.other_staff)
    world.employee.refresh_from_db()
    assert world.employee.is_active
    assert mail.outbox == []


def test_invitation_and_deactivation_are_written_to_the_access_log(world: World) -> None:
    user = _invite_new_employee(world)
    deactivate_user(user=user, by=world.admin)
    actions = list(
        AccessLogEntry.objects.filter(object_uuid=user.uuid).values_list("action", "actor_id")
    )
    assert ("account.invited", world.admin.id) in actions
    assert ("account.deactivated", world.admin.id) in actions


def test_a_failed_email_is_an_invitation_error_and_leaves_no_trace(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stafett.accounts import services

    def broken_send_mail(*args: Any, **kwargs: Any) -> int:
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr(services, "send_mail", broken_send_mail)
    with pytest.raises(InvitationError):
        invite_user(user=world.employee, invited_by=world.admin)
    assert not AccessLogEntry.objects.filter(action="account.invited").exists()
