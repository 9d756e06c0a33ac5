"""Small helpers for the log-in tests."""

from __future__ import annotations

from django.http import HttpResponse
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from stafett.accounts.models import User
from tests import factories as f


def post_login(
    client: Client, username: str, password: str = f.PASSWORD, **extra: str
) -> HttpResponse:
    response: HttpResponse = client.post(
        "/login/", {"username": username, "password": password, **extra}
    )
    return response


def current_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + steps_ahead * device.step
    return str(totp.token()).zfill(device.digits)


def device_of(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    assert device is not None
    return device
