"""The administrator's "Archive and Fiks" page on a phone, in a real Chromium, in
nynorsk, checked with axe-core (WCAG 2.1 A/AA)."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from stafett.delivery.models import ArchiveDelivery, DeliveryStep, Transport
from stafett.demo.personas import PERSONAS
from stafett.organisation.models import Municipality
from tests.e2e.helpers import assert_accessible, log_in, t

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PERSONA = {persona.username: persona for persona in PERSONAS}


def test_the_administrator_sets_up_the_archive_and_reads_the_hand_overs(
    demo_server: str, browser: Browser
) -> None:
    persona = PERSONA["admin.fjordvik"]
    municipality = Municipality.objects.get(name=persona.municipality)
    delivery = ArchiveDelivery.objects.create(
        municipality=municipality,
        log_uuid=uuid.uuid4(),
        transport=Transport.FIKS_ARKIV,
        status=ArchiveDelivery.Status.FAILED,
        attempts=5,
        submission={},
        pdf_sha256="0" * 64,
        package_sha256="1" * 64,
        last_error="no answer from the archive",
    )
    DeliveryStep.objects.create(delivery=delivery, kind=DeliveryStep.Kind.SENT, at=timezone.now())
    context = browser.new_context(locale="nn-NO", viewport={"width": 375, "height": 812})
    try:
        page = context.new_page()
        log_in(page, demo_server, persona)
        page.goto(f"{demo_server}/delivery/archive/")
        language = page.locator("html").get_attribute("lang") or "nn"
        expect(page.locator("h1")).to_have_text(t(language, "Archive and Fiks"))
        expect(page.locator("main table")).to_contain_text("no answer from the archive")
        assert_accessible(page)
        page.check(f"input[name=archive_transport][value={Transport.FOLDER}]")
        page.fill("input[name=drop_folder]", "arkiv-fjordvik")
        page.locator("main form button[type=submit]").click()
        expect(page.locator("input[name=drop_folder]")).to_have_value("arkiv-fjordvik")
        assert_accessible(page)
        # A bad folder name: a clear message, linked to the field.
        page.fill("input[name=drop_folder]", "../etc")
        page.locator("main form button[type=submit]").click()
        expect(page.locator("#id_drop_folder_error")).to_be_visible()
        assert_accessible(page)
    finally:
        context.close()
