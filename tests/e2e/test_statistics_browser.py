"""The statistics page on the demo municipality, in nynorsk, in a real Chromium: real
figures beside "færre enn 5" and "ikkje vist", charts with their tables, a bad choice
answered with a message, checked with axe-core (WCAG 2.1 A/AA) at phone and desktop
width. Screenshots land in the shots folder for people to look at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from stafett.demo.personas import PERSONAS
from tests.e2e.helpers import SHOTS, assert_accessible, check_page, log_in, t

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PERSONA = {persona.username: persona for persona in PERSONAS}
NN = "nn"


def _cells(page: object) -> list[str]:
    texts: list[str] = page.locator("table.stats-table td.num").all_inner_texts()  # type: ignore[attr-defined]
    return [text.strip() for text in texts]


@pytest.mark.parametrize(("width", "height", "name"), [(375, 812, "phone"), (1280, 900, "desktop")])
def test_the_administrator_reads_the_demo_municipalitys_statistics_in_nynorsk(
    demo_server: str, browser: Browser, width: int, height: int, name: str
) -> None:
    context = browser.new_context(locale="nn-NO", viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        log_in(page, demo_server, PERSONA["admin.fjordvik"])
        page.get_by_role("link", name=t(NN, "Statistics"), exact=True).click()
        expect(page.locator("h1")).to_have_text(t(NN, "Statistics"))
        expect(page.locator("main")).to_contain_text("barnevernslova")
        check_page(page, NN)
        assert_accessible(page)
        cells = _cells(page)
        assert t(NN, "under 5") in cells and t(NN, "hidden") in cells
        assert any(re.fullmatch(r"\d+", c) and int(c) >= 5 for c in cells), cells
        for chart in ("chart-levels", "chart-closures", "chart-concerns"):
            svg = page.locator(f"svg#{chart}")
            expect(svg).to_have_attribute("role", "img")
            expect(svg.locator("title")).not_to_be_empty()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"statistics-{name}.png"), full_page=True)

        # A period that ends before it starts: a message, and no figures.
        page.fill("input[name=start]", "2026-05")
        page.fill("input[name=end]", "2026-02")
        page.get_by_role("button", name=t(NN, "Show the figures")).click()
        expect(page.locator("main")).to_contain_text(t(NN, "The period must end after it starts."))
        expect(page.locator("table.stats-table")).to_have_count(0)
        check_page(page, NN)
        assert_accessible(page)
    finally:
        context.close()


def test_a_leader_sees_only_the_unit_they_lead(demo_server: str, browser: Browser) -> None:
    context = browser.new_context(locale="nn-NO", viewport={"width": 1024, "height": 800})
    page = context.new_page()
    try:
        log_in(page, demo_server, PERSONA["leiar.barnehage"])
        page.get_by_role("link", name=t(NN, "Statistics for your units")).click()
        expect(page.locator("h1")).to_have_text(t(NN, "Statistics"))
        rows = page.locator("table.stats-table tbody th[scope=row]")
        expect(page.locator("main")).to_contain_text("Fjordvik barnehage")
        expect(page.locator("main")).not_to_contain_text("Fjellheim skule")
        assert rows.count() > 0
        check_page(page, NN)
        assert_accessible(page)
    finally:
        context.close()
