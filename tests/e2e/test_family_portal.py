"""Issue 6, the family's side, on a phone (390×844) in headless Chromium against the live
server.

Gro (Mia's mother) logs in with her password, reads the relay log (a summary in plain
words at the top: who helps us, what we work towards, what is being done, the next
meeting with a calendar file), adds a bright spot, opens "Who has read our log" and sees
Eva's (the coordinator's) earlier read, renews the consent, then withdraws it. Siri (a
participant) is refused at her next request. axe-core checks every page.

Both journeys run in nynorsk; the guardian's also in bokmål and the youth's also in
English (issue 11, item 5). Elements are found by their label in the page's language,
from Django's catalogue (`t`), and every page each person visits is checked
(`BrowserSession.check`): no decimal comma in markup, no English interface string and no
word of the other written standard on a Norwegian page.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from playwright.sync_api import Browser, ViewportSize, expect, sync_playwright

from stafett.audit.log import verify_chain
from stafett.audit.models import AccessLogEntry
from stafett.consent.models import Consent
from stafett.consent.services import give_consent, request_consent
from stafett.logs.models import EntryKind
from stafett.logs.services import add_entry, add_participant, start_log
from stafett.policy import Actor, build_actor, log_facts
from tests import factories as f
from tests.conftest import World
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, SHOTS, BrowserSession, t, t_start

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE: ViewportSize = {"width": 390, "height": 844}
# What the people write, in the written standard of the page (English pages get the
# nynorsk texts: the demo municipality writes nynorsk).
CONTENT = {
    "nn": {
        "goal": "Mia leikar saman med andre barn kvar dag",
        "measure": "Fast vaksen i frileiken",
        "task": "Kontaktlærar, førebur skulestarten",
        "bright_spot": "Mia song for heile klassen i dag!",
        "purpose": "Samarbeid mellom barnehage og skule om Mia.",
        "secret": "Eg vil snakke med deg åleine om heime.",
        "ask": "Læraren min bør vite.",
    },
    "nb": {
        "goal": "Mia leker sammen med andre barn hver dag",
        "measure": "Fast voksen i frileken",
        "task": "Kontaktlærer, forbereder skolestarten",
        "bright_spot": "Mia sang for hele klassen i dag!",
        "purpose": "Samarbeid mellom barnehage og skole om Mia.",
        "secret": "Jeg vil snakke med deg alene om hjemme.",
        "ask": "Læreren min bør vite det.",
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


def as_actor(user: Any) -> Actor:
    user.is_verified = lambda: True
    return build_actor(user)


class Phone(BrowserSession):
    """A person's own phone (or desk, with another viewport), reading the pages in
    `language`; logged in already when `user` is given."""

    def __init__(
        self,
        browser: Browser,
        server: str,
        language: str,
        user: Any = None,
        viewport: ViewportSize = PHONE,
    ) -> None:
        super().__init__(browser, server, language, viewport, user, accept_downloads=True)

    def look(self, name: str) -> None:
        """The page checks and axe-core on the page, and a full-page screenshot for people
        to look at."""
        self.check(axe=True)
        SHOTS.mkdir(parents=True, exist_ok=True)
        shot = SHOTS / f"family-{name}-{self.language}.png"
        self.page.screenshot(path=str(shot), full_page=True)


@pytest.mark.parametrize("language", ["nn", "nb"])
def test_a_guardian_on_her_phone_reads_writes_sees_who_read_renews_and_withdraws(
    live_server: Any, browser: Browser, transactional_db: Any, world: World, language: str
) -> None:
    w = world
    c = CONTENT[language]
    server = str(live_server.url)
    today = timezone.localdate()
    # A log in force: Eva coordinates, Siri (school) takes part, Gro consented.
    eva = as_actor(w.employee)
    log = start_log(actor=eva, subject=w.child, unit=w.kindergarten, level=2)
    consent = request_consent(
        actor=eva,
        log=log,
        purpose=c["purpose"],
        valid_from=today,
        valid_to=today + datetime.timedelta(days=20),  # expiring soon: time to renew
        units=[w.kindergarten, w.school],
        method=Consent.Method.DIGITAL,
    )
    give_consent(actor=as_actor(w.guardian), consent=consent)
    log.refresh_from_db()
    add_participant(actor=eva, log=log, user=w.school_employee, unit=w.school, task=c["task"])
    add_entry(actor=eva, log=log, kind=EntryKind.GOAL, title=c["goal"], body="")
    add_entry(
        actor=eva,
        log=log,
        kind=EntryKind.MEASURE,
        title=c["measure"],
        responsible=w.school_employee,
        start_date=today,
        evaluation_date=today + datetime.timedelta(days=42),
    )
    meeting_at = timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=3), datetime.time(14, 0))
    )
    add_entry(
        actor=eva,
        log=log,
        kind=EntryKind.MEETING,
        meeting_kind="start_up",
        starts_at=meeting_at,
        place="Solsida barnehage, møterommet",
        invited=[w.employee, w.school_employee, w.guardian],
    )
    detail = f"/logs/{log.uuid}/"
    # Eva reads the log before Gro logs in.
    eva_client = f.login(f.english_client(), w.employee)
    assert eva_client.get(detail).status_code == 200
    siri_client = f.login(f.english_client(), w.school_employee)
    assert siri_client.get(detail).status_code == 200

    def _(message: str, **values: Any) -> str:
        return t(language, message, **values)

    gro = Phone(browser, server, language)
    page = gro.page

    # --- Gro logs in on her phone. ---------------------------------------------------
    page.goto(f"{server}/login/")
    gro.look("login")
    page.get_by_label(_("Username")).fill(w.guardian.username)
    page.get_by_label(_("Password")).fill(f.PASSWORD)
    page.get_by_role("button", name=_("Log in")).click()
    expect(page).to_have_url(f"{server}/")
    expect(page.get_by_role("heading", name="Mia Mor")).to_be_visible()
    gro.look("home")

    # --- She reads the log: the summary speaks plainly. ------------------------------
    page.get_by_role("link", name=_("Relay log"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia Mor")
    helpers = page.get_by_role("region", name=_("Who helps us"))
    expect(helpers).to_contain_text("Eva Tilsett")
    expect(helpers).to_contain_text(c["task"])
    expect(page.get_by_role("region", name=_("What we are working towards"))).to_contain_text(
        c["goal"]
    )
    doing = page.get_by_role("region", name=_("What is being done, and by whom"))
    expect(doing).to_contain_text(c["measure"])
    expect(doing).to_contain_text(
        _("%(person)s (%(unit)s) is responsible.", person="Siri Lærar", unit="Testvik skule")
    )
    meeting = page.get_by_role("region", name=_("Next meeting"))
    expect(meeting).to_contain_text(meeting_at.strftime("%d.%m.%Y") + " 14:00")
    gro.look("log")
    with page.expect_download() as download_info:
        meeting.get_by_role("link", name=_("Add to calendar")).click()
    ics = open(download_info.value.path(), encoding="utf-8").read()  # noqa: SIM115
    assert "BEGIN:VEVENT" in ics
    assert f"DTSTART;TZID=Europe/Oslo:{meeting_at:%Y%m%d}T140000" in ics
    assert "Solsida barnehage" in ics

    # --- She adds a bright spot. -----------------------------------------------------
    expect(page.get_by_role("region", name=_("Who takes part"))).to_have_count(0)  # said above
    expect(page.locator(".notice")).to_contain_text(
        t_start(
            language,
            "Your consent runs out on %(end)s. After that, the services cannot read the log "
            "until it is renewed.",
        )
    )
    bright = page.get_by_role("region", name=_("Bright spots – what went well"))
    bright.get_by_role("link", name=_("Add a bright spot")).click()
    expect(page.get_by_label(_("What went well?"))).to_be_visible()
    gro.look("bright-spot")
    page.get_by_label(_("What went well?")).fill(c["bright_spot"])
    page.get_by_role("button", name=_("Save in the log")).click()
    gro.saved(_("Saved in the log."))
    expect(bright).to_contain_text(c["bright_spot"])

    # --- Who has read our log: Eva's earlier read, and her own. -----------------------
    page.get_by_role("link", name=_("Who has read our log")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(_("Who has read our log"))
    reads = page.get_by_role("region", name=_("Reads, newest first"))
    expect(reads).to_contain_text(f"Eva Tilsett, {_('coordinator')}, Solsida barnehage")
    # The family reads a participant as a helper (their words, not BTI's "aktør").
    helper = t(language, "helper", context="family words")
    expect(reads).to_contain_text(f"Siri Lærar, {helper}, Testvik skule")
    expect(reads).to_contain_text(f"Gro Mor, {_('guardian')}")
    expect(reads).to_contain_text(_("Who has read the log"))  # this very visit
    gro.look("who-has-read")
    page.get_by_text(_("Show only one person or a period")).click()
    page.get_by_label(_("Person")).select_option(label="Eva Tilsett")
    page.get_by_role("button", name=_("Show"), exact=True).click()
    expect(reads).to_contain_text("Eva Tilsett")
    expect(reads).not_to_contain_text("Siri Lærar")
    expect(reads).not_to_contain_text("Gro Mor")
    gro.check()

    # --- She renews the consent, then withdraws it. -----------------------------------
    page.get_by_role("link", name=_("Back to the log for %(name)s", name="Mia")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia Mor")
    gro.check()
    page.get_by_role("navigation", name=_("More about the log")).get_by_role(
        "link", name=_("Your consent")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(_("Your consent"))
    gro.look("consent")
    renew = page.get_by_role("region", name=_("Renew your consent"))
    renew.get_by_role("button", name=_("Yes, renew my consent")).click()
    gro.saved(t_start(language, "Thank you. The consent is renewed until %(end)s."))
    renewal = Consent.objects.filter(log=log).order_by("-id").first()
    assert renewal is not None and renewal.completed_at is not None
    assert renewal.replaces_id == consent.id

    page.get_by_role("link", name=_("Withdraw my consent")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(_("Withdraw your consent?"))
    expect(page.locator("main")).to_contain_text(
        _("The services can no longer read or write in the log.")
    )
    gro.look("withdraw")
    page.get_by_role("button", name=_("Yes, withdraw my consent")).click()
    gro.saved(
        _(
            "The consent is withdrawn. The services can no longer read the log. "
            "You can still read it."
        )
    )
    gro.look("consent-withdrawn")
    gro.close()

    # --- Siri got "your access has ended", with nothing of the log in it. -------------
    ended = [m for m in mail.outbox if w.school_employee.email in m.to]
    assert [m.subject for m in ended][-1:] == ["Stafett: your access has ended"]
    message = ended[-1]
    assert isinstance(message, EmailMultiAlternatives)
    bodies = [str(message.body)] + [str(content) for content, _ in message.alternatives]
    for body in bodies:
        assert "has ended" in body
        for secret in ("Mia", "Mor", "Testvik skule", "Solsida", *c.values()):
            assert secret not in body, secret

    # --- Siri's next request is refused, and that is in the access log. ---------------
    assert siri_client.get(detail).status_code == 403
    refused = AccessLogEntry.objects.filter(
        object_uuid=log.uuid, actor=w.school_employee, outcome="refused"
    )
    assert refused.count() == 1
    assert AccessLogEntry.objects.filter(
        object_uuid=log.uuid, actor=w.guardian, action="log.access_list"
    ).exists()
    assert verify_chain(w.municipality.id) is None


@pytest.mark.parametrize("language", ["nn", "en"])
def test_the_youths_own_voice_and_the_familys_requests_in_their_language(
    live_server: Any, browser: Browser, transactional_db: Any, world: World, language: str
) -> None:
    """Jonas (16) writes for his coordinator only after reading what that means; Gro (his
    mother) does not see it, reads about consent in Arabic and asks for a new service;
    Eva (the coordinator) sees his words and answers Gro's request."""
    w = world
    c = CONTENT[language]
    server = str(live_server.url)
    today = timezone.localdate()
    f.add_guardian(w.youth_subject, w.guardian)
    eva = as_actor(w.employee)
    log = start_log(actor=eva, subject=w.youth_subject, unit=w.kindergarten, level=1)
    consent = request_consent(
        actor=eva,
        log=log,
        purpose="Samarbeid om Jonas.",
        valid_from=today,
        valid_to=today + datetime.timedelta(days=180),
        units=[w.kindergarten],
        method=Consent.Method.DIGITAL,
    )
    give_consent(actor=as_actor(w.youth), consent=consent)
    from stafett.consent.services import save_consent_text

    save_consent_text(
        actor=as_actor(w.admin),
        municipality=w.municipality,
        language="ar",
        information="سجل التتابع يساعد الخدمات على العمل معًا.",
        consent_statement="أوافق على أن تتعاون الخدمات.",
    )
    detail = f"/logs/{log.uuid}/"
    consent_page = f"/logs/{log.uuid}/consent/"
    secret = c["secret"]
    desk: ViewportSize = {"width": 1024, "height": 800}

    def _(message: str, **values: Any) -> str:
        return t(language, message, **values)

    jonas = Phone(browser, server, language, w.youth)
    page = jonas.page
    jonas.goto(detail)
    page.get_by_role("link", name=_("Write in your own words")).click()
    help_box = page.get_by_role("region", name=_("Before you write"))
    expect(help_box).to_contain_text(
        _(
            "if what you write shows that you or someone else is in serious danger – "
            "violence, abuse or serious neglect – the law says your coordinator must tell "
            "child welfare (barnevernet), and sometimes the police, even if you asked to "
            "keep it private. They will talk with you about it first whenever they can."
        )
    )
    jonas.look("youth-voice")
    page.get_by_label(_("What do you want to say?")).fill(secret)
    page.get_by_label(_("For my coordinator only")).check()
    page.get_by_role("button", name=_("Save in the log")).click()
    jonas.saved(_("Saved in the log."))
    expect(page.locator("#timeline")).to_contain_text(secret)
    expect(page.locator("#timeline")).to_contain_text(_("For the coordinator only"))
    jonas.close()

    # Jonas consents alone (issue 10): his mother sees nothing of the log until he lets
    # her; her home says only that he decides.
    gro = Phone(browser, server, language, w.guardian)
    page = gro.page
    gro.goto("/")
    expect(page.locator("main")).to_contain_text(
        _(
            "From the age of %(age)s, %(name)s decides alone about working with the "
            "services, and who in the family may read about it. What %(name)s shares with "
            "you appears here.",
            age=w.municipality.consent_age,
            name="Jonas",
        )
    )
    expect(page.locator(f"a[href='{detail}']")).to_have_count(0)
    gro.look("guardian-of-youth-home")
    response = gro.goto(detail)
    assert response is not None and response.status == 404
    gro.close()

    jonas = Phone(browser, server, language, w.youth)
    page = jonas.page
    jonas.goto(consent_page)
    share = page.get_by_role("region", name=_("Who in your family may read the log"))
    expect(share).to_contain_text(
        _(
            "You decide. Your guardians see nothing of the log, and are told nothing "
            "about it, unless you let them."
        )
    )
    share.get_by_label("Gro Mor").check()
    jonas.look("youth-share-choice")
    share.get_by_role("button", name=_("Save my choice")).click()
    jonas.saved(_("Saved. These may now read the log: %(names)s.", names="Gro Mor"))
    expect(
        page.get_by_role("region", name=_("Who in your family may read the log"))
    ).to_contain_text(t_start(language, "(can read it since %(date)s)"))
    jonas.close()

    gro = Phone(browser, server, language, w.guardian)
    page = gro.page
    gro.goto(detail)
    expect(page.get_by_role("heading", level=1)).to_have_text("Jonas Ung")
    expect(page.locator("main")).not_to_contain_text(secret)
    gro.goto(consent_page)
    page.get_by_role("link", name="العربية").click()
    text = page.get_by_role("region", name=f"{_('About the relay log and consent')} (العربية)")
    expect(text.locator(".consent-text__body[dir=rtl][lang=ar]")).to_contain_text("سجل التتابع")
    gro.look("consent-arabic")
    gro.close()

    # Jonas consents alone at 16: his mother reads (he let her), but asking is his. He asks.
    jonas = Phone(browser, server, language, w.youth)
    page = jonas.page
    jonas.goto(consent_page)
    change = page.get_by_role("region", name=_("Change who takes part"))
    change.get_by_label(_("Let another service take part")).check()
    change.get_by_label(_("Which service")).select_option(label="Testvik skule")
    change.get_by_label(_("Message to the coordinator (if you want)")).fill(c["ask"])
    change.get_by_role("button", name=_("Send to the coordinator")).click()
    jonas.saved(_("The coordinator is asked. You see the answer here on the consent page."))
    jonas.look("youth-consent-asked")
    jonas.close()

    coordinator = Phone(browser, server, language, w.employee, desk)
    page = coordinator.page
    coordinator.goto("/")
    asks = page.get_by_role("region", name=_("Families asking to change their consent"))
    expect(asks).to_contain_text(_("Asks that %(unit)s may take part.", unit="Testvik skule"))
    coordinator.look("coordinator-home-requests")
    coordinator.goto(detail)
    expect(page.locator("#timeline")).to_contain_text(secret)
    page.get_by_role("link", name=_("Answer on the consent page")).click()
    requests = page.get_by_role("region", name=_("The family asks to change the consent"))
    expect(requests).to_be_visible()
    coordinator.look("coordinator-consent-requests")
    requests.get_by_role("button", name=_("Add %(unit)s", unit="Testvik skule")).click()
    coordinator.saved(
        _("%(unit)s is added to the consent as the family asked.", unit="Testvik skule")
    )
    coordinator.close()
    facts = log_facts(as_actor(w.employee), log)
    assert w.school.id in facts.scope_unit_ids

    # The administrator's page for the texts.
    admin = Phone(browser, server, language, w.admin, desk)
    page = admin.page
    admin.goto("/municipality/")
    page.get_by_role("link", name=_("Consent texts in more languages")).click()
    expect(page.get_by_role("region", name=_("Texts"))).to_contain_text("العربية")
    admin.look("admin-consent-texts")
    page.get_by_role("link", name=_("Change %(name)s", name="العربية")).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    admin.look("admin-consent-text-edit")
    admin.close()
