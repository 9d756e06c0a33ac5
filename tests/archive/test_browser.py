"""The archive on the log page in a real headless Chromium, on a phone, in nynorsk: the
family's "take your log with you" card and its download, the page that says a download
limit is reached, and the coordinator's archive card with a failed build. axe-core finds
no WCAG 2.1 AA violations on any of them."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, expect, sync_playwright

from stafett.archive.models import ArchiveDocument
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, BrowserSession
from tests.logs.conftest import LogWorld

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE: Any = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def log_in_force(transactional_db: Any, filled_log: LogWorld) -> LogWorld:
    return filled_log


def test_the_family_takes_the_log_along_and_meets_the_limit_in_nynorsk(
    browser: Browser, live_server: Any, log_in_force: LogWorld, settings: Any, tmp_path: Path
) -> None:
    settings.STAFETT_FAMILY_EXPORTS_PER_HOUR = 1
    lw = log_in_force
    detail = reverse("logs:detail", kwargs={"log": lw.log.uuid})
    mother = BrowserSession(browser, live_server.url, "nn", PHONE, lw.world.guardian)
    mother.context.set_default_timeout(30000)
    try:
        mother.goto(detail, axe=True)
        card = mother.page.get_by_role("region", name=mother.t("Take your log with you"))
        expect(card).to_be_visible()
        with mother.page.expect_download() as waiting:
            card.get_by_role("link", name=mother.t("Download as data (JSON)")).click()
        saved = tmp_path / "logg.json"
        waiting.value.save_as(saved)
        data = json.loads(saved.read_text())
        assert data["subject"]["first_name"] == "Mia"
        assert data["audience"] == "family"
        response = mother.goto(reverse("archive:family_pdf", kwargs={"log": lw.log.uuid}), axe=True)
        assert response is not None and response.status == 429
        expect(mother.page.locator("h1")).to_have_text(mother.t("Too many downloads this hour"))
    finally:
        mother.close()


def test_the_coordinator_sees_a_failed_archive_document_in_nynorsk(
    browser: Browser, live_server: Any, log_in_force: LogWorld
) -> None:
    lw = log_in_force
    ArchiveDocument.objects.create(
        municipality=lw.world.municipality,
        log=lw.log,
        kind=ArchiveDocument.Kind.ON_DEMAND,
        language="nn",
        status=ArchiveDocument.Status.FAILED,
        attempts=1,
        last_error="OSError: No space left on device",
        next_attempt_at=timezone.now() + datetime.timedelta(minutes=2),
    )
    eva = BrowserSession(browser, live_server.url, "nn", PHONE, lw.world.employee)
    try:
        eva.goto(reverse("logs:detail", kwargs={"log": lw.log.uuid}), axe=True)
        card = eva.page.get_by_role("region", name=eva.t("Archive document"))
        expect(card.get_by_role("alert")).to_contain_text("1")
        expect(
            card.get_by_role("button", name=eva.t("Make an archive document now"))
        ).to_be_visible()
    finally:
        eva.close()
