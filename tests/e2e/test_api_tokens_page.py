"""The administrator's page for integration tokens on a phone, in nynorsk, in a real
Chromium, checked with axe-core (WCAG 2.1 A/AA): create a token, see it once, revoke it.
The API's docs page loads its Swagger UI from Stafett's own static files."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from stafett.api.models import ApiToken
from stafett.demo.personas import PERSONAS
from tests.e2e.helpers import assert_accessible, check_page, log_in, t

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PERSONA = {persona.username: persona for persona in PERSONAS}


def test_the_administrator_creates_and_revokes_a_token(demo_server: str, browser: Browser) -> None:
    context = browser.new_context(locale="nn-NO", viewport={"width": 375, "height": 812})
    try:
        page = context.new_page()
        log_in(page, demo_server, PERSONA["admin.fjordvik"])
        page.goto(f"{demo_server}/municipality/api-tokens/")
        expect(page.locator("h1")).to_have_text(t("nn", "Integration tokens"))
        check_page(page, "nn")
        assert_accessible(page)
        page.fill("input[name=name]", "Skulesystemet")
        page.check("input[name=scope][value=read]")
        page.locator("input[name=units]").first.check()
        page.locator("main form button[type=submit]").last.click()
        secret = page.locator("code.token-secret")
        expect(secret).to_be_visible()
        assert secret.inner_text().startswith("stafett_")
        assert_accessible(page)
        page.locator("main .list__actions button").first.click()
        expect(page.locator("main")).to_contain_text(
            t("nn", "The token %(name)s is revoked.", name="Skulesystemet")
        )
        assert ApiToken.objects.get(name="Skulesystemet").revoked_at is not None
        assert_accessible(page)

        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(f"{demo_server}/api/v1/docs")
        expect(page.locator(".swagger-ui")).to_be_visible()
        assert all(url.startswith(demo_server) for url in requests), requests
    finally:
        context.close()
