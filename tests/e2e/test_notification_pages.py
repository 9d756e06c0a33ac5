"""The notification centre, the e-mail choices and the administrator's failed e-mails on
a phone, in a real Chromium, each checked with axe-core (WCAG 2.1 A/AA)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, Page, expect

from stafett.demo.personas import PERSONAS
from stafett.notifications.services import run_checks
from tests.e2e.helpers import assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PERSONA = {persona.username: persona for persona in PERSONAS}


@contextmanager
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="nb-NO", viewport={"width": 375, "height": 812})
    try:
        yield context.new_page()
    finally:
        context.close()


def test_notifications_on_a_phone(demo_server: str, browser: Browser) -> None:
    # The demo has measures past their evaluation date: the check tells Hanne.
    run_checks()
    with phone(browser) as page:
        log_in(page, demo_server, PERSONA["kontakt.ungdomsskule"])
        badge = page.locator(".site-nav a[href='/notifications/'] .badge")
        expect(badge).to_be_visible()
        page.locator(".site-nav a[href='/notifications/']").click()
        expect(page.locator("main .badge").first).to_be_visible()
        assert_accessible(page)
        page.reload()
        expect(page.locator("main .badge")).to_have_count(0)

        page.goto(f"{demo_server}/notifications/settings/")
        assert_accessible(page)
        page.check("input[name=mode-bright_spot][value=digest]")
        page.locator("main form button[type=submit]").click()
        expect(page.locator("input[name=mode-bright_spot][value=digest]")).to_be_checked()
        assert_accessible(page)

    with phone(browser) as page:
        log_in(page, demo_server, PERSONA["admin.fjordvik"])
        page.goto(f"{demo_server}/notifications/failed-emails/")
        expect(page.locator("h1")).to_be_visible()
        assert_accessible(page)
