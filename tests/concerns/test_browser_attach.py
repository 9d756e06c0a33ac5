"""Issue 11 through the real pages in headless Chromium: Siri (school) has a concern
about Mia, whose relay log Eva (kindergarten) coordinates. Siri is told whom to share it
with and shares it with Eva, who attaches it to the log with a preview of what the
family will read. Then the report to child welfare copies in a dated observation."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect, sync_playwright

from stafett.concerns import services
from stafett.concerns.models import Concern
from tests.concerns.conftest import as_actor, register
from tests.concerns.test_attach_to_log import make_active_log
from tests.conftest import World
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, assert_accessible
from tests.e2e.helpers import EnglishSession as Persona
from tests.e2e.test_relay_log_journey import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SIRI_SAW = "Mia søv i timane og har ikkje matpakke."


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


def test_a_concern_is_attached_to_the_childs_log_and_a_report_copies_observations(
    live_server: Any, browser: Browser, transactional_db: Any, world: World
) -> None:
    w = world
    server = str(live_server.url)
    log = make_active_log(w)
    concern = services.register_concern(
        actor=as_actor(w.school_employee),
        unit=w.school,
        kind=Concern.Kind.CHILD,
        label="",
        noticed="Mia kjem trøytt på skulen.",
        noticed_on=timezone.localdate() - datetime.timedelta(days=2),
        subject=w.child,
    )
    services.add_observation(actor=as_actor(w.school_employee), concern=concern, body=SIRI_SAW)
    siri = Persona(browser, server, w.school_employee, PHONE)
    eva = Persona(browser, server, w.employee, DESKTOP)

    # --- Siri decides: told who coordinates Mia's log, she shares it with Eva. ----------
    page = siri.page
    siri.goto(f"/concerns/{concern.uuid}/decide/")
    expect(page.get_by_role("region", name="This child already has a relay log")).to_contain_text(
        "Its coordinator, Eva Tilsett at Solsida barnehage"
    )
    assert_accessible(page)
    page.get_by_role("link", name="Share with the coordinator").click()
    page.get_by_label("Share with", exact=True).select_option(
        label="Eva Tilsett (coordinator of the child's relay log, Solsida barnehage)"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Share").click()
    siri.saved("The concern is shared.")

    # --- Eva attaches it, after a preview. ----------------------------------------------
    page = eva.page
    eva.goto(f"/concerns/{concern.uuid}/")
    page.get_by_role("link", name="Attach the concern to the relay log").click()
    page.get_by_label("Why the concern goes on in this relay log (optional)").fill(
        "Skulen og barnehagen samarbeider alt."
    )
    page.get_by_role("button", name="Show what the family will read").click()
    expect(page.get_by_role("region", name="This is what the family will read")).to_contain_text(
        SIRI_SAW
    )
    assert_accessible(page)
    page.get_by_role("button", name="Attach the concern").click()
    eva.saved("The concern is attached to the relay log.")
    assert page.url.endswith(f"/logs/{log.uuid}/")
    expect(page.locator("main")).to_contain_text(SIRI_SAW)

    # --- A report to child welfare copies in a dated observation. ------------------------
    other = register(w, label="", subject=w.child)
    services.add_observation(actor=as_actor(w.employee), concern=other, body="Blåmerke på armen.")
    services.take_violence_path(actor=as_actor(w.employee), concern=other)
    eva.goto(f"/concerns/{other.uuid}/report/edit/")
    observed = page.get_by_label("What you observed", exact=True)
    observed.fill("")
    page.get_by_label("Blåmerke på armen.", exact=False).check()
    page.get_by_role("button", name="Copy into the report").click()
    today = timezone.localdate().strftime("%d.%m.%Y")
    expect(page.get_by_label("What you observed", exact=True)).to_have_value(
        f"{today}: Blåmerke på armen."
    )
    assert_accessible(page)
    assert not siri.problems and not eva.problems, siri.problems + eva.problems
