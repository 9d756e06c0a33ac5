"""Issue 5, the third "Done when", in headless Chromium against the live server:
the administrator edits a guide step in nynorsk and publishes it; the teacher who
coordinates Noah's relay log sees the new text at that step; an anonymous visitor sees
it on the municipality's public page. Every page passes axe-core's WCAG 2.1 A/AA rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import translation
from playwright.sync_api import Browser, Page, expect, sync_playwright

from stafett.demo.personas import PERSONAS
from stafett.demo.services import demo_uuid, load_demo
from stafett.guides.models import LEVEL_LABELS, STEP_LABELS
from stafett.logs.models import RelayLog
from stafett.organisation.models import Municipality
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, assert_accessible, log_in, open_page

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PERSONA = {persona.username: persona for persona in PERSONAS}
NEW_TEXT = "Stafetthaldaren samlar alle rundt bordet og spør barnet først."


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


@pytest.fixture
def demo_server(live_server: Any, transactional_db: Any, settings: Any) -> str:
    settings.STAFETT_DEMO = True
    load_demo()
    return str(live_server.url)


def read_in_english(page: Page, server: str) -> None:
    page.context.add_cookies(
        [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": server}]
    )


def test_an_edited_and_published_guide_step_reaches_staff_and_the_public(
    demo_server: str, browser: Browser
) -> None:
    log = RelayLog.objects.get(uuid=demo_uuid("log", "hansen.noah"))
    fjordvik = Municipality.objects.get(name="Fjordvik kommune")
    with translation.override("en"):
        level_label = str(LEVEL_LABELS[log.level])
        step_label = str(STEP_LABELS[log.step])

    # The administrator edits the step in nynorsk, previews, and publishes.
    with open_page(browser) as page:
        log_in(page, demo_server, PERSONA["admin.fjordvik"])
        read_in_english(page, demo_server)
        page.goto(f"{demo_server}/municipality/guides/")
        assert_accessible(page)
        page.get_by_role("link", name="Handlingsrettleiar for barnehage og skule").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Handlingsrettleiar for barnehage og skule"
        )
        assert_accessible(page)
        page.get_by_role("link", name=f"Edit {level_label}: {step_label}").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(step_label)
        assert_accessible(page)
        nynorsk = page.locator("fieldset[lang=nn]")
        nynorsk.get_by_label("What to do").fill(NEW_TEXT)
        page.get_by_role("button", name="Save in the draft").click()
        expect(page.locator(".messages")).to_contain_text("Saved in the draft")
        page.get_by_role("link", name="Preview").click()
        expect(page.locator("main")).to_contain_text(NEW_TEXT)
        assert_accessible(page)
        page.get_by_role("button", name="Publish").click()
        expect(page.locator(".messages")).to_contain_text("Version 2 is published")
        assert_accessible(page)

    # The teacher who coordinates Noah's log sees the new text beside the log.
    with open_page(browser) as page:
        log_in(page, demo_server, PERSONA["larar.skule"])
        read_in_english(page, demo_server)
        page.goto(f"{demo_server}/logs/{log.uuid}/")
        section = page.get_by_role("region", name="The action guide at this step")
        expect(section).to_contain_text(NEW_TEXT)
        expect(section).to_contain_text(step_label)
        assert_accessible(page)

    # Anyone, without logging in, reads it on the municipality's public page.
    with open_page(browser) as page:
        read_in_english(page, demo_server)
        page.goto(f"{demo_server}/m/{fjordvik.uuid}/guides/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Fjordvik kommune")
        assert_accessible(page)
        page.get_by_role("link", name="Handlingsrettleiar for barnehage og skule").click()
        expect(page.locator("main")).to_contain_text(NEW_TEXT)
        expect(page.get_by_role("heading", name="How to ask for help")).to_be_visible()
        assert_accessible(page)
        # A phone-sized screen shows it too.
        page.set_viewport_size({"width": 390, "height": 844})
        expect(page.get_by_text(NEW_TEXT)).to_be_visible()
