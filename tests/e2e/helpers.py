"""Helpers for the browser tests: log in as a demo persona, switch language, run axe-core."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from django.utils import translation
from django.utils.translation import gettext
from django_otp.oath import totp
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, expect

from stafett.demo import content
from stafett.demo.personas import DEMO_PASSWORD, Persona, demo_totp_key

CHROMIUM = os.environ.get("STAFETT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# One screenshot per persona home page, for people to look at (not compared).
SHOTS = Path(os.environ.get("STAFETT_SHOTS_DIR", Path(tempfile.gettempdir()) / "stafett-shots"))
AXE = Axe()
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
LANGUAGE_OF = {m.name: m.language for m in content.MUNICIPALITIES}
# Pages that look the same for everyone (log-in, code) are checked once per language.
_checked: set[tuple[str, str]] = set()


def assert_accessible(page: Page, *, once: bool = False) -> None:
    lang = page.locator("html").get_attribute("lang") or ""
    key = (urlsplit(page.url).path, lang)
    if once and key in _checked:
        return
    results = AXE.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, (
        f"axe-core on {key[0]} (lang={lang}):\n{results.generate_report()}"
    )
    _checked.add(key)


def current_code(username: str) -> str:
    return f"{totp(bytes.fromhex(demo_totp_key(username))):06d}"


def translated(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def log_in(page: Page, server: str, persona: Persona) -> None:
    page.goto(f"{server}/login/")
    expect(page.locator("html")).to_have_attribute("lang", "nn")
    assert_accessible(page, once=True)
    page.fill("input[name=username]", persona.username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.press("input[name=password]", "Enter")
    if persona.staff:
        expect(page).to_have_url(f"{server}/login/code/")
        assert_accessible(page, once=True)
        page.fill("input[name=code]", current_code(persona.username))
        page.press("input[name=code]", "Enter")
    expect(page).to_have_url(f"{server}/")


def check_header_language(page: Page, language: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", language)
    header = page.locator("header")
    expect(
        header.get_by_role("link", name=translated(language, "Home"), exact=True)
    ).to_be_visible()
    expect(
        header.get_by_role("button", name=translated(language, "Log out"), exact=True)
    ).to_be_visible()


def switch_language(page: Page, language: str) -> None:
    form = page.locator("header form:has(select[name=language])")
    form.locator("select[name=language]").select_option(language)
    form.locator("[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


@contextmanager
def open_page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh browser context (no cookies).

    Fails on a Content-Security-Policy violation and on a page resource (stylesheet,
    script, image) the server could not deliver: axe-core's contrast checks mean
    nothing on a page without its stylesheet.
    """
    context = browser.new_context(locale="nb-NO", viewport={"width": 1024, "height": 800})
    page = context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            problems.append(f"CSP: {message.text}")

    def on_response(response: Response) -> None:
        path = urlsplit(response.url).path
        resource = response.request.resource_type != "document" and path != "/favicon.ico"
        if resource and response.status >= 400:
            problems.append(f"{response.request.method} {path} answered {response.status}")

    page.on("console", on_console)
    page.on("response", on_response)
    try:
        yield page
        assert problems == [], "\n".join(problems)
    finally:
        context.close()
