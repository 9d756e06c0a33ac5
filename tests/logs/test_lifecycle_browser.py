"""The consent pages in a real headless Chromium on a phone-size screen: axe-core finds
no WCAG 2.1 AA violations, and the family's buttons are big enough to tap."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from stafett.consent.models import Consent
from stafett.consent.services import request_consent, widen_scope
from stafett.logs.models import RelayLog
from tests import factories as f
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, SHOTS, assert_accessible
from tests.logs.conftest import LogWorld, as_actor

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def _page_as(browser: Browser, server: str, user: Any) -> Page:
    client = Client()
    f.login(client, user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    context.add_cookies(
        [
            {"name": cookie.key, "value": cookie.value, "url": server, "httpOnly": True},
            # English, the source language the asserts are written in.
            {"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": server},
        ]
    )
    return context.new_page()


@pytest.fixture
def renewal_waiting(transactional_db: Any, active_log: LogWorld) -> RelayLog:
    """A consent in force, a unit waiting for the family, and a renewal to answer."""
    w = active_log.world
    coordinator = as_actor(w.employee)
    health = f.make_unit(w.municipality, "Testvik helsestasjon")
    widen_scope(actor=coordinator, log=active_log.log, unit=health)
    request_consent(
        actor=coordinator,
        log=active_log.log,
        purpose="Fornya samtykket for eitt år til.",
        valid_from=timezone.localdate(),
        valid_to=timezone.localdate() + datetime.timedelta(days=365),
        units=[w.kindergarten, w.school],
        method=Consent.Method.DIGITAL,
    )
    return active_log.log


def test_the_familys_consent_page_works_on_a_phone(
    live_server: Any, browser: Browser, renewal_waiting: RelayLog, active_log: LogWorld
) -> None:
    server = str(live_server.url)
    page = _page_as(browser, server, active_log.world.guardian)
    page.goto(f"{server}/logs/{renewal_waiting.uuid}/consent/")
    assert page.get_by_role("button", name="Yes, I consent").is_visible()
    box = page.get_by_role("button", name="Yes, I consent").bounding_box()
    assert box is not None and box["height"] >= 48 and box["width"] >= 300
    assert page.get_by_role("link", name="Withdraw my consent").is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "consent-family-phone.png"), full_page=True)
    assert_accessible(page)
    page.get_by_role("link", name="Withdraw my consent").click()
    assert_accessible(page)


def test_the_coordinators_consent_pages_pass_axe(
    live_server: Any, browser: Browser, renewal_waiting: RelayLog, active_log: LogWorld
) -> None:
    server = str(live_server.url)
    page = _page_as(browser, server, active_log.world.employee)
    for path in ("consent/", "consent/new/", "participants/", "handover/", "move/", "close/"):
        page.goto(f"{server}/logs/{renewal_waiting.uuid}/{path}")
        assert_accessible(page)
    page.screenshot(path=str(SHOTS / "lifecycle-close-phone.png"), full_page=True)
    page.goto(f"{server}/logs/{renewal_waiting.uuid}/consent/new/")
    page.screenshot(path=str(SHOTS / "consent-request-phone.png"), full_page=True)
