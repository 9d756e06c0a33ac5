"""The log's history lines read in the reader's language and say what happened
(issue 11, items 2 and 9).

A history line is stored as its kind and its parameters (`logs.events`), so that a
guardian reading in nynorsk sees nynorsk whatever language the person who acted used;
rows written before keep reading. A renewal says who renewed and whether it counts yet.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from stafett.accounts.models import User
from stafett.consent.models import Consent
from stafett.consent.services import (
    give_consent,
    renew_by_family,
    request_consent,
    share_with_guardians,
    withdraw_consent,
)
from stafett.logs import events
from stafett.logs.models import Entry, EntryKind, EntryVersion, RelayLog
from stafett.logs.services import start_log
from tests import factories as f
from tests.conftest import World
from tests.logs.conftest import LogWorld, as_actor
from tests.markup_checks import visible_text


def read(client: Client, user: User, language: str, url: str) -> str:
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    f.login(client, user)
    response = client.get(url)
    assert response.status_code == 200
    return visible_text(response.content.decode())


def detail(log: RelayLog) -> str:
    return reverse("logs:detail", kwargs={"log": log.uuid})


def history(log: RelayLog) -> str:
    """The log's events only (the timeline's filter)."""
    return detail(log) + "?kind=event"


def day(value: datetime.date) -> str:
    return value.strftime("%d.%m.%Y")


def event(log: RelayLog, event_type: str) -> EntryVersion:
    version = (
        EntryVersion.objects.filter(entry__log=log, event_type=event_type)
        .order_by("-created_at", "-id")
        .first()
    )
    assert version is not None
    return version


# --- Item 2: the reader's language ------------------------------------------------------


def test_a_youth_withdrawing_in_english_reads_in_nynorsk_and_bokmal_for_the_guardian(
    world: World, client: Client
) -> None:
    """Jonas (16) withdraws in English; later he consents anew and lets his mother Gro
    read the log. She reads his withdrawal in her own language, with no English."""
    f.add_guardian(world.youth_subject, world.guardian)
    eva = as_actor(world.employee)
    jonas = as_actor(world.youth)
    today = timezone.localdate()

    def ask() -> Consent:
        return request_consent(
            actor=eva,
            log=log,
            purpose="Samarbeid om Jonas.",
            valid_from=today,
            valid_to=today + datetime.timedelta(days=180),
            units=[world.kindergarten],
            method=Consent.Method.DIGITAL,
        )

    log = start_log(actor=eva, subject=world.youth_subject, unit=world.kindergarten, level=1)
    with translation.override("en"):
        give_consent(actor=jonas, consent=ask())
        withdraw_consent(actor=jonas, log=log)
        give_consent(actor=jonas, consent=ask())
        share_with_guardians(actor=jonas, log=log, guardian_uuids=[str(world.guardian.uuid)])
    stored = event(log, "consent.withdrawn")
    assert stored.event_params == {"variant": "youth", "person": "Jonas Ung"}

    nn = read(client, world.guardian, "nn", history(log))
    assert (
        "Jonas Ung, ungdommen sjølv, trekte tilbake samtykket. "
        "Tenestene har ikkje lenger tilgang til loggen." in nn
    )
    assert "Jonas Ung gav samtykke." in nn
    assert "Jonas lèt desse føresette lese loggen: Gro Mor." in nn
    for english in ("withdrew", "gave their consent", "Consent for", "Relay log started"):
        assert english not in nn
    nb = read(client, world.guardian, "nb", history(log))
    assert (
        "Jonas Ung, ungdommen selv, trakk tilbake samtykket. "
        "Tjenestene har ikke lenger tilgang til loggen." in nb
    )
    assert "Jonas Ung ga samtykke." in nb
    assert "withdrew" not in nb and "trekte" not in nb


def test_an_english_reader_reads_english_lines_written_by_a_nynorsk_user(
    world: World, client: Client
) -> None:
    eva = as_actor(world.employee)
    today = timezone.localdate()
    end = today + datetime.timedelta(days=90)
    with translation.override("nn"):
        log = start_log(actor=eva, subject=world.child, unit=world.kindergarten, level=2)
        consent = request_consent(
            actor=eva,
            log=log,
            purpose="Samarbeid om Mia.",
            valid_from=today,
            valid_to=end,
            units=[world.kindergarten, world.school],
            method=Consent.Method.DIGITAL,
        )
        give_consent(actor=as_actor(world.guardian), consent=consent)

    en = read(client, world.guardian, "en", history(log))
    assert "Relay log started." in en
    assert f"Consent for Solsida barnehage, Testvik skule, {day(today)}–{day(end)}." in en
    assert "Gro Mor gave their consent." in en
    assert "The consent is in force." in en
    for nynorsk in ("Stafettloggen", "Samtykke", "samtykke", "gjeld"):
        assert nynorsk not in en
    # The employee reads the same lines in English too, on the print page as well.
    printed = read(client, world.employee, "en", reverse("logs:print", kwargs={"log": log.uuid}))
    assert "Gro Mor gave their consent." in printed and "Samtykke" not in printed


def test_a_history_line_stores_parameters_not_translated_text(active_log: LogWorld) -> None:
    version = event(active_log.log, "consent.requested")
    today = timezone.localdate()
    assert version.event_params == {
        "units": ["Solsida barnehage", "Testvik skule"],
        "start": today.isoformat(),
        "end": (today + datetime.timedelta(days=180)).isoformat(),
    }
    # The body keeps the line in English, whatever the writer's language was.
    assert version.body.startswith("Consent for Solsida barnehage, Testvik skule, ")
    joined = event(active_log.log, "participant.added")
    assert joined.event_params == {
        "person": "Siri Lærar",
        "unit": "Testvik skule",
        "task": "Kontaktlærar ved skulestart",
    }
    with translation.override("nb"):
        line = events.line(joined.event_type, joined.event_params, joined.body)
    assert line.text == "Siri Lærar (Testvik skule) ble med: Kontaktlærar ved skulestart"


def test_the_demo_history_follows_the_readers_language(
    db: Any, client: Client, settings: Any
) -> None:
    from stafett.demo.services import demo_uuid, load_demo

    settings.STAFETT_DEMO = True  # demo users log in only in a demo installation
    load_demo()
    log = RelayLog.objects.get(uuid=demo_uuid("log", "hansen.noah"))
    mother = User.objects.get(username="foresatt.hansen")
    assert not EntryVersion.objects.filter(
        entry__kind=EntryKind.EVENT, event_params__isnull=True
    ).exclude(event_type="concern.carried")
    en = read(client, mother, "en", history(log))
    assert "Relay log started." in en and "The consent is in force." in en
    assert "gave their consent." in en
    for nynorsk in ("Stafettloggen er starta.", "Samtykke gitt.", "Samtykket gjeld"):
        assert nynorsk not in en
    nb = read(client, mother, "nb", history(log))
    assert "Stafettloggen er startet." in nb
    assert "Stafettloggen er starta." not in nb and "gave their consent" not in nb
    nn = read(client, mother, "nn", history(log))
    assert "gav samtykke." in nn and "gave their consent" not in nn


def _old_row(log: RelayLog, event_type: str, body: str) -> Entry:
    """An event as written before the registry: the text in the writer's language only."""
    entry = Entry.objects.create(log=log, kind=EntryKind.EVENT, version_count=1)
    version = EntryVersion.objects.create(
        entry=entry,
        number=1,
        author_name="Eva Tilsett",
        author_role="coordinator",
        event_type=event_type,
        body=body,
    )
    entry.latest = version
    entry.save(update_fields=["latest"])
    return entry


