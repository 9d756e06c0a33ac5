"""Helpers for the browser tests: log in as a demo persona, switch language, run axe-core,
find elements by their label in the page's language (`t`), and check every page a test
visits for what goes wrong in nynorsk and bokmål (`check_page`, `BrowserSession`)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext, pgettext
from django_otp.oath import totp
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Frame,
    Page,
    Response,
    ViewportSize,
    expect,
)

from stafett.demo import content
from stafett.demo.personas import DEMO_PASSWORD, Persona, demo_totp_key
from tests.markup_checks import page_problems

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


def t(language: str, message: str, *, context: str | None = None, **values: Any) -> str:
    """`message` (an English msgid) as the page shows it in `language`, from Django's own
    catalogue, with its %(placeholders)s filled in: tests find elements by the label the
    user reads, and follow the catalogue when a translation changes."""
    with translation.override(language):
        text = pgettext(context, message) if context else gettext(message)
    return text % values if values else text


def t_start(language: str, message: str) -> str:
    """The fixed words of a translated message before its first placeholder, to find a
    sentence whose filled-in part (a date) the test does not spell out."""
    return t(language, message).split("%(", 1)[0].strip()


def check_page(page: Page, language: str) -> None:
    """What goes wrong in nynorsk and bokmål, checked on the page the browser shows: the
    page is in `language`; no number in markup (SVG coordinates) has a decimal comma; and
    on a Norwegian page no interface string is left in English and no word is from the
    other written standard (tests/markup_checks.page_problems)."""
    page.wait_for_load_state()
    problems = page_problems(page.content(), language)
    assert problems == [], f"{urlsplit(page.url).path} ({language}):\n" + "\n".join(problems)


def log_in(page: Page, server: str, persona: Persona) -> None:
    page.goto(f"{server}/login/")
    expect(page.locator("html")).to_have_attribute("lang", "nn")
    check_page(page, "nn")
    assert_accessible(page, once=True)
    page.fill("input[name=username]", persona.username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.press("input[name=password]", "Enter")
    if persona.staff:
        expect(page).to_have_url(f"{server}/login/code/")
        # After the password the pages follow the person's municipality's language.
        check_page(page, LANGUAGE_OF[persona.municipality])
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


class BrowserSession:
    """One person's own browser context, reading the pages in `language` (a language
    cookie), logged in through a Django session cookie when `user` is given (staff have
    passed the one-time code).

    Collects CSP violations, script errors and page resources the server could not
    deliver, and keeps count of the pages the browser navigates to: `check()` runs
    `check_page` (and axe-core if asked) on the page shown, and `close()` fails if the
    test went past a page without checking it, so every page a journey visits is checked.
    """

    def __init__(
        self,
        browser: Browser,
        server: str,
        language: str,
        viewport: ViewportSize,
        user: Any = None,
        **options: Any,
    ) -> None:
        self.server = server
        self.language = language
        self.context = browser.new_context(viewport=viewport, locale="nb-NO", **options)
        cookies: list[Any] = [
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": server}
        ]
        if user is not None:
            from tests import factories as f

            session = f.login(Client(), user).cookies[settings.SESSION_COOKIE_NAME]
            cookies.append(
                {"name": session.key, "value": session.value, "url": server, "httpOnly": True}
            )
        self.context.add_cookies(cookies)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.unchecked: list[str] = []
        # Every page navigated to must be checked (False for the tests that check only
        # the pages they name: `EnglishSession`).
        self.strict = True
        self.shown = ""
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.problems.append(f"script: {error}"))
        self.page.on("response", self._on_response)
        self.page.on("framenavigated", self._on_navigated)

    def _on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.problems.append(f"CSP: {message.text}")

    def _on_response(self, response: Response) -> None:
        path = urlsplit(response.url).path
        resource = response.request.resource_type != "document" and path != "/favicon.ico"
        if resource and response.status >= 400:
            self.problems.append(f"{response.request.method} {path} answered {response.status}")

    def _on_navigated(self, frame: Frame) -> None:
        if frame != self.page.main_frame:
            return
        url = frame.url.split("#", 1)[0]
        # A jump within the page (#timeline) is the same page (as is a form shown again
        # at its own address, which the test checks after it).
        if url != self.shown:
            self.unchecked.append(urlsplit(url).path)
        self.shown = url

    def t(self, message: str, **values: Any) -> str:
        return t(self.language, message, **values)

    def check(self, *, axe: bool = False) -> None:
        """The page checks on the page shown now (after the test has waited for it, with
        an `expect`), and axe-core if `axe`."""
        passed = self.unchecked[:-1]
        assert not self.strict or passed == [], f"pages visited without check_page: {passed}"
        check_page(self.page, self.language)
        if axe:
            assert_accessible(self.page)
        self.unchecked.clear()

    def goto(self, path: str, *, axe: bool = False) -> Response | None:
        """Go to `path` and check the page, a refusal (403, 404) too: it is a page the
        person reads."""
        response = self.page.goto(self.server + path)
        self.check(axe=axe)
        return response

    def saved(self, message: str, *, axe: bool = False) -> None:
        """The page after a form: the success message, no form error, and the checks."""
        expect(self.page.locator(".messages")).to_contain_text(message)
        expect(self.page.locator(".errorlist, .form-errors")).to_have_count(0)
        self.check(axe=axe)

    def close(self) -> None:
        assert not self.strict or self.unchecked == [], (
            f"pages visited without check_page: {self.unchecked}"
        )
        assert self.problems == [], "\n".join(self.problems)
        self.context.close()


class EnglishSession(BrowserSession):
    """A logged-in person reading in English, for the browser tests that walk their
    journey in English only (the concerns' tests): pages reached through `goto` and
    `saved` are checked, pages reached by a click only where the test says so."""

    def __init__(self, browser: Browser, server: str, user: Any, viewport: ViewportSize):
        super().__init__(browser, server, "en", viewport, user=user)
        self.strict = False
