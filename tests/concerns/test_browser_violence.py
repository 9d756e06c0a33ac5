"""Issue 5, items 2 and 3 ("Done when"): through the real pages in headless Chromium.

Eva (kindergarten) has a concern about Mia. She suspects violence: from the concern she
takes the violence/abuse path, sees the municipality's contacts and the rule that the
guardians are not informed first, writes the report to child welfare, downloads it as a
PDF and marks it as sent. Lars, her leader, was told inside Stafett and reads it. Gro,
Mia's mother, on her phone, finds nothing of it anywhere she can go, and her home page
is as it was.
"""

from __future__ import annotations

import contextlib
import datetime
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect, sync_playwright

from stafett.concerns import services
from stafett.concerns.models import ChildWelfareReport
from stafett.consent.models import Consent
from stafett.consent.services import give_consent, request_consent
from stafett.logs.models import RelayLog
from stafett.logs.services import start_log
from stafett.organisation.models import EmergencyContact
from tests.concerns.conftest import as_actor, register
from tests.conftest import World
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, SHOTS, assert_accessible
from tests.e2e.helpers import EnglishSession as Persona
from tests.e2e.test_relay_log_journey import DESKTOP, PHONE
from tests.guides.builders import make_guide, make_tool

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

OBSERVED = "24.11.: Mia hadde blåmerke på begge overarmane. Ho sa: «Pappa tok hardt.»"
WHY = "Vald er mistenkt. Å fortelje det til foreldra først kan skade Mia."
CONTACTS = [
    ("Barnevernet i Testvik", "55 00 00 00", "Dagtid, 08–15"),
    ("Barnevernvakta", "55 11 11 11", "Kveld, natt og helg"),
    ("Politiet", "02800", "Drøfte ei sak, melde"),
    ("Naudnummer politi", "112", "Når barnet er i fare no"),
    ("Legevakt", "116 117", "Skadar som må sjåast på"),
]


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


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"violence-{name}.png"), full_page=True)


def main_text(page: Page) -> str:
    """What the page says (the CSRF token and the like are not text)."""
    return re.sub(r"\s+", " ", page.locator("main").inner_text()).strip()


def guardian_urls() -> list[str]:
    """The guardian's own pages: home, asking for help, the notifications."""
    urls = ["/", reverse("concerns:ask_for_help")]
    for name in ("notifications:centre", "notifications:preferences"):
        with contextlib.suppress(NoReverseMatch):  # when the notifications exist
            urls.append(reverse(name))
    return urls


def family_log_urls(log: RelayLog) -> list[str]:
    """The pages of Mia's relay log that the family reads (they change as Gro reads them:
    "who has read" lists her own visits)."""
    urls = [reverse("logs:detail", kwargs={"log": log.uuid})]
    with contextlib.suppress(NoReverseMatch):
        urls.append(reverse("logs:access_list", kwargs={"log": log.uuid}))
    return urls


def consented_log(w: World) -> RelayLog:
    """Mia already has a relay log at level 1, with Gro's consent."""
    eva = as_actor(w.employee)
    log = start_log(actor=eva, subject=w.child, unit=w.kindergarten, level=1)
    consent = request_consent(
        actor=eva,
        log=log,
        purpose="Språk og leik i barnehagen.",
        valid_from=timezone.localdate(),
        valid_to=timezone.localdate() + datetime.timedelta(days=180),
        units=[w.kindergarten],
        method=Consent.Method.DIGITAL,
    )
    give_consent(actor=as_actor(w.guardian), consent=consent)
    return log


