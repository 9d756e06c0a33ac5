"""Issue 5, the first "Done when": through the real pages in headless Chromium against
the live server.

Eva (kindergarten) registers an anonymous concern with a worry score, fills in the
municipality's observation form from the level-0 guide beside it, and shares it with
Lars, her leader, who reads it and adds his view. Eva names the child, records her talk
with the guardians and decides for level 2, choosing on the decide page (with a preview)
what the family will read in the relay log: what she noticed, her observation, the talk
and the worry scores, not Lars's view. Gro (the mother) consents on her phone and reads
the log there: the chosen pieces, each credited to Eva, and never Lars's view (issue 10
item 5: level 0 is the staff's own documentation).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, expect, sync_playwright

from stafett.concerns.models import Concern
from tests.conftest import World
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, assert_accessible
from tests.e2e.helpers import EnglishSession as Persona
from tests.e2e.test_relay_log_journey import DESKTOP, PHONE
from tests.guides.builders import make_guide, make_tool

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

NOTICED = "Sit mykje åleine i frileiken og et lite til lunsj."
VIEW = "Eg har sett det same på tur. Snakk med foreldra."
OBSERVED = "Sat åleine i garderoben tre dagar på rad."
SAID = "Mor har sett at ho søv dårleg. Dei vil gjerne samarbeide."


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


def test_an_anonymous_concern_goes_on_to_a_relay_log(
    live_server: Any, browser: Browser, transactional_db: Any, world: World
) -> None:
    w = world
    server = str(live_server.url)
    eva = Persona(browser, server, w.employee, PHONE)
    lars = Persona(browser, server, w.leader, DESKTOP)
    gro = Persona(browser, server, w.guardian, PHONE)
    # The municipality's observation form, and its level-0 guide naming it at "assess".
    tool = make_tool(w)
    make_guide(w, level=0, step="assess", what="Skriv ned kva du la merke til.", tools=[tool])

    # --- Eva registers an anonymous concern with a worry score. ----------------------
    page = eva.page
    eva.goto("/")
    page.get_by_role("region", name="Concerns (level 0)").get_by_role(
        "link", name="Register a concern"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register a concern")
    page.get_by_label("Who it is about, without a name", exact=True).fill("Eit barn på Blå")
    page.get_by_label("What did you notice?", exact=True).fill(NOTICED)
    page.get_by_label("Where", exact=True).fill("Uteleik")
    page.get_by_label("Worry", exact=True).select_option("5")
    assert_accessible(page)
    page.get_by_role("button", name="Register").click()
    eva.saved("The concern is registered. Only you can see it.")
    concern = Concern.objects.get()
    assert concern.is_anonymous
    expect(page.get_by_role("heading", level=1)).to_have_text("Concern: Eit barn på Blå")
    expect(page.get_by_role("region", name="Worry over time")).to_contain_text("5 / 10")
    assert_accessible(page)

    # --- ... fills in the observation form from the guide beside the concern. ----------
    guide_box = page.get_by_role("region", name="The action guide at this step")
    expect(guide_box).to_contain_text("Skriv ned kva du la merke til.")
    guide_box.get_by_role("link", name="Fill in Observasjonsskjema").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Observasjonsskjema")
    page.get_by_label("Kva såg du?").fill(OBSERVED)
    assert_accessible(page)
    page.get_by_role("button", name="Keep the form with the concern").click()
    eva.saved("The form is kept with the concern.")
    expect(page.locator("main")).to_contain_text(OBSERVED)
    page.get_by_role("link", name="Back to the concern").click()
    expect(page.get_by_role("region", name="Forms filled for this concern")).to_contain_text(
        "Observasjonsskjema"
    )
    expect(page.get_by_role("region", name="History")).to_contain_text(
        "Filled in the form “Observasjonsskjema”."
    )

    # --- ... and shares it with Lars, her leader. --------------------------------------
    page.get_by_role("link", name="Share with a colleague or leader").click()
    page.get_by_label("Share with", exact=True).select_option(
        label="Lars Leiar (Unit leader, Solsida barnehage)"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Share").click()
    eva.saved("The concern is shared.")

    # --- Lars reads it and adds his view. ----------------------------------------------
    page = lars.page
    lars.goto("/concerns/")
    page.get_by_role("link", name="Eit barn på Blå").click()
    expect(page.get_by_role("region", name="What was noticed")).to_contain_text(NOTICED)
    page.get_by_role("link", name="Add your view").click()
    page.get_by_label("Your view", exact=True).fill(VIEW)
    page.get_by_role("button", name="Save my view").click()
    lars.saved("Your view is saved.")
    expect(page.get_by_role("region", name="History")).to_contain_text(VIEW)
    assert_accessible(page)

    # --- Eva names the child and records the talk with the guardians. ----------------
    page = eva.page
    eva.goto(f"/concerns/{concern.uuid}/")
    expect(page.get_by_role("region", name="Shared with")).to_contain_text("Lars Leiar")
    page.get_by_role("link", name="Name the child").click()
    page.get_by_label("First name", exact=True).fill("Mia")
    page.get_by_label("Last name", exact=True).fill("Mor")
    page.get_by_label("Birth date", exact=True).fill(w.child.birth_date.isoformat())
    page.get_by_role("button", name="Save the name").click()
    eva.saved("The concern now names who it is about.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Concern: Mia Mor")

    page.get_by_role("link", name="Record a talk with the family").click()
    page.get_by_label("Who did you talk with?", exact=True).fill("Gro (mor)")
    page.get_by_label("What did they say?", exact=True).fill(SAID)
    assert_accessible(page)
    page.get_by_role("button", name="Save the talk").click()
    eva.saved("The talk is saved.")

    # --- Eva decides for level 2, choosing what the family will read. -------------------
    page.get_by_role("link", name="Decide", exact=True).click()
    page.get_by_label("Go on at level 1, 2 or 3 with a relay log", exact=True).check()
    page.get_by_label("Level (when you go on with a relay log)", exact=True).select_option("2")
    page.get_by_label("Reason", exact=True).fill("Barnehagen og helsestasjonen bør samarbeide.")
    choice = page.get_by_role("group", name="If you go on with a relay log: what the family")
    preview = page.get_by_role("region", name="This is what the family will read")
    # Ticked when the page opens: what Eva noticed and her observations. Not Lars's view.
    expect(choice.get_by_role("checkbox", name="What was noticed")).to_be_checked()
    expect(choice.get_by_role("checkbox", name="– Lars Leiar")).not_to_be_checked()
    expect(preview).to_contain_text(NOTICED)
    expect(preview).to_contain_text("Filled in the form “Observasjonsskjema”.")
    expect(preview).not_to_contain_text(VIEW)
    expect(preview).not_to_contain_text(SAID)
    assert_accessible(page)
    # She adds the talk and the worry scores, and looks at the preview again.
    choice.get_by_role("checkbox", name="Talk with Gro (mor)").check()
    choice.get_by_role("checkbox", name="Worry scores at level 0").check()
    page.get_by_role("button", name="Show what the family will read").click()
    preview = page.get_by_role("region", name="This is what the family will read")
    expect(preview).to_contain_text(SAID)
    expect(preview).to_contain_text("5 / 10")
    expect(preview).to_contain_text("Eva Tilsett, employee, ")
    expect(preview).not_to_contain_text(VIEW)
    expect(preview).not_to_contain_text("Lars Leiar")
    expect(page.get_by_label("Reason", exact=True)).to_have_value(
        "Barnehagen og helsestasjonen bør samarbeide."
    )
    assert_accessible(page)
    page.get_by_role("button", name="Save the decision").click()
    eva.saved("The decision is saved.")
    expect(page.get_by_role("region", name="Where we are")).to_contain_text(
        "waiting for the family's consent"
    )
    concern.refresh_from_db()
    log = concern.log
    assert log is not None and log.level == 2 and log.subject == w.child

    # --- Gro consents on her phone. ---------------------------------------------------
    page = gro.page
    gro.goto("/")
    expect(page.get_by_role("heading", name="Your consent is needed")).to_be_visible()
    page.get_by_role("link", name="Read and answer").click()
    page.get_by_role("button", name="Yes, I consent").click()
    gro.saved("Thank you. The consent is in force.")

    # --- Gro reads the log on her phone: what Eva chose, credited to Eva. -----------------
    gro.goto(f"/logs/{log.uuid}/")
    timeline = page.locator("#timeline")
    # Titles in the reader's language (issue 11), whatever language they were written in.
    expect(timeline).to_contain_text("From the concern (level 0): What was noticed")
    expect(timeline).not_to_contain_text("Dette vart lagt merke til")
    expect(timeline).to_contain_text(NOTICED)
    expect(timeline).to_contain_text("Filled in the form “Observasjonsskjema”.")
    expect(timeline).to_contain_text(SAID)
    carried = timeline.locator("li.entry", has_text="From the concern (level 0)")
    expect(carried).to_have_count(4)  # noticed, the form, the talk, the scores
    for index in range(4):
        expect(carried.nth(index).locator(".entry__meta")).to_contain_text(
            "Eva Tilsett, employee, Solsida barnehage"
        )
    # Never Lars's view, and nothing of the concern signed by Gro.
    expect(page.locator("main")).not_to_contain_text(VIEW)
    expect(carried.filter(has_text="Gro Mor")).to_have_count(0)
    expect(page.get_by_role("region", name="Worry over time")).to_be_visible()
    assert_accessible(page)
    # In nynorsk, as Fjordvik writes.
    gro.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "nn", "url": server}])
    gro.language = "nn"
    gro.goto(f"/logs/{log.uuid}/")
    expect(page.locator("#timeline")).to_contain_text(
        "Frå uroa (nivå 0): Dette vart lagt merke til"
    )
    expect(page.locator("main")).not_to_contain_text(VIEW)

    # --- Eva, the coordinator, reads the same; the view stays on the concern. ----------
    page = eva.page
    eva.goto(f"/logs/{log.uuid}/")
    expect(page.locator("#timeline")).to_contain_text(NOTICED)
    expect(page.locator("main")).not_to_contain_text(VIEW)
    eva.goto(f"/concerns/{concern.uuid}/")
    history = page.get_by_role("region", name="History")
    expect(history).to_contain_text(VIEW)
    # The concern says what went to the log: the talk did, Lars's view did not.
    expect(history.locator("li", has_text=SAID)).to_contain_text("chosen for the relay log")
    expect(history.locator("li", has_text=VIEW)).not_to_contain_text("chosen for the relay log")
    assert_accessible(page)

    for persona in (eva, lars, gro):
        persona.close()
