"""Issue 4, the first "Done when": one relay log's whole life, through the real pages
in headless Chromium against the live server, in nynorsk (the coordinator's journey in
the user's language, issue 11 item 5).

Eva (kindergarten) starts a log for Mia, asks for consent and Gro (the mother) gives it
on her phone. Eva adds Siri (school) and Hilde (health station), writes a goal, a
measure with Siri responsible and a start-up meeting; Siri evaluates the measure; Eva
moves the log from level 2 to 3 and hands the baton to Siri, who accepts and closes
the log. Gro then sees all of it; Petter (PPT, a unit the consent does not cover)
sees nothing; and every read, and Petter's refused attempt, is in the access log.

Elements are found by their label in the page's language, from Django's catalogue
(`t`), and every page each person visits is checked (`BrowserSession.check`): no decimal
comma in markup, no English interface string and no bokmål word on a nynorsk page.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, FloatRect, ViewportSize, expect, sync_playwright

from stafett.accounts.models import User
from stafett.audit.log import verify_chain
from stafett.audit.models import AccessLogEntry
from stafett.logs.models import RelayLog
from stafett.organisation.models import ServiceCategory
from tests import factories as f
from tests.conftest import World
from tests.e2e.helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SHOTS,
    BrowserSession,
    assert_accessible,
    t,
    t_start,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

DESKTOP: ViewportSize = {"width": 1024, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}

# What the people write, in the written standard of the page (English pages get the
# nynorsk texts: the demo municipality writes nynorsk).
CONTENT = {
    "nn": {
        "goal": "Mia leikar saman med andre barn kvar dag",
        "measure": "Fast vaksen i frileiken",
        "measure_task": "Kontaktlærar, førebur skulestarten",
        "health_task": "Helsesjukepleiar, følgjer opp søvn og mat",
        "agenda": "Kva ser vi? Kva seier Mia? Kva seier foreldra?",
        "what_happened": "Mia har leika med to nye venner tre dagar i veka.",
        "what_next": "Halde fram til skulestart.",
        "level_reason": "PPT og helsestasjonen treng å vere med: fleire tenester saman.",
        "handover_message": "Mia byrjar på skulen i august. Vil du ta over stafettpinnen?",
        "close_reason": "Måla er nådde, og Mia har det godt på skulen.",
        "place": "Solsida barnehage, møterommet",
    },
}
CONTENT["en"] = CONTENT["nn"]


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


# In nynorsk only: the English pages say the catalogue's msgids this test is written in,
# and English runs in the family's journey and the other browser tests. Add "en" or "nb"
# to walk the journey in them too.
@pytest.mark.parametrize("language", ["nn"])
def test_a_relay_log_from_start_to_close(
    live_server: Any, browser: Browser, transactional_db: Any, world: World, language: str
) -> None:
    w = world
    c = CONTENT[language]
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

    def person(user: User, viewport: ViewportSize) -> BrowserSession:
        return BrowserSession(browser, server, language, viewport, user)

    eva = person(w.employee, DESKTOP)
    gro = person(w.guardian, PHONE)
    siri = person(w.school_employee, DESKTOP)
    hilde = person(nurse, DESKTOP)
    petter = person(ppt_advisor, DESKTOP)

    def _(message: str, **values: Any) -> str:
        return t(language, message, **values)

    level_2 = _("Level 2 – two services together")
    level_3 = _("Level 3 – several services together")
    save_in_log = _("Save in the log")
    saved_in_log = _("Saved in the log.")

    # --- Eva starts the log from her home page and asks the family for consent. ----
    page = eva.page
    eva.goto("/")
    page.get_by_role("link", name=_("Start a relay log")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(_("Start a relay log"))
    eva.check()
    expect(page.get_by_label("Solsida barnehage", exact=True)).to_be_checked()  # her only unit
    page.get_by_label(level_2, exact=True).check()
    page.get_by_label(_("First name"), exact=True).fill("Mia")
    page.get_by_label(_("Last name"), exact=True).fill("Mor")
    page.get_by_label(_("Birth date"), exact=True).fill(w.child.birth_date.isoformat())
    page.get_by_role("button", name=_("Start the log")).click()
    eva.saved(_("The relay log is started. Now ask the family for consent."))
    match = re.search(r"/logs/([0-9a-f-]{36})/consent/new/$", page.url)
    assert match, page.url
    log = RelayLog.objects.get(uuid=match.group(1))
    assert (log.subject, log.coordinator, log.level) == (w.child, w.employee, 2)
    detail = f"/logs/{log.uuid}/"

    expect(page.get_by_label("Solsida barnehage", exact=True)).to_be_checked()
    page.get_by_label("Testvik skule", exact=True).check()
    page.get_by_label("Testvik helsestasjon", exact=True).check()
    expect(page.get_by_label("PPT Testvik", exact=True)).not_to_be_checked()
    expect(page.get_by_label(_("The family answers in Stafett"), exact=True)).to_be_checked()
    assert_accessible(page)
    page.get_by_role("button", name=_("Save"), exact=True).click()
    eva.saved(_("The family is asked for consent. They answer when they log in."))

    # --- Gro consents on her phone, in her own browser. ------------------------------
    page = gro.page
    gro.goto("/")
    expect(page.get_by_role("heading", name=_("Your consent is needed"))).to_be_visible()
    page.get_by_role("link", name=_("Read and answer")).click()
    expect(page.get_by_role("heading", name=_("You are asked to consent"))).to_be_visible()
    gro.check(axe=True)
    units = page.locator(".lc-ask .lc-units")
    for name in ("Solsida barnehage", "Testvik skule", "Testvik helsestasjon"):
        expect(units).to_contain_text(name)
    expect(units).not_to_contain_text("PPT")
    page.get_by_role("button", name=_("Yes, I consent")).click()
    gro.saved(_("Thank you. The consent is in force."), axe=True)

    # --- Eva adds Siri (school) and Hilde (health station). --------------------------
    page = eva.page
    eva.goto(detail)
    page.get_by_role("navigation", name=_("Manage the log")).get_by_role(
        "link", name=_("Participants")
    ).first.click()
    # Units outside the consent cannot even be chosen.
    unit_field = page.get_by_label(_("Unit"), exact=True)
    expect(unit_field.locator("option")).to_have_text(
        [_("Choose a unit"), "Solsida barnehage", "Testvik helsestasjon", "Testvik skule"]
    )
    eva.check()
    for unit, name, task in (
        ("Testvik skule", "Siri Lærar", c["measure_task"]),
        ("Testvik helsestasjon", "Hilde Helse", c["health_task"]),
    ):
        page.get_by_label(_("Unit"), exact=True).select_option(label=unit)
        page.get_by_role("button", name=_("Show people in the unit")).click()
        person_field = page.get_by_label(_("Person"), exact=True)
        expect(person_field.locator("option", has_text=name)).to_have_count(1)
        eva.check()
        person_field.select_option(label=name)
        page.get_by_label(_("Task in the collaboration"), exact=True).fill(task)
        expect(page.get_by_label(_("Read and write"), exact=True)).to_be_checked()
        page.get_by_role("button", name=_("Add to the log")).click()
        eva.saved(_("%(person)s now takes part in the log.", person=name))
    current = page.get_by_role("region", name=_("Taking part now"))
    expect(current).to_contain_text("Siri Lærar")
    expect(current).to_contain_text("Hilde Helse")

    # --- Eva writes a goal, a measure (Siri responsible) and a start-up meeting. ----
    eva.goto(detail, axe=True)
    page.get_by_role("link", name=_("Add a goal")).click()
    expect(page.get_by_label(_("The goal"), exact=True)).to_be_visible()
    eva.check()
    page.get_by_label(_("The goal"), exact=True).fill(c["goal"])
    page.get_by_role("button", name=save_in_log).click()
    eva.saved(saved_in_log)

    page.get_by_role("link", name=_("Add a measure")).click()
    expect(page.get_by_label(_("What will be done"), exact=True)).to_be_visible()
    eva.check()
    page.get_by_label(_("What will be done"), exact=True).fill(c["measure"])
    page.get_by_label(_("Who is responsible"), exact=True).select_option(
        label=f"Siri Lærar (Testvik skule) – {c['measure_task']}"
    )
    page.get_by_label(_("Start date"), exact=True).fill(today.isoformat())
    page.get_by_label(_("Evaluation date"), exact=True).fill(
        (today + datetime.timedelta(days=42)).isoformat()
    )
    page.get_by_label(_("Status"), exact=True).select_option(label=_("Running"))
    page.get_by_role("button", name=save_in_log).click()
    eva.saved(saved_in_log)

    meeting_day = today + datetime.timedelta(days=3)
    page.get_by_role("link", name=_("Plan a meeting")).click()
    expect(page.get_by_label(_("Kind of meeting"), exact=True)).to_be_visible()
    eva.check()
    page.get_by_label(_("Kind of meeting"), exact=True).select_option(label=_("Start-up meeting"))
    page.get_by_label(_("Date"), exact=True).fill(meeting_day.isoformat())
    page.get_by_label(_("Time"), exact=True).fill("14:00")
    page.get_by_label(_("Place"), exact=True).fill(c["place"])
    invited = page.get_by_role("group", name=_("Invited"))
    for name in ("Eva Tilsett", "Siri Lærar", "Hilde Helse", "Gro Mor"):
        expect(invited.get_by_label(name)).to_be_checked()
    page.get_by_label(_("Agenda"), exact=True).fill(c["agenda"])
    page.get_by_role("button", name=save_in_log).click()
    eva.saved(saved_in_log)
    header = page.get_by_role("region", name=_("Where the log stands"))
    expect(header).to_contain_text(meeting_day.strftime("%d.%m.%Y") + " 14:00")

    # --- Siri reads the log and evaluates her measure; Hilde reads it. ---------------
    page = siri.page
    siri.goto("/")
    page.get_by_role("region", name=_("Relay logs you take part in")).get_by_role(
        "link", name="Mia Mor"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia Mor")
    expect(page.locator("#timeline")).to_contain_text(c["goal"])
    siri.check()
    page.get_by_role("link", name=f"{_('Evaluate')} – {c['measure']}").click()
    expect(page.get_by_label(_("Which measure"), exact=True)).to_have_value(
        str(log.entries.get(kind="measure").uuid)
    )
    siri.check()
    page.get_by_label(_("What happened"), exact=True).fill(c["what_happened"])
    page.get_by_label(t(language, "Better", context="effect"), exact=True).check()
    page.get_by_label(_("What next"), exact=True).fill(c["what_next"])
    page.get_by_role("button", name=save_in_log).click()
    siri.saved(saved_in_log)
    expect(page.locator("#timeline")).to_contain_text(
        _("Evaluation: %(measure)s", measure=c["measure"])
    )

    hilde.goto(detail)
    expect(hilde.page.locator("#timeline")).to_contain_text(c["measure"])
    expect(hilde.page.locator("#timeline")).to_contain_text(c["what_happened"])

    # --- Eva moves the log from level 2 to 3: a decision with a reason. --------------
    page = eva.page
    eva.goto(detail)
    page.get_by_role("link", name=_("Move step or level")).first.click()
    expect(page.get_by_label(level_2, exact=True)).to_be_checked()
    eva.check()
    page.get_by_label(level_3, exact=True).check()
    page.get_by_label(_("Reason for the decision"), exact=True).fill(c["level_reason"])
    page.get_by_role("button", name=_("Record the decision")).click()
    eva.saved(_("The decision is recorded."))
    expect(page.get_by_role("region", name=_("Where the log stands"))).to_contain_text(level_3)

    # --- Eva hands the baton to Siri; she keeps it until Siri accepts. ---------------
    page.get_by_role("link", name=_("Hand over the baton")).click()
    unit_field = page.get_by_label(_("Unit"), exact=True)
    expect(unit_field).to_be_visible()
    eva.check()
    unit_field.select_option(label="Testvik skule")
    page.get_by_role("button", name=_("Show people in the unit")).click()
    coordinator_field = page.get_by_label(_("New coordinator"), exact=True)
    expect(coordinator_field.locator("option", has_text="Siri Lærar")).to_have_count(1)
    eva.check()
    coordinator_field.select_option(label="Siri Lærar")
    page.get_by_label(_("Message to the new coordinator"), exact=True).fill(c["handover_message"])
    page.get_by_role("button", name=_("Propose the handover")).click()
    eva.saved(
        _(
            "The handover is proposed. You keep the baton until %(person)s accepts.",
            person="Siri Lærar",
        )
    )
    log.refresh_from_db()
    assert log.coordinator == w.employee

    page = siri.page
    siri.goto("/")
    waiting = page.get_by_role("region", name=_("Handovers waiting for you"))
    expect(waiting).to_contain_text(c["handover_message"])
    waiting.get_by_role("link", name=_("Read and answer")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(_("Take over the baton?"))
    siri.check()
    page.get_by_role("button", name=_("Accept the baton")).click()
    siri.saved(_("You hold the baton now. Welcome to the log."))
    log.refresh_from_db()
    assert (log.coordinator, log.unit) == (w.school_employee, w.school)

    # --- Siri, now the coordinator, closes the log. ----------------------------------
    page.get_by_role("link", name=_("Close the log")).click()
    expect(page.get_by_label(_("The goals are met"), exact=True)).to_be_visible()
    siri.check()
    page.get_by_label(_("The goals are met"), exact=True).check()
    page.get_by_label(_("What happened, in a few words"), exact=True).fill(c["close_reason"])
    page.get_by_role("button", name=_("Close the log")).click()
    siri.saved(_("The log is closed. It can still be read."))
    log.refresh_from_db()
    assert log.status == RelayLog.Status.CLOSED

    # --- Gro, on her phone, sees all of it. -----------------------------------------
    page = gro.page
    gro.goto("/")
    # A closed log is named with its period on the family's home (issue 11, item 11).
    today = timezone.localdate().strftime("%d.%m.%Y")
    closed_title = _("Relay log %(start)s–%(end)s", start=today, end=today)
    page.get_by_role("link", name=closed_title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia Mor")
    gro.check(axe=True)
    standing = page.get_by_role("region", name=_("Where the log stands"))
    expect(standing).to_contain_text(
        t_start(
            language, "The log was closed on %(date)s: %(reason)s. It can be read, but not changed."
        )
    )
    expect(standing).to_contain_text(_("The goals are met"))
    # The family reads the level in plain words, not BTI's (issue 11, item 6).
    expect(standing).to_contain_text(
        t(language, "Several services work together", context="family words")
    )
    expect(standing).not_to_contain_text(level_3)
    timeline = page.locator("#timeline")
    for text in (
        c["goal"],
        c["measure"],
        "Siri Lærar (Testvik skule)",  # the measure's responsible participant
        f"{_('Start-up meeting')} {meeting_day:%d.%m.%Y}",
        c["agenda"],
        _("Evaluation: %(measure)s", measure=c["measure"]),
        c["what_happened"],
        _("Moved to another level"),
        _(
            "From “%(a)s” to “%(b)s”.",
            a=t(language, "Two services work together", context="family words"),
            b=t(language, "Several services work together", context="family words"),
        ),
        c["level_reason"],
        _(
            "%(new)s (%(unit)s) took over the baton from %(old)s.",
            new="Siri Lærar",
            unit="Testvik skule",
            old="Eva Tilsett",
        ),
        _("Closed the log"),
        c["close_reason"],
    ):
        expect(timeline).to_contain_text(text)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = f"journey-guardian-phone-{language}"
    page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
    if os.environ.get("STAFETT_SHOT_PARTS"):
        height = page.evaluate("document.documentElement.scrollHeight")
        for part, top in enumerate(range(0, height, PHONE["height"])):
            clip: FloatRect = {"x": 0, "y": top, "width": PHONE["width"], "height": PHONE["height"]}
            page.screenshot(path=str(SHOTS / f"{shot}-{part}.png"), clip=clip, full_page=True)

    # --- Petter (PPT, not in the consent) sees nothing. ------------------------------
    for path in (detail, f"{detail}print/", f"{detail}consent/"):
        response = petter.goto(path)
        assert response is not None and response.status in (403, 404), path
        assert "Mia" not in petter.page.content()

    for session in (eva, gro, siri, hilde, petter):
        session.close()

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
