"""The log-in pages in a real headless Chromium on a phone-sized screen: they work
under the CSP (no violations), and pass axe-core's WCAG 2.1 A/AA rules."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect, sync_playwright

from stafett.accounts.services import invite_user
from tests import factories as f
from tests.accounts.helpers import current_code, device_of
from tests.e2e.helpers import CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHROMIUM = os.environ.get("STAFETT_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("STAFETT_SHOTS_DIR", Path(tempfile.gettempdir()) / "stafett-shots"))
AXE = Axe()
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def phone(browser: Browser, live_server: Any) -> Iterator[Page]:
    context = browser.new_context(
        locale="nb-NO", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    # English, the source language the asserts are written in.
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    page = context.new_page()
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            csp_errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    try:
        yield page
        assert csp_errors == [], csp_errors
    finally:
        context.close()


def check(page: Page, name: str) -> None:
    results = AXE.run(page, options=AXE_OPTIONS)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"accounts-{name}.png"), full_page=True)
    assert results.violations_count == 0, f"axe-core on {name}:\n{results.generate_report()}"


def test_a_new_staff_member_is_invited_sets_a_password_and_enrols_on_a_phone(
    live_server: Any, transactional_db: Any, phone: Page, settings: Any
) -> None:
    settings.STAFETT_BASE_URL = live_server.url
    settings.STAFETT_DEMO = True
    municipality = f.make_municipality("Testvik kommune")
    admin = f.make_user(municipality, username="admin", is_municipal_admin=True)
    user = f.make_user(municipality, username="ny.tilsett", first_name="Nora")
    user.set_unusable_password()
    user.save()
    user.totpdevice_set.all().delete()
    invite_user(user=user, invited_by=admin)
    link = re.search(r"http\S+/login/set-password/\S+/", mail.outbox[0].body)
    assert link is not None

    phone.goto(link.group(0))
    expect(phone.locator("h1")).to_have_text("Choose your password")
    phone.fill("#id_new_password1", "short")
    phone.fill("#id_new_password2", "short")
    phone.get_by_role("button", name="Save password").click()
    expect(phone.locator("#id_new_password2")).to_have_attribute("aria-invalid", "true")
    check(phone, "set-password-error")
    phone.fill("#id_new_password1", "blue fjord kettle morning")
    phone.fill("#id_new_password2", "blue fjord kettle morning")
    phone.get_by_role("button", name="Save password").click()

    expect(phone).to_have_url(f"{live_server.url}/login/")
    check(phone, "login-demo")
    phone.fill("#id_username", "ny.tilsett")
    phone.fill("#id_password", "blue fjord kettle morning")
    phone.press("#id_password", "Enter")

    expect(phone).to_have_url(f"{live_server.url}/login/enrol/")
    expect(phone.locator(".qr__image")).to_be_visible()
    phone.fill("#id_code", "12")
    phone.click("text=Confirm and continue")
    expect(phone.locator("#id_code_error")).to_be_visible()
    check(phone, "enrol")
    new_device = TOTPDevice.objects.get(user=user)
    phone.fill("#id_code", current_code(new_device))
    phone.click("text=Confirm and continue")
    expect(phone).to_have_url(f"{live_server.url}/")
    assert device_of(user).confirmed


def test_wrong_code_lock_out_and_csrf_pages_are_clear_and_accessible(
    live_server: Any, transactional_db: Any, phone: Page, settings: Any
) -> None:
    municipality = f.make_municipality("Testvik kommune")
    f.make_user(municipality, username="employee")
    url = live_server.url

    phone.goto(f"{url}/login/")
    phone.fill("#id_username", "employee")
    phone.fill("#id_password", "wrong")
    phone.press("#id_password", "Enter")
    expect(phone.locator("#login-error")).to_be_visible()
    check(phone, "login-failed")

    phone.fill("#id_password", f.PASSWORD)
    phone.press("#id_password", "Enter")
    expect(phone).to_have_url(f"{url}/login/code/")
    phone.fill("#id_code", "000000")
    phone.press("#id_code", "Enter")
    expect(phone.locator("#id_code_error")).to_be_visible()
    check(phone, "code-error")
    phone.click("text=Cancel and log out")
    expect(phone).to_have_url(f"{url}/login/")

    for _ in range(settings.AXES_FAILURE_LIMIT):
        phone.fill("#id_username", "nobody")
        phone.fill("#id_password", "wrong")
        phone.press("#id_password", "Enter")
    expect(phone.locator("h1")).to_have_text("Log-in is paused for a while")
    check(phone, "locked-out")

    phone.goto(f"{url}/login/")
    phone.context.clear_cookies(name=settings.CSRF_COOKIE_NAME)
    phone.fill("#id_username", "employee")
    phone.fill("#id_password", f.PASSWORD)
    phone.press("#id_password", "Enter")
    expect(phone.locator("h1")).to_have_text("The form could not be sent")
    check(phone, "csrf")