def test_old_rows_with_only_a_body_still_read(active_log: LogWorld, client: Client) -> None:
    log = active_log.log
    _old_row(log, "consent.given", "Samtykke gitt.")
    _old_row(log, "participant.added", "Kari Nordmann (Helsestasjonen) vart med: Helsesjukepleiar")
    _old_row(log, "something.long.gone", "Ei hending frå før.")
    gro = active_log.world.guardian

    en = read(client, gro, "en", history(log))
    # A text with no parameters is the old line in another language: shown anew.
    assert "Consent given." in en and "Samtykke gitt." not in en
    # Anything else is shown as written: nothing stored is lost.
    assert "Kari Nordmann (Helsestasjonen) vart med: Helsesjukepleiar" in en
    assert "Ei hending frå før." in en
    nb = read(client, gro, "nb", history(log))
    assert "Samtykke gitt." in nb  # the old msgid's bokmål text
    assert "Kari Nordmann (Helsestasjonen) vart med: Helsesjukepleiar" in nb


def test_a_line_kept_in_english_is_marked_with_its_language(
    active_log: LogWorld, client: Client
) -> None:
    """A new row whose kind the registry no longer knows shows its English body, marked
    lang="en" for a nynorsk reader."""
    entry = _old_row(active_log.log, "retired.kind", "Something that happened.")
    EntryVersion.objects.filter(pk=entry.latest_id).update(event_params={})
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nn"
    f.login(client, active_log.world.guardian)
    html = client.get(history(active_log.log)).content.decode()
    assert '<span lang="en">Something that happened.</span>' in html


# --- Item 9: the history says what happened ---------------------------------------------


def _second_guardian(world: World) -> User:
    kari = f.make_user(
        world.municipality,
        kind=User.Kind.CITIZEN,
        username="kari",
        first_name="Kari",
        last_name="Mor",
    )
    f.add_guardian(world.child, kari)
    return kari


