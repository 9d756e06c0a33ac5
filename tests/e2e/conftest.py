"""Browser tests: Playwright's sync API driving Debian's Chromium against the live server.

Never run `playwright install`: the tests use the system's /usr/bin/chromium.
Each module loads the demo once and checks every persona in subtests, since a full
demo load (with its relay logs) costs seconds and the live server needs a flushed,
transactional database per test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

from stafett.demo.services import load_demo
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium per test module."""
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
    """The live server's address, with the demo loaded and demo log-ins switched on."""
    settings.STAFETT_DEMO = True
    load_demo()
    return str(live_server.url)
