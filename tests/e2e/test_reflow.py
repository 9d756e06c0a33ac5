"""At 200 % text on a 390 px phone nothing leaves the screen (WCAG 1.4.4 and 1.4.10), and
the focus ring contrasts with the page and with the dark header (WCAG 1.4.11).

Issue 11, item 23: the header pushed "Byt språk" and "Logg ut" off screen on every page,
and the focus ring (#ffbf47 on white) was about 1.6:1.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from stafett.demo.personas import PERSONAS
from stafett.logs.models import RelayLog
from tests.e2e.helpers import SHOTS, assert_accessible, log_in, open_page, translated

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

WIDTH = 390


def _persona(username: str) -> Any:
    return next(p for p in PERSONAS if p.username == username)


def _at_double_text_size(page: Page, url: str) -> None:
    page.goto(url)
    # Like the browser's text size setting: the root font size doubles (an inline style
    # through the CSSOM is allowed by the page's Content-Security-Policy).
    page.evaluate("document.documentElement.style.fontSize = '200%'")


def _assert_fits(page: Page, name: str) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"reflow-200-{name}.png"))
    assert overflow <= WIDTH, f"{name}: the page is {overflow}px wide at 200 % text"
    for label in ("Log out", "Change language"):
        button = page.locator("header").get_by_role(
            "button", name=translated("nn", label), exact=True
        )
        box = button.bounding_box()
        assert box is not None, f"{name}: {label} is not shown"
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, (
            f"{name}: {label} is off screen at 200 % text ({box})"
        )


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _colours(css: str) -> list[tuple[int, int, int]]:
    return [(int(r), int(g), int(b)) for r, g, b in re.findall(r"rgba?\((\d+), (\d+), (\d+)", css)]


def _ring_contrast(page: Page, selector: str, background: tuple[int, int, int]) -> float:
    """The best contrast of the focus ring's colours (outline and box-shadow) against the
    background next to the element."""
    element = page.locator(selector).first
    element.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # keyboard focus, so that :focus-visible applies
    style = element.evaluate(
        "e => { const s = getComputedStyle(e); "
        "return s.outlineStyle + ' ' + s.outlineColor + ' | ' + s.boxShadow; }"
    )
    assert "none" not in style.split("|")[0], f"no outline on {selector}: {style}"
    return max(_contrast(colour, background) for colour in _colours(style))


def test_family_and_coordinator_pages_reflow_at_double_text_size(
    demo_server: str, browser: Browser
) -> None:
    emma = RelayLog.objects.filter(subject__first_name="Emma", closed_at__isnull=True).first()
    assert emma is not None
    family_pages = {
        "family-home": "/",
        "family-log": f"/logs/{emma.uuid}/",
        "family-consent": f"/logs/{emma.uuid}/consent/",
    }
    with open_page(browser) as page:
        page.set_viewport_size({"width": WIDTH, "height": 844})
        log_in(page, demo_server, _persona("foresatt.hansen"))
        for name, path in family_pages.items():
            _at_double_text_size(page, demo_server + path)
            _assert_fits(page, name)
        assert_accessible(page)
    coordinator = emma.coordinator
    assert coordinator is not None
    with open_page(browser) as page:
        page.set_viewport_size({"width": WIDTH, "height": 844})
        log_in(page, demo_server, _persona(coordinator.username))
        for name, path in {"staff-home": "/", "staff-log": f"/logs/{emma.uuid}/"}.items():
            _at_double_text_size(page, demo_server + path)
            _assert_fits(page, name)


def test_the_focus_ring_contrasts_with_the_page_and_the_header(
    demo_server: str, browser: Browser
) -> None:
    white, header = (255, 255, 255), (8, 63, 74)  # --paper, --brand-dark
    with open_page(browser) as page:
        page.goto(f"{demo_server}/login/")
        assert _ring_contrast(page, "main input[name=username]", white) >= 3
        assert _ring_contrast(page, "header select[name=language]", header) >= 3
