"""Consent pages in a further language the family chose (issue 11, item 8): every part the
municipality has written in that language is shown in it, with `lang` and `dir`; every
part it has not (the consequences, the buttons) says plainly that it is in the page's
language. The guardian reads about the child's information, the youth about their own."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from stafett.consent.models import Consent
from stafett.consent.services import give_consent, request_consent, save_consent_text
from stafett.logs.services import start_log
from tests.conftest import World
from tests.logs.conftest import LogWorld, as_actor
from tests.markup_checks import visible_text

NOT_WRITTEN_PL = (
    '(English — the municipality has no text for this in <span lang="pl" dir="ltr">Polski</span>)'
)


def add_text(world: World, language: str, **parts: str) -> None:
    save_consent_text(
        actor=as_actor(world.admin),
        municipality=world.municipality,
        language=language,
        information=parts.pop("information", f"Informacja ({language})"),
        consent_statement=parts.pop("consent_statement", f"Zgadzam się ({language})"),
        **parts,
    )


def withdraw_page(client: Any, log: Any, text: str = "", language: str = "en") -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    url = reverse("logs:consent_withdraw", kwargs={"log": log.uuid})
    response = client.get(url + (f"?text={text}" if text else ""))
    assert response.status_code == 200
    return str(response.content.decode())


def test_withdraw_in_polish_without_the_consequences_says_they_are_in_english(
    active_log: LogWorld, login_as: Any
) -> None:
    add_text(active_log.world, "pl")
    html = withdraw_page(login_as(active_log.world.guardian), active_log.log, "pl")
    # Said once at the top, and beside the list and the button it concerns.
    assert 'You chose to read in <span lang="pl" dir="ltr">Polski</span>.' in html
    assert "Everything else on this page is in English" in html
    consequences = html[html.index('<ul class="consent-consequences">') :]
    list_end = consequences.index("</ul>")
    assert NOT_WRITTEN_PL in consequences[list_end : list_end + 300]
    assert html.count(NOT_WRITTEN_PL) == 2  # the list and the button
    button = re.search(r'<button type="submit" class="button--danger lc-big">(.*?)</button>', html)
    assert button is not None and button.group(1) == "Yes, withdraw my consent"
    # The guardian is told about the child's information, not "about you".
    text = visible_text(html)
    assert "share information about Mia with each other" in text
    assert "information about you" not in text


def test_withdraw_in_arabic_with_the_municipalitys_words_shows_them_right_to_left(
    active_log: LogWorld, login_as: Any
) -> None:
    add_text(
        active_log.world,
        "ar",
        withdraw_text="إذا سحبت موافقتك لا تستطيع الخدمات قراءة السجل.",
        withdraw_button="نعم، أسحب موافقتي",
    )
    html = withdraw_page(login_as(active_log.world.guardian), active_log.log, "ar")
    assert ('<div class="consent-text__statement" lang="ar" dir="rtl"><p>إذا سحبت موافقتك') in html
    assert (
        '<button type="submit" class="button--danger lc-big"><span lang="ar" dir="rtl">'
        'نعم، أسحب موافقتي</span><span class="button__also">Yes, withdraw my consent</span>'
        "</button>"
    ) in html
    # Only Stafett's own list of what happens is still in English, and it says so.
    note = '(English — the municipality has no text for this in <span lang="ar" dir="rtl">'
    assert html.count(note) == 1
    assert '<input type="hidden" name="text" value="ar">' in html


def test_withdraw_in_the_pages_own_language_has_no_notes(
    active_log: LogWorld, login_as: Any
) -> None:
    add_text(active_log.world, "pl")
    html = withdraw_page(login_as(active_log.world.guardian), active_log.log, language="nn")
    assert "text-fallback" not in html and "Polski</span>." not in html
    text = visible_text(html)
    assert "dele opplysningar om Mia med kvarandre" in text
    assert "opplysningar om deg" not in text
    html = withdraw_page(login_as(active_log.world.guardian), active_log.log, language="nb")
    assert "dele opplysninger om Mia med hverandre" in visible_text(html)


def test_the_nynorsk_page_in_polish_says_its_parts_are_in_nynorsk(
    active_log: LogWorld, login_as: Any
) -> None:
    add_text(active_log.world, "pl")
    html = withdraw_page(login_as(active_log.world.guardian), active_log.log, "pl", "nn")
    assert "Alt anna på denne sida er på nynorsk" in html
    assert "(nynorsk — kommunen har ikkje skrive dette på" in html


def test_the_youth_who_consents_alone_reads_about_their_own_information(
    world: World, login_as: Any
) -> None:
    eva = as_actor(world.employee)
    log = start_log(actor=eva, subject=world.youth_subject, unit=world.kindergarten, level=2)
    today = timezone.localdate()
    consent = request_consent(
        actor=eva,
        log=log,
        purpose="Samarbeid.",
        valid_from=today,
        valid_to=today + datetime.timedelta(days=90),
        units=[world.kindergarten],
        method=Consent.Method.DIGITAL,
    )
    give_consent(actor=as_actor(world.youth), consent=consent)
    html = withdraw_page(login_as(world.youth), log, language="nn")
    assert "dele opplysningar om deg med kvarandre" in visible_text(html)


def test_the_consent_page_in_polish_marks_the_buttons_the_municipality_has_not_written(
    active_log: LogWorld, login_as: Any
) -> None:
    add_text(active_log.world, "pl", renew_button="Tak, odnawiam zgodę")
    client = login_as(active_log.world.guardian)
    url = reverse("logs:consent", kwargs={"log": active_log.log.uuid})
    html = client.get(url + "?text=pl").content.decode()
    assert 'You chose to read in <span lang="pl" dir="ltr">Polski</span>.' in html
    assert (
        '<div lang="pl" dir="ltr" class="consent-text__body"><p>Informacja (pl)</p></div>' in html
    )
    assert (
        '<span lang="pl" dir="ltr">Tak, odnawiam zgodę</span>'
        '<span class="button__also">Yes, renew my consent</span>'
    ) in html
    # The link to withdraw is the page's words, and says so.
    withdraw = html[html.index("Withdraw my consent</a>") :]
    assert withdraw.index(NOT_WRITTEN_PL) < 200
    # Without a chosen language, no notes at all.
    plain = client.get(url).content.decode()
    assert "text-fallback" not in plain and "button__also" not in plain


def test_the_administrator_writes_the_button_words(active_log: LogWorld, login_as: Any) -> None:
    admin = login_as(active_log.world.admin)
    response = admin.post(
        reverse("organisation:consent_texts"),
        {
            "language": "pl",
            "information": "Informacja",
            "consent_statement": "Zgadzam się",
            "consent_button": "Tak, wyrażam zgodę",
            "withdraw_button": "Tak, wycofuję zgodę",
        },
    )
    assert response.status_code == 302
    html = withdraw_page(login_as(active_log.world.guardian), active_log.log, "pl")
    assert '<span lang="pl" dir="ltr">Tak, wycofuję zgodę</span>' in html
    assert html.count(NOT_WRITTEN_PL) == 1  # only the list of what happens