def test_a_renewal_waiting_for_the_other_guardian_says_so(
    active_log: LogWorld, client: Client
) -> None:
    world = active_log.world
    _second_guardian(world)
    assert world.municipality.all_guardians_must_consent
    log = active_log.log
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nn"
    f.login(client, world.guardian)
    response = client.post(reverse("logs:consent_renew", kwargs={"log": log.uuid}), follow=True)
    flash = visible_text(response.content.decode())
    assert (
        "Takk. Du har fornya samtykket. Det fornya samtykket gjeld først når dei andre som "
        "må samtykkje, òg har svart (Kari Mor). Til då gjeld samtykket som vart gitt før." in flash
    )
    version = event(log, "consent.renewed_by_family")
    assert version.event_params is not None
    assert version.event_params["variant"] == "waiting"
    today = timezone.localdate()
    end = Consent.objects.get(log=log, completed_at__isnull=True).valid_to
    span = f"{day(today)}–{day(end)}"

    nn = read(client, world.guardian, "nn", history(log))
    assert (
        f"Gro Mor fornya samtykket for Solsida barnehage, Testvik skule, {span}. "
        "Det fornya samtykket gjeld først når dei andre som må samtykkje, òg har svart "
        "(Kari Mor). Til då gjeld samtykket som vart gitt før." in nn
    )
    assert "Familien fornya" not in nn
    en = read(client, world.guardian, "en", history(log))
    assert (
        f"Gro Mor renewed the consent for Solsida barnehage, Testvik skule, {span}. "
        "The renewal counts once the others who must consent have answered too (Kari Mor); "
        "until then the consent given before still counts." in en
    )
    assert "The family renewed" not in en


def test_a_renewal_complete_at_once_says_it_is_in_force(
    active_log: LogWorld, client: Client
) -> None:
    world = active_log.world
    log = active_log.log
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    f.login(client, world.guardian)
    response = client.post(reverse("logs:consent_renew", kwargs={"log": log.uuid}), follow=True)
    renewal = Consent.objects.filter(log=log).order_by("-id").first()
    assert renewal is not None and renewal.completed_at is not None
    span = f"{day(renewal.valid_from)}–{day(renewal.valid_to)}"
    assert f"Thank you. The consent is renewed until {day(renewal.valid_to)}." in visible_text(
        response.content.decode()
    )
    en = read(client, world.guardian, "en", history(log))
    assert (
        f"Gro Mor renewed the consent for Solsida barnehage, Testvik skule, {span}. "
        "The renewal is in force." in en
    )
    nn = read(client, world.guardian, "nn", history(log))
    assert (
        f"Gro Mor fornya samtykket for Solsida barnehage, Testvik skule, {span}. "
        "Det fornya samtykket gjeld no." in nn
    )


def test_a_youth_renewing_alone_is_named_as_the_young_person(world: World, client: Client) -> None:
    eva = as_actor(world.employee)
    today = timezone.localdate()
    log = start_log(actor=eva, subject=world.youth_subject, unit=world.kindergarten, level=1)
    consent = request_consent(
        actor=eva,
        log=log,
        purpose="Samarbeid om Jonas.",
        valid_from=today,
        valid_to=today + datetime.timedelta(days=60),
        units=[world.kindergarten],
        method=Consent.Method.DIGITAL,
    )
    give_consent(actor=as_actor(world.youth), consent=consent)
    with translation.override("en"):
        renewal = renew_by_family(actor=as_actor(world.youth), log=log)
    assert renewal.completed_at is not None
    span = f"{day(renewal.valid_from)}–{day(renewal.valid_to)}"

    nn = read(client, world.youth, "nn", history(log))
    assert (
        f"Jonas Ung, ungdommen sjølv, fornya samtykket for Solsida barnehage, {span}. "
        "Det fornya samtykket gjeld no." in nn
    )
    assert not re.search(r"[Ff]amilien fornya", nn)
    en = read(client, world.youth, "en", history(log))
    assert (
        f"Jonas Ung, the young person, renewed the consent for Solsida barnehage, {span}. "
        "The renewal is in force." in en
    )
    assert "family renewed" not in en.lower()


def test_the_withdrawal_names_who_withdrew_and_matches_the_message(
    active_log: LogWorld, client: Client
) -> None:
    world = active_log.world
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nn"
    f.login(client, world.guardian)
    url = reverse("logs:consent_withdraw", kwargs={"log": active_log.log.uuid})
    response = client.post(url, follow=True)
    assert "Samtykket er trekt tilbake." in visible_text(response.content.decode())
    nn = read(client, world.guardian, "nn", history(active_log.log))
    assert "Gro Mor trekte tilbake samtykket. Tenestene har ikkje lenger tilgang til loggen." in nn
    en = read(client, world.guardian, "en", history(active_log.log))
    assert "Gro Mor withdrew the consent. The services no longer have access to the log." in en


