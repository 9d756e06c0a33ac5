"""Issue 4, the first "Done when": one relay log's whole life, through the real pages
in headless Chromium against the live server.

Eva (kindergarten) starts a log for Mia, asks for consent and Gro (the mother) gives it
on her phone. Eva adds Siri (school) and Hilde (health station), writes a goal, a
measure with Siri responsible and a start-up meeting; Siri evaluates the measure; Eva
moves the log from level 2 to 3 and hands the baton to Siri, who accepts and closes
the log. Gro then sees all of it; Petter (PPT, a unit the consent does not cover)
sees nothing; and every read, and Petter's refused attempt, is in the access log.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    FloatRect,
    Response,
    ViewportSize,
    expect,
    sync_playwright,
)

from stafett.accounts.models import User
from stafett.audit.log import verify_chain
from stafett.audit.models import AccessLogEntry
from stafett.logs.models import RelayLog
from stafett.organisation.models import ServiceCategory
from tests import factories as f
from tests.conftest import World
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, SHOTS, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

DESKTOP: ViewportSize = {"width": 1024, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}

GOAL = "Mia leikar saman med andre barn kvar dag"
MEASURE = "Fast vaksen i frileiken"
MEASURE_TASK = "Kontaktlærar, førebur skulestarten"
HEALTH_TASK = "Helsesjukepleiar, følgjer opp søvn og mat"
AGENDA = "Kva ser vi? Kva seier Mia? Kva seier foreldra?"
WHAT_HAPPENED = "Mia har leika med to nye venner tre dagar i veka."
LEVEL_REASON = "PPT og helsestasjonen treng å vere med: fleire tenester saman."
HANDOVER_MESSAGE = "Mia byrjar på skulen i august. Vil du ta over stafettpinnen?"
CLOSE_REASON = "Måla er nådde, og Mia har det godt på skulen."


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


class Persona:
    """One person's own browser context, logged in through a Django session cookie
    (staff have passed the one-time code), reading the pages in English. Collects CSP
    violations, script errors and page resources the server could not deliver."""

    def __init__(self, browser: Browser, server: str, user: User, viewport: ViewportSize):
        client = Client()
        f.login(client, user)
        session = client.cookies[django_settings.SESSION_COOKIE_NAME]
        self.server = server
        self.context = browser.new_context(viewport=viewport, locale="nb-NO")
        self.context.add_cookies(
            [
                {"name": session.key, "value": session.value, "url": server, "httpOnly": True},
                {"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": server},
            ]
        )
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.problems.append(f"script: {error}"))
        self.page.on("response", self._on_response)

    def _on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.problems.append(f"CSP: {message.text}")

    def _on_response(self, response: Response) -> None:
        path = urlsplit(response.url).path
        resource = response.request.resource_type != "document" and path != "/favicon.ico"
        if resource and response.status >= 400:
            self.problems.append(f"{response.request.method} {path} answered {response.status}")

    def goto(self, path: str) -> Response | None:
        return self.page.goto(self.server + path)

    def saved(self, message: str) -> None:
        """The page after a form: the success message, and no form error."""
        expect(self.page.locator(".messages")).to_contain_text(message)
        expect(self.page.locator(".errorlist, .form-errors")).to_have_count(0)

    def close(self) -> None:
        assert self.problems == [], "\n".join(self.problems)
        self.context.close()


def test_a_relay_log_from_start_to_close(
    live_server: Any, browser: Browser, transactional_db: Any, world: World
) -> None:
    w = world
    server = str(live_server.url)
    m = w.municipality
    health = f.make_unit(
        m, "Testvik helsestasjon", f.make_service_kind(m, "Helsestasjon", ServiceCategory.BASIS)
    )
    ppt = f.make_unit(m, "PPT Testvik", f.make_service_kind(m, "PPT", ServiceCategory.HELP))
    nurse = f.make_user(m, username="nurse", first_name="Hilde", last_name="Helse")
    f.add_membership(nurse, health)
    ppt_advisor = f.make_user(m, username="ppt", first_name="Petter", last_name="Rådgjevar")
    f.add_membership(ppt_advisor, ppt)
    today = timezone.localdate()

    eva = Persona(browser, server, w.employee, DESKTOP)
    gro = Persona(browser, server, w.guardian, PHONE)
    siri = Persona(browser, server, w.school_employee, DESKTOP)
    hilde = Persona(browser, server, nurse, DESKTOP)
    petter = Persona(browser, server, ppt_advisor, DESKTOP)

    # --- Eva starts the log from her home page and asks the family for consent. ----
    page = eva.page
    eva.goto("/")
    page.get_by_role("link", name="Start a relay log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a relay log")
    expect(page.get_by_label("Solsida barnehage", exact=True)).to_be_checked()  # her only unit
    page.get_by_label("Level 2 – two services together", exact=True).check()
    page.get_by_label("First name", exact=True).fill("Mia")
    page.get_by_label("Last name", exact=True).fill("Mor")
    page.get_by_label("Birth date", exact=True).fill(w.child.birth_date.isoformat())
    page.get_by_role("button", name="Start the log").click()
    eva.saved("The relay log is started. Now ask the family for consent.")
    match = re.search(r"/logs/([0-9a-f-]{36})/consent/new/$", page.url)
    assert match, page.url
    log = RelayLog.objects.get(uuid=match.group(1))
    assert (log.subject, log.coordinator, log.level) == (w.child, w.employee, 2)
    detail = f"/logs/{log.uuid}/"

    expect(page.get_by_label("Solsida barnehage", exact=True)).to_be_checked()
    page.get_by_label("Testvik skule", exact=True).check()
    page.get_by_label("Testvik helsestasjon", exact=True).check()
    expect(page.get_by_label("PPT Testvik", exact=True)).not_to_be_checked()
    expect(page.get_by_label("The family answers in Stafett", exact=True)).to_be_checked()
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    eva.saved("The family is asked for consent.")

    # --- Gro consents on her phone, in her own browser. ------------------------------
    page = gro.page
    gro.goto("/")
    expect(page.get_by_role("heading", name="Your consent is needed")).to_be_visible()
    page.get_by_role("link", name="Read and answer").click()
    expect(page.get_by_role("heading", name="You are asked to consent")).to_be_visible()
    units = page.locator(".lc-ask .lc-units")
    for name in ("Solsida barnehage", "Testvik skule", "Testvik helsestasjon"):
        expect(units).to_contain_text(name)
    expect(units).not_to_contain_text("PPT")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, I consent").click()
    gro.saved("Thank you. The consent is in force.")
    assert_accessible(page)

    # --- Eva adds Siri (school) and Hilde (health station). --------------------------
    page = eva.page
    eva.goto(detail)
    page.get_by_role("navigation", name="Manage the log").get_by_role(
        "link", name="Participants"
    ).first.click()
    # Units outside the consent cannot even be chosen.
    expect(page.get_by_label("Unit", exact=True).locator("option")).to_have_text(
        ["Choose a unit", "Solsida barnehage", "Testvik helsestasjon", "Testvik skule"]
    )
    for unit, person, task in (
        ("Testvik skule", "Siri Lærar", MEASURE_TASK),
        ("Testvik helsestasjon", "Hilde Helse", HEALTH_TASK),
    ):
        page.get_by_label("Unit", exact=True).select_option(label=unit)
        page.get_by_role("button", name="Show people in the unit").click()
        page.get_by_label("Person", exact=True).select_option(label=person)
        page.get_by_label("Task in the collaboration", exact=True).fill(task)
        expect(page.get_by_label("Read and write", exact=True)).to_be_checked()
        page.get_by_role("button", name="Add to the log").click()
        eva.saved(f"{person} now takes part in the log.")
    current = page.get_by_role("region", name="Taking part now")
    expect(current).to_contain_text("Siri Lærar")
    expect(current).to_contain_text("Hilde Helse")

    # --- Eva writes a goal, a measure (Siri responsible) and a start-up meeting. ----
    eva.goto(detail)
    assert_accessible(page)
    page.get_by_role("link", name="Add a goal").click()
    page.get_by_label("The goal", exact=True).fill(GOAL)
    page.get_by_role("button", name="Save in the log").click()
    eva.saved("Saved in the log.")

    page.get_by_role("link", name="Add a measure").click()
    page.get_by_label("What will be done", exact=True).fill(MEASURE)
    page.get_by_label("Who is responsible", exact=True).select_option(
        label=f"Siri Lærar (Testvik skule) – {MEASURE_TASK}"
    )
    page.get_by_label("Start date", exact=True).fill(today.isoformat())
    page.get_by_label("Evaluation date", exact=True).fill(
        (today + datetime.timedelta(days=42)).isoformat()
    )
    page.get_by_label("Status", exact=True).select_option(label="Running")
    page.get_by_role("button", name="Save in the log").click()
    eva.saved("Saved in the log.")

    meeting_day = today + datetime.timedelta(days=3)
    page.get_by_role("link", name="Plan a meeting").click()
    page.get_by_label("Kind of meeting", exact=True).select_option(label="Start-up meeting")
    page.get_by_label("Date", exact=True).fill(meeting_day.isoformat())
    page.get_by_label("Time", exact=True).fill("14:00")
    page.get_by_label("Place", exact=True).fill("Solsida barnehage, møterommet")
    invited = page.get_by_role("group", name="Invited")
    for person in ("Eva Tilsett", "Siri Lærar", "Hilde Helse", "Gro Mor"):
        expect(invited.get_by_label(person)).to_be_checked()
    page.get_by_label("Agenda", exact=True).fill(AGENDA)
    page.get_by_role("button", name="Save in the log").click()
    eva.saved("Saved in the log.")
    header = page.get_by_role("region", name="Where the log stands")
    expect(header).to_contain_text(meeting_day.strftime("%d.%m.%Y") + " 14:00")

    # --- Siri reads the log and evaluates her measure; Hilde reads it. ---------------
    page = siri.page
    siri.goto("/")
    page.get_by_role("region", name="Relay logs you take part in").get_by_role(
        "link", name="Mia Mor"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia Mor")
    expect(page.locator("#timeline")).to_contain_text(GOAL)
    page.get_by_role("link", name=f"Evaluate – {MEASURE}").click()
    expect(page.get_by_label("Which measure", exact=True)).to_have_value(
        str(log.entries.get(kind="measure").uuid)
    )
    page.get_by_label("What happened", exact=True).fill(WHAT_HAPPENED)
    page.get_by_label("Better", exact=True).check()
    page.get_by_label("What next", exact=True).fill("Halde fram til skulestart.")
    page.get_by_role("button", name="Save in the log").click()
    siri.saved("Saved in the log.")
    expect(page.locator("#timeline")).to_contain_text(f"Evaluation: {MEASURE}")

    hilde.goto(detail)
    expect(hilde.page.locator("#timeline")).to_contain_text(MEASURE)
    expect(hilde.page.locator("#timeline")).to_contain_text(WHAT_HAPPENED)

    # --- Eva moves the log from level 2 to 3: a decision with a reason. --------------
    page = eva.page
    eva.goto(detail)
    page.get_by_role("link", name="Move step or level").first.click()
    expect(page.get_by_label("Level 2 – two services together", exact=True)).to_be_checked()
    page.get_by_label("Level 3 – several services together", exact=True).check()
    page.get_by_label("Reason for the decision", exact=True).fill(LEVEL_REASON)
    page.get_by_role("button", name="Record the decision").click()
    eva.saved("The decision is recorded.")
    expect(page.get_by_role("region", name="Where the log stands")).to_contain_text(
        "Level 3 – several services together"
    )

    # --- Eva hands the baton to Siri; she keeps it until Siri accepts. ---------------
    page.get_by_role("link", name="Hand over the baton").click()
    page.get_by_label("Unit", exact=True).select_option(label="Testvik skule")
    page.get_by_role("button", name="Show people in the unit").click()
    page.get_by_label("New coordinator", exact=True).select_option(label="Siri Lærar")
    page.get_by_label("Message to the new coordinator", exact=True).fill(HANDOVER_MESSAGE)
    page.get_by_role("button", name="Propose the handover").click()
    eva.saved("You keep the baton until Siri Lærar accepts.")
    log.refresh_from_db()
    assert log.coordinator == w.employee

    page = siri.page
    siri.goto("/")
    waiting = page.get_by_role("region", name="Handovers waiting for you")
    expect(waiting).to_contain_text(HANDOVER_MESSAGE)
    waiting.get_by_role("link", name="Read and answer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Take over the baton?")
    page.get_by_role("button", name="Accept the baton").click()
    siri.saved("You hold the baton now. Welcome to the log.")
    log.refresh_from_db()
    assert (log.coordinator, log.unit) == (w.school_employee, w.school)

    # --- Siri, now the coordinator, closes the log. ----------------------------------
    page.get_by_role("link", name="Close the log").click()
    page.get_by_label("The goals are met", exact=True).check()
    page.get_by_label("What happened, in a few words", exact=True).fill(CLOSE_REASON)
    page.get_by_role("button", name="Close the log").click()
    siri.saved("The log is closed. It can still be read.")
    log.refresh_from_db()
    assert log.status == RelayLog.Status.CLOSED

    # --- Gro, on her phone, sees all of it. -----------------------------------------
    page = gro.page
    gro.goto("/")
    page.get_by_role("link", name="Relay log", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia Mor")
    standing = page.get_by_role("region", name="Where the log stands")
    expect(standing).to_contain_text("The log was closed on")
    expect(standing).to_contain_text("The goals are met")
    expect(standing).to_contain_text("Level 3 – several services together")
    timeline = page.locator("#timeline")
    for text in (
        GOAL,
        MEASURE,
        "Siri Lærar (Testvik skule)",  # the measure's responsible participant
        f"Start-up meeting {meeting_day:%d.%m.%Y}",
        AGENDA,
        f"Evaluation: {MEASURE}",
        WHAT_HAPPENED,
        "Moved to another level",
        "From level 2 to level 3.",
        LEVEL_REASON,
        "Siri Lærar (Testvik skule) took over the baton from Eva Tilsett.",
        "Closed the log",
        CLOSE_REASON,
    ):
        expect(timeline).to_contain_text(text)
    assert_accessible(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "journey-guardian-phone.png"), full_page=True)
    if os.environ.get("STAFETT_SHOT_PARTS"):
        height = page.evaluate("document.documentElement.scrollHeight")
        for part, top in enumerate(range(0, height, PHONE["height"])):
            clip: FloatRect = {"x": 0, "y": top, "width": PHONE["width"], "height": PHONE["height"]}
            shot = SHOTS / f"journey-guardian-phone-{part}.png"
            page.screenshot(path=str(shot), clip=clip, full_page=True)

    # --- Petter (PPT, not in the consent) sees nothing. ------------------------------
    for path in (detail, f"{detail}print/", f"{detail}consent/"):
        response = petter.goto(path)
        assert response is not None and response.status in (403, 404), path
        assert "Mia" not in petter.page.content()

    for persona in (eva, gro, siri, hilde, petter):
        persona.close()

    # --- Every read is in the access log. -------------------------------------------
    rows = AccessLogEntry.objects.filter(object_uuid=log.uuid)

    def reads(user: User, role: str, action: str = "log.view") -> int:
        return rows.filter(actor=user, role=role, action=action, outcome="allowed").count()

    assert reads(w.employee, "coordinator") >= 1
    assert reads(w.school_employee, "participant") >= 1
    assert reads(w.school_employee, "coordinator") >= 1  # after she took the baton
    assert reads(nurse, "participant") == 1
    assert rows.filter(actor=nurse, unit_name="Testvik helsestasjon").exists()
    assert reads(w.guardian, "guardian") >= 1
    assert reads(w.guardian, "guardian", "consent.view") >= 1
    assert reads(w.employee, "coordinator", "log.participants") >= 1
    refused = rows.filter(actor=ppt_advisor)
    assert refused.count() == 3
    assert set(refused.values_list("outcome", flat=True)) == {"refused"}
    assert not rows.filter(actor=ppt_advisor, outcome="allowed").exists()
    assert rows.filter(subject_uuid=w.child.uuid).count() == rows.count()
    assert verify_chain(m.id) is None