def test_the_violence_path_from_a_concern_to_a_sent_report(
    live_server: Any, browser: Browser, transactional_db: Any, world: World
) -> None:
    w = world
    server = str(live_server.url)
    for position, (name, phone, text) in enumerate(CONTACTS):
        EmergencyContact.objects.create(
            municipality=w.municipality,
            name=name,
            phone=phone,
            descriptions={"nn": text},
            position=position,
        )
    concern = register(w, label="M. i Blå", noticed="Mia gret då ho vart henta.")
    services.name_subject(actor=as_actor(w.employee), concern=concern, subject=w.child)

    eva = Persona(browser, server, w.employee, DESKTOP)
    lars = Persona(browser, server, w.leader, DESKTOP)
    gro = Persona(browser, server, w.guardian, PHONE)

    log = consented_log(w)
    observation = make_tool(w, title="Observasjonsskjema")
    make_tool(w, title="Kartleggingsskjema")
    make_guide(w, level=0, step="assess", what="Skriv ned kva du såg.", tools=[observation])

    # --- What Gro sees before (a first round marks what is new as seen). -------------------
    before = {}
    for _round in range(2):
        for path in [*guardian_urls(), *family_log_urls(log)]:
            response = gro.goto(path)
            assert response is not None and response.status == 200, path
            before[path] = main_text(gro.page)
    gro.goto("/")
    shot(gro.page, "guardian-home-before")

    # --- Eva takes the violence/abuse path from the concern. ------------------------------
    page = eva.page
    eva.goto(f"/concerns/{concern.uuid}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Concern: Mia Mor")
    # The guide's tool at this step, and the municipality's other tools beside it.
    expect(page.get_by_role("region", name="The action guide at this step")).to_contain_text(
        "Observasjonsskjema"
    )
    expect(page.get_by_role("region", name="Other tools")).to_contain_text("Kartleggingsskjema")
    assert_accessible(page)
    shot(page, "concern-before")
    page.get_by_role("link", name="I suspect violence or sexual abuse").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("I suspect violence or sexual abuse")
    rule = page.get_by_role("region", name="Guardians are not informed first")
    expect(rule).to_contain_text("do not talk with the guardians about it first")
    contacts = page.get_by_role("region", name="Who to contact")
    for name, phone, _text in CONTACTS:
        expect(contacts).to_contain_text(name)
        expect(contacts.get_by_role("link", name=phone, exact=True)).to_be_visible()
    assert_accessible(page)
    shot(page, "path")
    page.get_by_role("button", name="Take the violence/abuse path").click()
    eva.saved("The violence/abuse path is recorded.")

    # --- ... writes the report (what Stafett knows is filled in already). ----------------
    expect(page.get_by_role("heading", level=1)).to_have_text("Write the report to child welfare")
    expect(page.locator("main")).to_contain_text("Stafett does not send the report")
    expect(page.get_by_label("The child's full name", exact=True)).to_have_value("Mia Mor")
    expect(page.get_by_label("Guardians (if known)", exact=True)).to_have_value(
        re.compile(r"^Gro Mor \(.*, parental responsibility\)")
    )
    page.get_by_label("Your phone", exact=True).fill("900 00 000")
    page.get_by_label("The child's address (if known)", exact=True).fill("Fjordvegen 1")
    page.get_by_label("What you observed", exact=True).fill(OBSERVED)
    page.get_by_label("What has been done", exact=True).fill("Snakka med leiaren.")
    page.get_by_label("No", exact=True).check()
    page.get_by_label("If not: why not", exact=True).fill(WHY)
    page.get_by_label("Acute: the child may be in danger now (call as well)", exact=True).check()
    assert_accessible(page)
    shot(page, "report-form")
    page.get_by_role("button", name="Save the draft").click()
    eva.saved("The report is saved as a draft.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Report to child welfare")
    expect(page.get_by_role("region", name="The report")).to_contain_text(OBSERVED)
    expect(page.get_by_role("region", name="Saved versions")).to_contain_text("Version 1")
    assert_accessible(page)

    # --- ... downloads the PDF. ------------------------------------------------------------
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    download = download_info.value
    assert download.suggested_filename == "report-to-child-welfare.pdf"
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000

    # --- ... and marks it as sent. ----------------------------------------------------------
    page.get_by_role("link", name="Mark as sent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mark the report as sent")
    page.get_by_label("By post", exact=True).check()
    page.get_by_label("Sent to", exact=True).fill("Barnevernet i Testvik")
    assert_accessible(page)
    page.get_by_role("button", name="Mark as sent").click()
    eva.saved("The report is marked as sent.")
    expect(page.get_by_role("region", name="Status")).to_contain_text("The report is frozen")
    expect(page.get_by_role("link", name="Change the draft")).to_have_count(0)
    assert_accessible(page)
    shot(page, "report-sent")
    report = ChildWelfareReport.objects.get()
    assert report.is_sent and report.sent_how == "post"
    eva.goto(f"/concerns/{concern.uuid}/")
    expect(page.get_by_role("region", name="Violence or abuse suspected")).to_be_visible()
    expect(page.get_by_role("region", name="History")).to_contain_text(
        "The report to child welfare was sent"
    )
    assert_accessible(page)
    shot(page, "concern")

    # --- Lars was told inside Stafett and reads it. ----------------------------------------
    page = lars.page
    lars.goto("/")
    concerns_box = page.get_by_role("region", name="Concerns (level 0)")
    expect(concerns_box).to_contain_text("1 concern shared with you, not read yet")
    concerns_box.get_by_role("link", name="Mia Mor").click()
    expect(page.get_by_role("region", name="Violence or abuse suspected")).to_be_visible()
    page.get_by_role("link", name="The report to child welfare").click()
    expect(page.get_by_role("region", name="The report")).to_contain_text(OBSERVED)
    expect(page.get_by_role("link", name="Mark as sent")).to_have_count(0)

    # --- Gro, on her phone, finds nothing of it. ---------------------------------------------
    page = gro.page
    own = guardian_urls()
    for path in [*own, *family_log_urls(log)]:
        response = gro.goto(path)
        assert response is not None and response.status == 200, path
        if path in own:  # unchanged, word for word
            assert main_text(page) == before[path], path
        for secret in (OBSERVED, WHY, "child welfare", "violence", "M. i Blå", "Eva Tilsett read"):
            expect(page.locator("body")).not_to_contain_text(secret)
    gro.goto("/")
    shot(page, "guardian-home-after")
    assert_accessible(page)
    for name in ("detail", "violence_path", "report", "report_pdf", "report_edit"):
        response = gro.goto(reverse(f"concerns:{name}", kwargs={"concern": concern.uuid}))
        assert response is not None and response.status == 404, name
        expect(page.locator("body")).not_to_contain_text("Mia Mor")

    for persona in (eva, lars, gro):
        persona.close()