REGISTRIES = {
    "events": events.EVENTS,
    "carried": events.CARRIED_TITLES,
    "concern": events.CONCERN_LINES,
}


@pytest.mark.parametrize(
    ("registry", "event_type"),
    [(name, key) for name, registry in REGISTRIES.items() for key in sorted(registry)],
)
def test_every_kind_of_event_reads_in_each_language(registry: str, event_type: str) -> None:
    """Every registered line renders in nn, nb and en with sample parameters, and the
    nynorsk and bokmål lines are translated (not the English msgid)."""
    lines = REGISTRIES[registry]
    kind = lines[event_type]
    sample = {
        name: (
            datetime.date(2026, 3, 1)
            if how == events.DATE
            else ["Solsida barnehage", "Testvik skule"]
            if how == events.NAMES
            else "The consent cannot end before it starts."
            if how == events.MESSAGE
            else "Kari"
        )
        for name, how in kind.params.items()
    }
    for variant in ["", *kind.variants]:
        params = events.params_for(event_type, lines, variant=variant, **sample)
        with translation.override("en"):
            english = events.render(event_type, params, lines)
        assert "%(" not in english
        if events.DATE in kind.params.values():
            assert "01.03.2026" in english
        for language in ("nn", "nb"):
            with translation.override(language):
                text = events.render(event_type, params, lines)
            assert text != english, (event_type, variant, language)


def test_titles_carried_from_level_0_read_in_the_readers_language(
    world: World, client: Client
) -> None:
    """The pieces of a concern carried into the log keep the words people wrote, and
    their titles follow the reader's language (the guardian consented in English)."""
    from stafett.concerns import services as concerns
    from stafett.concerns.carry import CarryChoice
    from stafett.concerns.models import Concern

    eva = as_actor(world.employee)
    noticed_on = timezone.localdate() - datetime.timedelta(days=1)
    concern = concerns.register_concern(
        actor=eva,
        unit=world.kindergarten,
        kind=Concern.Kind.CHILD,
        label="Eit barn på Blå avdeling",
        noticed="Sit mykje åleine i leiken.",
        noticed_on=noticed_on,
        noticed_where="Uteleik",
        score=4,
    )
    observation = concerns.add_observation(actor=eva, concern=concern, body="Sat åleine.")
    # A form filled in English: the concern's line about it is the system's own text.
    from stafett.concerns.models import ConcernRecord
    from stafett.guides import services as guides
    from tests.guides.builders import make_tool

    with translation.override("en"):
        guides.fill_form_for_concern(
            actor=eva,
            version=make_tool(world).versions.get(number=1),
            concern=concern,
            language="nn",
            answers={},
        )
    form_line = ConcernRecord.objects.get(concern=concern, params__line="form_filled")
    concern = concerns.name_subject(actor=eva, concern=concern, subject=world.child)
    concerns.record_family_talk(
        actor=eva,
        concern=concern,
        told_who="Gro (mor)",
        told_on=timezone.localdate(),
        with_child=False,
        said="Mor har sett det same.",
    )
    concerns.decide_concern(
        actor=eva,
        concern=concern,
        outcome="level",
        reason="Treng samarbeid.",
        level=2,
        carry=CarryChoice(
            noticed=True, reason=True, record_ids=frozenset({observation.id, form_line.id})
        ),
    )
    concern.refresh_from_db()
    log = concern.log
    assert log is not None
    with translation.override("en"):
        give_consent(actor=as_actor(world.guardian), consent=Consent.objects.get(log=log))
    today = day(timezone.localdate())

    nn = read(client, world.guardian, "nn", history(log))
    assert f"Frå uroa (nivå 0): Dette vart lagt merke til {day(noticed_on)} (Uteleik)" in nn
    # The decision's outcome is a choice's label: translated when shown, too.
    assert (
        f"Frå uroa (nivå 0): Avgjerd {today}: Gå vidare på nivå 1, 2 eller 3 med ein stafettlogg"
        in nn
    )
    assert "Sit mykje åleine i leiken." in nn and "Treng samarbeid." in nn
    assert "Fylte ut skjemaet «" in nn
    assert "Filled in the form" not in nn
    en = read(client, world.guardian, "en", history(log))
    assert f"From the concern (level 0): What was noticed {day(noticed_on)} (Uteleik)" in en
    assert f"From the concern (level 0): Observation {today}" in en
    assert (
        f"From the concern (level 0): Decision {today}: Go on at level 1, 2 or 3 with a relay log"
        in en
    )
    assert "Frå uroa" not in en and "Observasjon " not in en
    assert "Filled in the form “" in en
