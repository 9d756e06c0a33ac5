"""Every demo persona logs in through the real log-in pages, reaches their home page in
their municipality's language, switches to bokmål and English, and every page passes
axe-core's WCAG 2.1 A/AA rules. One demo load, one subtest per persona."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from stafett.demo.personas import PERSONAS, Persona
from tests.e2e.helpers import (
    LANGUAGE_OF,
    SHOTS,
    assert_accessible,
    check_header_language,
    log_in,
    open_page,
    switch_language,
    translated,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def read_home_in_three_languages(page: Page, server: str, persona: Persona) -> None:
    log_in(page, server, persona)

    home_language = LANGUAGE_OF[persona.municipality]
    check_header_language(page, home_language)
    expect(page.locator("h1")).to_contain_text(persona.first_name)
    assert_accessible(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{persona.username}.png"), full_page=True)

    for language in [lang for lang in ("nb", "en", "nn") if lang != home_language]:
        switch_language(page, language)
        expect(page).to_have_url(f"{server}/")
        check_header_language(page, language)
        expect(page.locator("h1")).to_contain_text(persona.first_name)
        assert_accessible(page)


def test_every_persona_logs_in_and_reads_the_home_page_in_three_languages(
    demo_server: str, browser: Browser, subtests: Any
) -> None:
    # The header checks compare with the catalogues; make sure those really differ.
    assert translated("nb", "Home") != "Home"
    assert translated("nn", "Home") not in {"Home", translated("nb", "Home")}

    with subtests.test(msg="language form before log-in"), open_page(browser) as page:
        page.goto(f"{demo_server}/login/")
        switch_language(page, "en")
        expect(page).to_have_url(re.compile(r"/login/"))
        assert_accessible(page, once=True)

    for persona in PERSONAS:
        with subtests.test(msg=persona.username), open_page(browser) as page:
            read_home_in_three_languages(page, demo_server, persona)
