"""Issue 6, the family's side, on a phone (390×844) in headless Chromium against the live
server.

Gro (Mia's mother) logs in with her password, reads the relay log (a summary in plain
words at the top: who helps us, what we work towards, what is being done, the next
meeting with a calendar file), adds a bright spot, opens "Who has read our log" and sees
Eva's (the coordinator's) earlier read, renews the consent, then withdraws it. Siri (a
participant) is refused at her next request. axe-core checks every page.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Response,
    ViewportSize,
    expect,
    sync_playwright,
)

from stafett.audit.log import verify_chain
from stafett.audit.models import AccessLogEntry
from stafett.consent.models import Consent
from stafett.consent.services import give_consent, request_consent
from stafett.logs.models import EntryKind
from stafett.logs.services import add_entry, add_participant, start_log
from stafett.policy import Actor, build_actor, log_facts
from tests import factories as f
from tests.conftest import World
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, SHOTS, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE: ViewportSize = {"width": 390, "height": 844}
GOAL = "Mia leikar saman med andre barn kvar dag"
MEASURE = "Fast vaksen i frileiken"
TASK = "Kontaktlærar, førebur skulestarten"
BRIGHT_SPOT = "Mia song for heile klassen i dag!"


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


class Phone:
    """Gro's own phone: a fresh browser context reading the pages in English, collecting
    CSP violations, script errors and page resources the server could not deliver."""

    def __init__(self, browser: Browser, server: str) -> None:
        self.server = server
        self.context = browser.new_context(viewport=PHONE, locale="nb-NO", accept_downloads=True)
        self.context.add_cookies(
            [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": server}]
        )
        self.page: Page = self.context.new_page()
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

    def check(self, name: str) -> None:
        """axe-core on the page, and a full-page screenshot for people to look at."""
        assert_accessible(self.page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"family-{name}.png"), full_page=True)

    def saved(self, message: str) -> None:
        expect(self.page.locator(".messages")).to_contain_text(message)
        expect(self.page.locator(".errorlist, .form-errors")).to_have_count(0)

    def close(self) -> None:
        assert self.problems == [], "\n".join(self.problems)
        self.context.close()


def test_a_guardian_on_her_phone_reads_writes_sees_who_read_renews_and_withdraws(
    live_server: Any, browser: Browser, transactional_db: Any, world: World
) -> None:
    w = world
    server = str(live_server.url)
    today = timezone.localdate()
    # A log in force: Eva coordinates, Siri (school) takes part, Gro consented.
    eva = as_actor(w.employee)
    log = start_log(actor=eva, subject=w.child, unit=w.kindergarten, level=2)
    consent = request_consent(
        actor=eva,
        log=log,
        purpose="Samarbeid mellom barnehage og skule om Mia.",
        valid_from=today,
        valid_to=today + datetime.timedelta(days=20),  # expiring soon: time to renew
        units=[w.kindergarten, w.school],
        method=Consent.Method.DIGITAL,
    )
    give_consent(actor=as_actor(w.guardian), consent=consent)
    log.refresh_from_db()
    add_participant(actor=eva, log=log, user=w.school_employee, unit=w.school, task=TASK)
    add_entry(actor=eva, log=log, kind=EntryKind.GOAL, title=GOAL, body="")
    add_entry(
        actor=eva,
        log=log,
        kind=EntryKind.MEASURE,
        title=MEASURE,
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

    gro = Phone(browser, server)
    page = gro.page

    # --- Gro logs in on her phone. ---------------------------------------------------
    page.goto(f"{server}/login/")
    gro.check("login")
    page.get_by_label("Username").fill(w.guardian.username)
    page.get_by_label("Password").fill(f.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{server}/")
    expect(page.get_by_role("heading", name="Mia Mor")).to_be_visible()
    gro.check("home")

    # --- She reads the log: the summary speaks plainly. ------------------------------
    page.get_by_role("link", name="Relay log", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia Mor")
    helpers = page.get_by_role("region", name="Who helps us")
    expect(helpers).to_contain_text("Eva Tilsett")
    expect(helpers).to_contain_text(TASK)
    expect(page.get_by_role("region", name="What we are working towards")).to_contain_text(GOAL)
    doing = page.get_by_role("region", name="What is being done, and by whom")
    expect(doing).to_contain_text(MEASURE)
    expect(doing).to_contain_text("Siri Lærar (Testvik skule) is responsible.")
    meeting = page.get_by_role("region", name="Next meeting")
    expect(meeting).to_contain_text(meeting_at.strftime("%d.%m.%Y") + " 14:00")
    gro.check("log")
    with page.expect_download() as download_info:
        meeting.get_by_role("link", name="Add to calendar").click()
    ics = open(download_info.value.path(), encoding="utf-8").read()  # noqa: SIM115
    assert "BEGIN:VEVENT" in ics
    assert f"DTSTART;TZID=Europe/Oslo:{meeting_at:%Y%m%d}T140000" in ics
    assert "Solsida barnehage" in ics

    # --- She adds a bright spot. -----------------------------------------------------
    expect(page.get_by_role("region", name="Who takes part")).to_have_count(0)  # said above
    expect(page.locator(".notice")).to_contain_text("Your consent runs out on")
    bright = page.get_by_role("region", name="Bright spots – what went well")
    bright.get_by_role("link", name="Add a bright spot").click()
    gro.check("bright-spot")
    page.get_by_label("What went well?").fill(BRIGHT_SPOT)
    page.get_by_role("button", name="Save in the log").click()
    gro.saved("Saved in the log.")
    expect(bright).to_contain_text(BRIGHT_SPOT)

    # --- Who has read our log: Eva's earlier read, and her own. -----------------------
    page.get_by_role("link", name="Who has read our log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who has read our log")
    reads = page.get_by_role("region", name="Reads, newest first")
    expect(reads).to_contain_text("Eva Tilsett, coordinator, Solsida barnehage")
    expect(reads).to_contain_text("Siri Lærar, participant, Testvik skule")
    expect(reads).to_contain_text("Gro Mor, guardian")
    expect(reads).to_contain_text("Who has read the log")  # this very visit
    gro.check("who-has-read")
    page.get_by_text("Show only one person or a period").click()
    page.get_by_label("Person").select_option(label="Eva Tilsett")
    page.get_by_role("button", name="Show").click()
    expect(reads).to_contain_text("Eva Tilsett")
    expect(reads).not_to_contain_text("Siri Lærar")
    expect(reads).not_to_contain_text("Gro Mor")

    # --- She renews the consent, then withdraws it. -----------------------------------
    page.get_by_role("link", name="Back to the log for Mia").click()
    page.get_by_role("navigation", name="More about the log").get_by_role(
        "link", name="Your consent"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your consent")
    gro.check("consent")
    renew = page.get_by_role("region", name="Renew your consent")
    renew.get_by_role("button", name="Yes, renew my consent").click()
    gro.saved("Thank you. The consent is renewed until")
    renewal = Consent.objects.filter(log=log).order_by("-id").first()
    assert renewal is not None and renewal.completed_at is not None
    assert renewal.replaces_id == consent.id

    page.get_by_role("link", name="Withdraw my consent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw your consent?")
    expect(page.locator("main")).to_contain_text("The services can no longer read or write")
    gro.check("withdraw")
    page.get_by_role("button", name="Yes, withdraw my consent").click()
    gro.saved("The consent is withdrawn.")
    gro.check("consent-withdrawn")
    gro.close()

    # --- Siri got "your access has ended", with nothing of the log in it. -------------
    ended = [m for m in mail.outbox if w.school_employee.email in m.to]
    assert [m.subject for m in ended][-1:] == ["Stafett: your access has ended"]
    message = ended[-1]
    assert isinstance(message, EmailMultiAlternatives)
    bodies = [str(message.body)] + [str(content) for content, _ in message.alternatives]
    for body in bodies:
        assert "has ended" in body
        for secret in ("Mia", "Mor", "Testvik skule", "Solsida", BRIGHT_SPOT, GOAL, TASK):
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


class Session(Phone):
    """A person already logged in (staff past the one-time code), on a phone or a desk."""

    def __init__(self, browser: Browser, server: str, user: Any, viewport: ViewportSize) -> None:
        super().__init__(browser, server)
        if viewport != PHONE:
            self.page.set_viewport_size(viewport)
        client = f.login(f.english_client(), user)
        session = client.cookies[django_settings.SESSION_COOKIE_NAME]
        self.context.add_cookies(
            [{"name": session.key, "value": session.value, "url": server, "httpOnly": True}]
        )


def test_the_youths_own_voice_and_the_familys_requests_in_their_language(
    live_server: Any, browser: Browser, transactional_db: Any, world: World
) -> None:
    """Jonas (16) writes for his coordinator only after reading what that means; Gro (his
    mother) does not see it, reads about consent in Arabic and asks for a new service;
    Eva (the coordinator) sees his words and answers Gro's request."""
    w = world
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
    secret = "Eg vil snakke med deg åleine om heime."

    jonas = Session(browser, server, w.youth, PHONE)
    page = jonas.page
    page.goto(server + detail)
    page.get_by_role("link", name="Write in your own words").click()
    help_box = page.get_by_role("region", name="Before you write")
    expect(help_box).to_contain_text("the law says your coordinator must tell child welfare")
    jonas.check("youth-voice")
    page.get_by_label("What do you want to say?").fill(secret)
    page.get_by_label("For my coordinator only").check()
    page.get_by_role("button", name="Save in the log").click()
    jonas.saved("Saved in the log.")
    expect(page.locator("#timeline")).to_contain_text(secret)
    expect(page.locator("#timeline")).to_contain_text("For the coordinator only")
    jonas.close()

    # Jonas consents alone (issue 10): his mother sees nothing of the log until he lets
    # her; her home says only that he decides.
    gro = Session(browser, server, w.guardian, PHONE)
    page = gro.page
    page.goto(server + "/")
    expect(page.locator("main")).to_contain_text("Jonas decides alone")
    expect(page.locator(f"a[href='{detail}']")).to_have_count(0)
    gro.check("guardian-of-youth-home")
    response = page.goto(server + detail)
    assert response is not None and response.status == 404
    gro.close()

    jonas = Session(browser, server, w.youth, PHONE)
    page = jonas.page
    page.goto(server + f"/logs/{log.uuid}/consent/")
    share = page.get_by_role("region", name="Who in your family may read the log")
    expect(share).to_contain_text("Your guardians see nothing of the log")
    share.get_by_label("Gro Mor").check()
    jonas.check("youth-share-choice")
    share.get_by_role("button", name="Save my choice").click()
    jonas.saved("Saved. These may now read the log: Gro Mor.")
    expect(page.get_by_role("region", name="Who in your family may read the log")).to_contain_text(
        "can read it since"
    )
    jonas.close()

    gro = Session(browser, server, w.guardian, PHONE)
    page = gro.page
    page.goto(server + detail)
    expect(page.get_by_role("heading", level=1)).to_have_text("Jonas Ung")
    expect(page.locator("main")).not_to_contain_text(secret)
    page.goto(server + f"/logs/{log.uuid}/consent/")
    page.get_by_role("link", name="العربية").click()
    text = page.get_by_role("region", name="About the relay log and consent (العربية)")
    expect(text.locator(".consent-text__body[dir=rtl][lang=ar]")).to_contain_text("سجل التتابع")
    gro.check("consent-arabic")
    gro.close()

    # Jonas consents alone at 16: his mother reads (he let her), but asking is his. He asks.
    jonas = Session(browser, server, w.youth, PHONE)
    page = jonas.page
    page.goto(server + f"/logs/{log.uuid}/consent/")
    change = page.get_by_role("region", name="Change who takes part")
    change.get_by_label("Let another service take part").check()
    change.get_by_label("Which service").select_option(label="Testvik skule")
    change.get_by_label("Message to the coordinator (if you want)").fill("Læraren min bør vite.")
    change.get_by_role("button", name="Send to the coordinator").click()
    jonas.saved("The coordinator is asked.")
    jonas.check("youth-consent-asked")
    jonas.close()

    coordinator = Session(browser, server, w.employee, {"width": 1024, "height": 800})
    page = coordinator.page
    page.goto(server + "/")
    asks = page.get_by_role("region", name="Families asking to change their consent")
    expect(asks).to_contain_text("Asks that Testvik skule may take part.")
    coordinator.check("coordinator-home-requests")
    page.goto(server + detail)
    expect(page.locator("#timeline")).to_contain_text(secret)
    page.get_by_role("link", name="Answer on the consent page").click()
    requests = page.get_by_role("region", name="The family asks to change the consent")
    coordinator.check("coordinator-consent-requests")
    requests.get_by_role("button", name="Add Testvik skule").click()
    coordinator.saved("Testvik skule is added to the consent as the family asked.")
    coordinator.close()
    facts = log_facts(as_actor(w.employee), log)
    assert w.school.id in facts.scope_unit_ids

    # The administrator's page for the texts.
    admin = Session(browser, server, w.admin, {"width": 1024, "height": 800})
    page = admin.page
    page.goto(server + "/municipality/")
    page.get_by_role("link", name="Consent texts in more languages").click()
    expect(page.get_by_role("region", name="Texts")).to_contain_text("العربية")
    admin.check("admin-consent-texts")
    page.get_by_role("link", name="Change العربية").click()
    admin.check("admin-consent-text-edit")
    admin.close()
