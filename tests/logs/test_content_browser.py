"""The log's content pages in a real headless Chromium, on a phone: no axe-core
violations (WCAG 2.1 AA), no inline script needed, and the timeline filter works with
htmx. Screenshots are saved for people to look at."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect, sync_playwright

from stafett.accounts.models import User
from stafett.logs.models import Entry
from stafett.logs.services import edit_entry
from tests import factories as f
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, SHOTS, assert_accessible
from tests.logs.conftest import LogWorld, as_actor
from tests.logs.test_content_pages import detail_url, fill_log

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = {"width": 390, "height": 844}


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


def page_as(browser: Browser, live_server: Any, user: User) -> Page:
    client = Client()
    f.login(client, user)
    context = browser.new_context(viewport=PHONE)
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            },
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url},
        ]
    )
    page = context.new_page()
    errors: list[str] = []
    # CSP refusals (an inline script or style would be one) show in the console.
    page.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.errors = errors  # type: ignore[attr-defined]
    return page


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"log-{name}.png"), full_page=True)
    if os.environ.get("STAFETT_SHOT_PARTS"):
        height = page.evaluate("document.documentElement.scrollHeight")
        for part, top in enumerate(range(0, height, PHONE["height"])):
            clip = {"x": 0, "y": top, "width": PHONE["width"], "height": PHONE["height"]}
            page.screenshot(path=str(SHOTS / f"log-{name}-{part}.png"), clip=clip, full_page=True)


@pytest.fixture
def filled_log(transactional_db: Any, active_log: LogWorld) -> tuple[LogWorld, dict[str, Entry]]:
    return active_log, fill_log(active_log)


def test_the_log_pages_are_accessible_on_a_phone(
    browser: Browser, live_server: Any, filled_log: tuple[LogWorld, dict[str, Entry]]
) -> None:
    lw, entries = filled_log
    w, log = lw.world, lw.log
    page = page_as(browser, live_server, w.employee)
    page.goto(live_server.url + detail_url(log))
    assert page.locator("h1").inner_text() == "Mia Mor"
    assert_accessible(page)
    shot(page, "detail-coordinator")

    # The filter swaps only the timeline (htmx), and the address follows.
    page.get_by_role("navigation", name="Show only one kind").get_by_role(
        "link", name="Measure", exact=True
    ).click()
    page.wait_for_url("**?kind=measure")
    assert page.locator("#timeline .entry").count() == 1
    assert page.locator("h1").count() == 1
    assert_accessible(page)

    page.goto(
        live_server.url + reverse("logs:entry_add", kwargs={"log": log.uuid, "kind": "measure"})
    )
    page.get_by_role("button", name="Save in the log").click()
    expect(page.locator("#id_title_error")).to_contain_text("Write what the measure is.")
    assert_accessible(page)
    shot(page, "measure-form-errors")

    page.goto(
        live_server.url + reverse("logs:entry_add", kwargs={"log": log.uuid, "kind": "meeting"})
    )
    assert_accessible(page)
    shot(page, "meeting-form")

    page.goto(live_server.url + reverse("logs:print", kwargs={"log": log.uuid}))
    assert_accessible(page)
    shot(page, "print")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    shot(page, "print-media")
    page.emulate_media(media="screen")
    assert not page.errors  # type: ignore[attr-defined]

    goal = entries["goal"]
    edit_entry(actor=as_actor(w.employee), entry=goal, base_version=1, title="Mia har ein venn")
    page.goto(
        live_server.url
        + reverse("logs:entry_versions", kwargs={"log": log.uuid, "entry": goal.uuid})
    )
    assert page.locator(".version").count() == 2
    assert_accessible(page)
    shot(page, "versions")

    leader = page_as(browser, live_server, w.leader)
    leader.goto(live_server.url + detail_url(log))
    assert_accessible(leader)
    shot(leader, "summary-leader")

    guardian = page_as(browser, live_server, w.guardian)
    guardian.goto(live_server.url + detail_url(log))
    assert_accessible(guardian)
    shot(guardian, "detail-guardian")
