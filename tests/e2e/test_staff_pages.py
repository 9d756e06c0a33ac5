"""The municipal administrator and a unit leader walk every page their menus and pages
link to (GET only), and each passes axe-core's WCAG 2.1 A/AA rules."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import Browser, Page

from stafett.demo.personas import PERSONAS
from tests.e2e.helpers import assert_accessible, check_page, log_in, open_page

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PERSONA = {persona.username: persona for persona in PERSONAS}
MAX_PAGES = 20
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def walk(page: Page, server: str, start: str, prefixes: tuple[str, ...]) -> list[str]:
    """Visit `start` and every same-site page it links to under `prefixes`, breadth first,
    one page per kind (paths that differ only in their UUIDs are the same kind), each
    checked in its language (check_page) and by axe-core.

    Links to pages that remove something are left alone (they only confirm, but a
    walk has no business near them)."""
    seen: list[str] = []
    kinds: set[str] = set()
    queue = [start]
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        kind = UUID.sub("<uuid>", path)
        if kind in kinds:
            continue
        kinds.add(kind)
        response = page.goto(urljoin(server, path))
        assert response is not None and response.ok, (
            f"GET {path} answered {response and response.status}"
        )
        check_page(page, page.locator("html").get_attribute("lang") or "")
        assert_accessible(page)
        seen.append(path)
        for href in page.locator("main a[href]").evaluate_all("links => links.map(a => a.href)"):
            parts = urlsplit(href)
            if parts.netloc != urlsplit(server).netloc or parts.query:
                continue
            if parts.path.startswith(prefixes) and "/remove/" not in parts.path:
                queue.append(parts.path)
    return seen


def test_the_administrator_and_a_unit_leader_walk_their_pages(
    demo_server: str, browser: Browser, subtests: Any
) -> None:
    with subtests.test(msg="admin.fjordvik"), open_page(browser) as page:
        log_in(page, demo_server, PERSONA["admin.fjordvik"])
        seen = walk(page, demo_server, "/municipality/", ("/municipality/", "/units/"))
        assert len(seen) > 3, seen

    with subtests.test(msg="leiar.skule"), open_page(browser) as page:
        log_in(page, demo_server, PERSONA["leiar.skule"])
        seen = walk(page, demo_server, "/", ("/units/",))
        assert any(path.startswith("/units/") for path in seen), seen
