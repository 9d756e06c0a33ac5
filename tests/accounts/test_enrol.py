from __future__ import annotations

import base64
import re

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from stafett.audit.models import AccessLogEntry
from tests.accounts.helpers import current_code, post_login
from tests.conftest import World


def _new_staff_member(world: World, client: Client) -> None:
    world.employee.totpdevice_set.all().delete()
    assert post_login(client, "employee")["Location"] == "/login/enrol/"


def test_enrolment_end_to_end(world: World, client: Client) -> None:
    _new_staff_member(world, client)
    assert client.get("/")["Location"] == "/login/code/"
    assert client.get("/login/code/")["Location"] == "/login/enrol/"

    page = client.get("/login/enrol/")
    assert page.status_code == 200
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=world.employee)
    assert not device.confirmed
    secret = base64.b32encode(device.bin_key).decode()
    shown = "".join(re.findall(r"<span>([A-Z2-7]{1,4})</span>", html))
    assert shown == secret
    assert 'src="data:image/svg+xml;base64,' in html
    assert "style=" not in html
    assert "<script>" not in html

    # Reloading the page keeps the same key (no new device per visit).
    client.get("/login/enrol/")
    assert TOTPDevice.objects.filter(user=world.employee).count() == 1

    response = client.post("/login/enrol/", {"code": current_code(device)}, follow=True)
    assert response.redirect_chain[0][0] == "/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert b"Your authenticator app is set up." in response.content
    assert AccessLogEntry.objects.filter(action="login.succeeded", actor=world.employee).exists()


def test_the_qr_code_carries_the_key_for_the_app(world: World, client: Client) -> None:
    _new_staff_member(world, client)
    html = client.get("/login/enrol/").content.decode()
    data = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert data is not None
    svg = base64.b64decode(data.group(1)).decode()
    assert svg.startswith("<svg") or svg.startswith("<?xml")
    assert "<path" in svg
    assert "style=" not in svg


def test_a_wrong_code_does_not_confirm_the_device(world: World, client: Client) -> None:
    _new_staff_member(world, client)
    client.get("/login/enrol/")
    device = TOTPDevice.objects.get(user=world.employee)
    wrong = "000000" if current_code(device) != "000000" else "111111"
    response = client.post("/login/enrol/", {"code": wrong})
    assert b"That code is not right" in response.content
    device.refresh_from_db()
    assert not device.confirmed
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_staff_with_a_confirmed_device_cannot_enrol_another(world: World, client: Client) -> None:
    assert post_login(client, "employee")["Location"] == "/login/code/"
    response = client.get("/login/enrol/")
    assert response["Location"] == "/login/code/"
    assert TOTPDevice.objects.filter(user=world.employee).count() == 1
