"""The follow-up list (a unit leader, from the home page) and the retention page (the
administrator), in nynorsk on a phone, in a real Chromium, each checked with axe-core."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from stafett.demo.personas import PERSONAS
from stafett.organisation.models import Municipality
from stafett.retention.models import Tombstone
from tests.e2e.helpers import assert_accessible, check_page, log_in, t

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PERSONA = {persona.username: persona for persona in PERSONAS}


def test_the_leader_follows_up_and_the_administrator_sets_retention_in_nynorsk(
    demo_server: str, browser: Browser
) -> None:
    context = browser.new_context(locale="nn-NO", viewport={"width": 375, "height": 812})
    page = context.new_page()
    try:
        log_in(page, demo_server, PERSONA["leiar.barnehage"])
        page.get_by_role("link", name=t("nn", "What needs following up")).click()
        expect(page.locator("h1")).to_have_text(t("nn", "What needs following up"))
        expect(page.locator("table caption")).to_have_text(
            t("nn", "What needs following up, per unit")
        )
        expect(page.locator("tbody th[scope=row]").first).to_have_text("Fjordvik barnehage")
        check_page(page, "nn")
        assert_accessible(page)
        context.clear_cookies()

        # One tombstone, so that axe checks the table of what was deleted too.
        fjordvik = Municipality.objects.get(slug="fjordvik")
        Tombstone.objects.create(
            municipality=fjordvik,
            kind=Tombstone.Kind.LOG,
            original_uuid=uuid.uuid4(),
            original_id=1000,
            created_at=timezone.now() - datetime.timedelta(days=4000),
            closed_at=timezone.now() - datetime.timedelta(days=3700),
            rule=Tombstone.Rule.CLOSED_LOG,
            period_months=120,
        )
        log_in(page, demo_server, PERSONA["admin.fjordvik"])
        page.goto(f"{demo_server}/municipality/")
        page.get_by_role("link", name=t("nn", "Retention and deletion")).click()
        expect(page.locator("h1")).to_have_text(t("nn", "Retention and deletion"))
        expect(page.locator("tbody th[scope=row]")).to_have_text(t("nn", "Relay log"))
        check_page(page, "nn")
        assert_accessible(page)
        # Bad input: a clear message, nothing saved.
        page.fill("input[name=concern_months]", "0")
        page.locator("main form button[type=submit]").click()
        expect(page.locator("#id_concern_months_error")).to_be_visible()
        assert_accessible(page)
    finally:
        context.close()
