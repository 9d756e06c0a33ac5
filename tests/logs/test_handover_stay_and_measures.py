"""Handing the baton over, the rest of issue 11 (items 15 and 16): the old coordinator may
stay on as a participant (only for a unit the family's consent covers), the measures
they hold are handed on (new versions, in the acceptance's transaction), and the page
where the baton is offered says, before "Accept" is pressed, whether the family must
still confirm the new coordinator's unit.

Eva (kindergarten) coordinates Mia's log; Siri (school) takes part and is offered the
baton; Hanne (school) takes part too."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from stafett.consent.models import Consent, ConsentUnit
from stafett.consent.services import give_consent, narrow_scope, request_consent
from stafett.core.errors import ServiceError
from stafett.logs.models import (
    Entry,
    EntryKind,
    Handover,
    MeasureStatus,
    Participant,
    RelayLog,
)
from stafett.logs.services import (
    MeasureChoice,
    add_entry,
    add_participant,
    answer_handover,
    edit_entry,
    propose_handover,
    remove_participant,
    start_log,
)
from stafett.notifications.models import Notification
from tests import factories as f
from tests.archive.walk import ready_document
from tests.conftest import World
from tests.logs.conftest import LogWorld, as_actor
from tests.markup_checks import other_standard_words, visible_text
from tests.policy.log_table import VALID
from tests.policy.walker import iter_routes

NOTE = "Mia søv betre no."
SECRET_VOICE = "Berre for Eva: eg gruar meg til skulen."


@pytest.fixture(autouse=True)
def _history_in_english() -> Any:
    """Services write history lines in the active language; a page read in nynorsk
    leaves nynorsk active in the test's thread, so the services here run in English."""
    with translation.override("en"):
        yield


def client_in(language: str, user: Any) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    f.login(client, user)
    return client


def propose_url(log: RelayLog) -> str:
    return reverse("logs:handover_propose", kwargs={"log": log.uuid})


def answer_url(handover: Handover) -> str:
    return reverse(
        "logs:handover_answer", kwargs={"log": handover.log.uuid, "handover": handover.uuid}
    )


def detail_url(log: RelayLog) -> str:
    return reverse("logs:detail", kwargs={"log": log.uuid})


def measure(
    log: RelayLog, title: str, responsible: Any, status: str = MeasureStatus.RUNNING
) -> Entry:
    today = timezone.localdate()
    return add_entry(
        actor=as_actor(log.coordinator),
        log=log,
        kind=EntryKind.MEASURE,
        title=title,
        responsible=responsible,
        start_date=today,
        evaluation_date=today + datetime.timedelta(days=30),
        measure_status=status,
    )


@pytest.fixture
def hanne(active_log: LogWorld) -> Any:
    """A second participant at the school (in the consent)."""
    w = active_log.world
    person = f.make_user(w.municipality, username="hanne", first_name="Hanne", last_name="Helse")
    f.add_membership(person, w.school)
    add_participant(
        actor=as_actor(w.employee), log=active_log.log, user=person, unit=w.school, task="Helse"
    )
    return person


def form_data(lw: LogWorld, **extra: str) -> dict[str, str]:
    w = lw.world
    return {
        "unit": str(w.school.uuid),
        "person": str(w.school_employee.uuid),
        "message": "Kan du ta over?",
        **extra,
    }


def measure_fields(entry: Entry, choice: str, version: int | None = None) -> dict[str, str]:
    return {
        f"measure_{entry.uuid}": choice,
        f"version_{entry.uuid}": str(version if version is not None else entry.version_count),
    }


# --- Item 15: the form --------------------------------------------------------------


def test_the_form_offers_staying_on_and_lists_her_running_measures(
    active_log: LogWorld, hanne: Any
) -> None:
    log = active_log.log
    w = active_log.world
    running = measure(log, "Eva les med Mia", w.employee)
    measure(log, "Eit stoppa tiltak", w.employee, MeasureStatus.STOPPED)
    measure(log, "Siri sitt tiltak", w.school_employee)
    url = propose_url(log) + f"?unit={w.school.uuid}"
    html = client_in("en", w.employee).get(url).content.decode()
    assert "I stay on in the log as a participant" in html
    assert "My task when I stay on" in html
    assert "who takes each one?" in html
    assert "Eva les med Mia" in html
    assert "Eit stoppa tiltak" not in html and "Siri sitt tiltak" not in html
    # The choices: the new coordinator, Eva herself (if she stays), Hanne who takes part.
    assert "I keep it (only if I stay on)" in html
    assert "Hanne Helse (Testvik skule)" in html
    assert f'name="version_{running.uuid}"' in html
    html = client_in("nn", w.employee).get(url).content.decode()
    assert "Eg blir verande i loggen som aktør" in html
    assert "Oppgåva mi når eg blir verande" in html
    assert "kven tek kvart av dei?" in html
    assert "Den nye stafetthaldaren" in html
    assert other_standard_words(visible_text(html), "nn") == []


def test_staying_on_is_not_offered_when_the_consent_leaves_out_her_unit(
    active_log: LogWorld,
) -> None:
    """The consent always names the coordinator's unit when it is given (the services
    see to it); the unit is taken out of the scope's rows directly here, to show what
    the form says if it ever is not there."""
    log, w = active_log.log, active_log.world
    ConsentUnit.objects.filter(unit=w.kindergarten).update(removed_at=timezone.now())
    url = propose_url(log) + f"?unit={w.school.uuid}"
    html = client_in("en", w.employee).get(url).content.decode()
    assert "I stay on in the log as a participant" not in html
    assert (
        "Eva Tilsett cannot stay on in the log as a participant after the handover: Solsida "
        "barnehage is not in the family's consent, so nobody there may read the log." in html
    )
    html = client_in("nb", w.employee).get(url).content.decode()
    assert "kan ikke bli værende i loggen som aktør etter overføringen" in html
    assert other_standard_words(visible_text(html), "nb") == []
    # Asked anyway, the service refuses and nothing is proposed.
    translation.activate("en")
    with pytest.raises(ServiceError, match="cannot stay on as a participant"):
        propose_handover(
            actor=as_actor(w.employee),
            log=log,
            to_user=w.school_employee,
            to_unit=w.school,
            message="Kan du ta over?",
            stays=True,
            stay_task="Følgjer opp",
        )
    assert not Handover.objects.exists()


# --- Item 15: the access story --------------------------------------------------------


def _youth_log(world: World) -> RelayLog:
    """Jonas (16, consents alone) at the kindergarten, coordinated by Eva, with the
    school in the consent; he wrote something for his coordinator only."""
    eva = as_actor(world.employee)
    log = start_log(actor=eva, subject=world.youth_subject, unit=world.kindergarten, level=2)
    consent = request_consent(
        actor=eva,
        log=log,
        purpose="Samarbeid om Jonas.",
        valid_from=timezone.localdate(),
        valid_to=timezone.localdate() + datetime.timedelta(days=180),
        units=[world.kindergarten, world.school],
        method=Consent.Method.DIGITAL,
    )
    give_consent(actor=as_actor(world.youth), consent=consent)
    log.refresh_from_db()
    add_entry(actor=eva, log=log, kind=EntryKind.NOTE, body=NOTE)
    add_entry(
        actor=as_actor(world.youth),
        log=log,
        kind=EntryKind.CHILD_VOICE,
        body=SECRET_VOICE,
        coordinator_only=True,
    )
    return log


def test_after_staying_on_she_reads_as_a_participant_until_the_consent_drops_her_unit(
    world: World,
) -> None:
    log = _youth_log(world)
    eva = client_in("en", world.employee)
    assert SECRET_VOICE in eva.get(detail_url(log)).content.decode()
    response = eva.post(
        propose_url(log),
        {
            "unit": str(world.school.uuid),
            "person": str(world.school_employee.uuid),
            "message": "Kan du ta over?",
            "stays": "on",
            "stay_task": "Følgjer opp i barnehagen",
        },
    )
    assert response.status_code == 302
    handover = Handover.objects.get(log=log)
    assert handover.from_stays
    siri = client_in("en", world.school_employee)
    assert siri.post(answer_url(handover), {"answer": "accept"}).status_code == 302
    log.refresh_from_db()
    assert log.coordinator == world.school_employee
    part = Participant.objects.current().get(log=log, user=world.employee)
    assert (part.unit, part.task) == (world.kindergarten, "Følgjer opp i barnehagen")
    # Eva reads the log as a participant: the content, not what Jonas kept for his
    # coordinator, and no links to manage the log.
    html = eva.get(detail_url(log)).content.decode()
    assert NOTE in html
    assert SECRET_VOICE not in html
    assert "stays on in the log as a participant: Følgjer opp i barnehagen" in html
    for name in ("participants", "handover_propose", "move", "consent"):
        assert reverse(f"logs:{name}", kwargs={"log": log.uuid}) not in html
    assert eva.get(propose_url(log)).status_code == 403
    # The new coordinator reads what Jonas wrote for his coordinator.
    assert SECRET_VOICE in siri.get(detail_url(log)).content.decode()
    # The consent no longer covers the kindergarten: Eva's reading ends at once.
    narrow_scope(actor=as_actor(world.school_employee), log=log, unit=world.kindergarten)
    response = eva.get(detail_url(log))
    assert response.status_code == 403
    assert NOTE not in response.content.decode()


def _log_urls(log: RelayLog, handover: Handover, entry: Entry) -> list[tuple[str, str]]:
    """Every relay-log URL of the walk's table (starting a new log concerns no log)."""
    consent = Consent.objects.filter(log=log).first()
    assert consent is not None
    participant = Participant.objects.filter(log=log).first()
    assert participant is not None
    values = {
        "log": log.uuid,
        "entry": entry.uuid,
        "kind": "note",
        "consent": consent.uuid,
        "unit": log.unit.uuid,
        "participant": participant.uuid,
        "handover": handover.uuid,
        "meeting": entry.uuid,
        "request_id": handover.uuid,
        # The archive document of the log (issue 12): a ready one, so its URLs are real.
        "document": ready_document(log).uuid,
    }
    urls = []
    for route in iter_routes():
        if route.name not in VALID or route.name == "logs:start":
            continue
        url = reverse(route.name, kwargs={k: values[k] for k in route.kwargs})
        urls += [(route.name, url)]
    return urls


def test_after_leaving_she_meets_404_on_every_log_url(active_log: LogWorld) -> None:
    log, w = active_log.log, active_log.world
    note = add_entry(actor=as_actor(w.employee), log=log, kind=EntryKind.NOTE, body=NOTE)
    eva = client_in("en", w.employee)
    assert eva.get(detail_url(log)).status_code == 200
    handover = propose_handover(
        actor=as_actor(w.employee),
        log=log,
        to_user=w.school_employee,
        to_unit=w.school,
        message="Kan du ta over?",
    )
    answer_handover(actor=as_actor(w.school_employee), handover=handover, accept=True)
    assert not Participant.objects.current().filter(log=log, user=w.employee).exists()
    urls = _log_urls(log, handover, note)
    assert len(urls) > 25
    for name, url in urls:
        for method in ("GET", "POST"):
            expected = VALID[name][method]["employee"]
            response = eva.get(url) if method == "GET" else eva.post(url, {})
            wanted = 405 if expected == 405 else 404
            assert response.status_code == wanted, (method, name, response.status_code)


# --- Item 15: the measures ------------------------------------------------------------


def test_measures_go_where_the_proposer_chose_as_new_versions(
    active_log: LogWorld, hanne: Any
) -> None:
    log, w = active_log.log, active_log.world
    to_hanne = measure(log, "Helsesamtale kvar veke", w.employee)
    to_siri = measure(log, "Lesetrening", w.employee)
    kept = measure(log, "Eva følgjer opp heime", w.employee)
    eva = client_in("en", w.employee)
    data = form_data(active_log, stays="on", stay_task="Følgjer opp heime")
    data |= measure_fields(to_hanne, str(hanne.uuid))
    data |= measure_fields(to_siri, "new")
    data |= measure_fields(kept, "keep")
    assert eva.post(propose_url(log), data).status_code == 302
    # Nothing changes before the baton is taken: the page says what will happen.
    assert Entry.objects.get(pk=to_hanne.pk).version_count == 1
    html = eva.get(propose_url(log)).content.decode()
    assert "Who holds the measures after the handover" in html
    assert "Helsesamtale kvar veke – Hanne Helse" in html
    assert "Lesetrening – Siri Lærar (the new coordinator)" in html
    assert "Eva Tilsett stays on in the log as a participant" in html
    html = client_in("nn", w.employee).get(propose_url(log)).content.decode()
    assert "Kven som har tiltaka etter overføringa" in html
    assert "Lesetrening – Siri Lærar (den nye stafetthaldaren)" in html
    handover = Handover.objects.get()
    translation.activate("en")
    answer_handover(actor=as_actor(w.school_employee), handover=handover, accept=True)
    for entry, person, unit in (
        (to_hanne, hanne, w.school),
        (to_siri, w.school_employee, w.school),
    ):
        entry.refresh_from_db()
        assert entry.version_count == 2
        assert entry.latest is not None
        assert (entry.latest.responsible, entry.latest.responsible_unit) == (person, unit)
        assert entry.latest.title == entry.versions.get(number=1).title
    kept.refresh_from_db()
    assert kept.version_count == 1 and kept.latest is not None
    assert kept.latest.responsible == w.employee
    history = Entry.objects.get(log=log, latest__event_type="handover.measures")
    assert history.latest is not None
    assert "“Helsesamtale kvar veke” → Hanne Helse" in history.latest.body
    # Hanne is told, as on any change of who is responsible.
    assert Notification.objects.filter(
        recipient=hanne, kind="measure_assigned", entry=to_hanne
    ).exists()


def test_a_coordinator_who_leaves_without_choosing_leaves_no_measure_behind(
    active_log: LogWorld,
) -> None:
    log, w = active_log.log, active_log.world
    running = measure(log, "Lesetrening", w.employee)
    planned = measure(log, "Heimebesøk", w.employee, MeasureStatus.PLANNED)
    stopped = measure(log, "Avslutta", w.employee, MeasureStatus.STOPPED)
    handover = propose_handover(
        actor=as_actor(w.employee),
        log=log,
        to_user=w.school_employee,
        to_unit=w.school,
        message="Kan du ta over?",
    )
    # Written after the proposal, while Eva still holds the baton: handed on too.
    later = measure(log, "Nytt tiltak", w.employee)
    answer_handover(actor=as_actor(w.school_employee), handover=handover, accept=True)
    for entry in (running, planned, later):
        entry.refresh_from_db()
        assert entry.latest is not None and entry.latest.responsible == w.school_employee
    stopped.refresh_from_db()
    assert stopped.version_count == 1


def test_a_choice_for_someone_who_left_meanwhile_goes_to_the_new_coordinator(
    active_log: LogWorld, hanne: Any
) -> None:
    log, w = active_log.log, active_log.world
    entry = measure(log, "Helsesamtale", w.employee)
    handover = propose_handover(
        actor=as_actor(w.employee),
        log=log,
        to_user=w.school_employee,
        to_unit=w.school,
        message="Kan du ta over?",
        measures=[MeasureChoice(measure=entry.uuid, base_version=1, to_user=hanne)],
    )
    part = Participant.objects.current().get(log=log, user=hanne)
    remove_participant(actor=as_actor(w.employee), participant=part, message="")
    answer_handover(actor=as_actor(w.school_employee), handover=handover, accept=True)
    entry.refresh_from_db()
    assert entry.latest is not None and entry.latest.responsible == w.school_employee
    history = Entry.objects.get(log=log, latest__event_type="handover.measures")
    assert history.latest is not None
    assert "The one chosen for “Helsesamtale” no longer takes part" in history.latest.body


# --- Item 15: bad input changes nothing -------------------------------------------------


def test_handing_a_measure_to_someone_outside_the_log_changes_nothing(
    active_log: LogWorld,
) -> None:
    log, w = active_log.log, active_log.world
    entry = measure(log, "Lesetrening", w.employee)
    data = form_data(active_log) | measure_fields(entry, str(w.guardian.uuid))
    html = client_in("en", w.employee).post(propose_url(log), data).content.decode()
    assert "Choose the new coordinator or someone who takes part in this log." in html
    html = client_in("nn", w.employee).post(propose_url(log), data).content.decode()
    assert "Vel den nye stafetthaldaren eller nokon som er med i denne loggen." in html
    # Keeping a measure without staying on is refused too.
    data = form_data(active_log) | measure_fields(entry, "keep")
    html = client_in("en", w.employee).post(propose_url(log), data).content.decode()
    assert "A measure can be kept only by a coordinator who stays on." in html
    # The service refuses the same, whatever the form let through.
    translation.activate("en")
    with pytest.raises(ServiceError, match="does not take part in this log"):
        propose_handover(
            actor=as_actor(w.employee),
            log=log,
            to_user=w.school_employee,
            to_unit=w.school,
            message="Kan du ta over?",
            measures=[MeasureChoice(measure=entry.uuid, base_version=1, to_user=w.leader)],
        )
    assert not Handover.objects.exists()
    entry.refresh_from_db()
    assert entry.version_count == 1


def test_a_stale_form_after_someone_else_edited_the_measure_changes_nothing(
    active_log: LogWorld,
) -> None:
    log, w = active_log.log, active_log.world
    entry = measure(log, "Lesetrening", w.employee)
    seen = entry.version_count
    # While the form is open, the measure gets a new version.
    edit_entry(actor=as_actor(w.employee), entry=entry, base_version=seen, title="Lesing")
    data = form_data(active_log) | measure_fields(entry, "new", version=seen)
    html = client_in("en", w.employee).post(propose_url(log), data).content.decode()
    assert "Someone changed the measure “Lesing” while you were choosing." in html
    assert "Nothing was proposed" in html
    html = client_in("nn", w.employee).post(propose_url(log), data).content.decode()
    assert "Nokon endra tiltaket «Lesing» medan du valde." in html
    assert not Handover.objects.exists()
    entry.refresh_from_db()
    assert entry.version_count == 2


def test_the_propose_page_runs_the_same_queries_for_one_measure_or_five(
    active_log: LogWorld, hanne: Any
) -> None:
    log, w = active_log.log, active_log.world
    url = propose_url(log) + f"?unit={w.school.uuid}"
    eva = client_in("en", w.employee)
    measure(log, "Tiltak 0", w.employee)
    eva.get(url)  # warm caches (sessions, translations)
    with CaptureQueriesContext(connection) as one:
        assert eva.get(url).status_code == 200
    for i in range(1, 5):
        measure(log, f"Tiltak {i}", w.employee)
    with CaptureQueriesContext(connection) as five:
        html = eva.get(url).content.decode()
    assert "Tiltak 4" in html
    assert len(five) == len(one)


# --- Item 16: before "Accept" is pressed -------------------------------------------------


def test_the_acceptance_page_says_whether_the_family_must_still_confirm(
    active_log: LogWorld,
) -> None:
    log, w = active_log.log, active_log.world
    school2 = f.make_unit(w.municipality, "Nordvik skule")
    teacher = f.make_user(w.municipality, username="t2", first_name="Tor", last_name="Lærar")
    f.add_membership(teacher, school2)
    reading = measure(log, "Lesetrening", w.employee)
    measure(log, "Eva held fram med denne", w.employee)
    # Eva stays on: she keeps the measure she does not hand on.
    handover = propose_handover(
        actor=as_actor(w.employee),
        log=log,
        to_user=teacher,
        to_unit=school2,
        message="Kan du ta over?",
        stays=True,
        stay_task="Følgjer opp",
        measures=[MeasureChoice(measure=reading.uuid, base_version=1, to_user=None)],
    )
    tor = client_in("en", teacher)
    html = tor.get(answer_url(handover)).content.decode()
    assert "Must the family confirm you first?" in html
    assert (
        "Yes. The family has been asked to confirm that Nordvik skule may take part in the "
        "log, and has not answered yet. You cannot take over the baton until they have. "
        "Meanwhile Eva Tilsett keeps it and the work goes on as before." in html
    )
    assert 'value="accept"' not in html
    assert 'value="decline"' in html
    assert "Eva Tilsett stays on in the log as a participant." in html
    assert "One measure Eva Tilsett is responsible for becomes yours." in html
    assert "Lesetrening" not in html  # counted, not named: no content before accepting
    html = client_in("nn", teacher).get(answer_url(handover)).content.decode()
    assert "Må familien stadfeste deg først?" in html
    assert "Ja. Familien er beden om å stadfeste at Nordvik skule kan vere med i loggen" in html
    assert "Eitt tiltak som Eva Tilsett er ansvarleg for, blir ditt." in html
    assert other_standard_words(visible_text(html), "nn") == []
    html = client_in("nb", teacher).get(answer_url(handover)).content.decode()
    assert "Ja. Familien er bedt om å bekrefte at Nordvik skule kan være med i loggen" in html
    assert other_standard_words(visible_text(html), "nb") == []
    # The family said no to the school (the unit is out of the scope, nothing waits).
    waiting = ConsentUnit.objects.get(unit=school2)
    ConsentUnit.objects.filter(pk=waiting.pk).update(removed_at=timezone.now())
    html = tor.get(answer_url(handover)).content.decode()
    assert "Yes. Nordvik skule is not in the family's consent, and the family is not" in html
    assert 'value="accept"' not in html
    # Once the family has confirmed the school, the page says so, and the baton can move.
    ConsentUnit.objects.filter(pk=waiting.pk).update(removed_at=None, confirmed_at=timezone.now())
    html = tor.get(answer_url(handover)).content.decode()
    assert (
        "No. The family's consent already covers Nordvik skule, so you can take over "
        "the baton at once." in html
    )
    assert 'value="accept"' in html
    html = client_in("nn", teacher).get(answer_url(handover)).content.decode()
    assert "Nei. Samtykket frå familien dekkjer alt Nordvik skule" in html


def test_a_leader_who_does_not_read_the_log_proposes_without_seeing_its_measures(
    active_log: LogWorld,
) -> None:
    """The unit's leader may propose a handover (when the coordinator leaves, say) but
    reads no content: the page names no measure, says where they go, and the service
    refuses choices from them."""
    log, w = active_log.log, active_log.world
    entry = measure(log, "Lesetrening", w.employee)
    url = propose_url(log) + f"?unit={w.school.uuid}"
    html = client_in("en", w.leader).get(url).content.decode()
    assert "Lesetrening" not in html
    assert f"measure_{entry.uuid}" not in html
    assert (
        "The measures Eva Tilsett is responsible for go to the new coordinator when they "
        "accept (or stay with Eva Tilsett, if they stay on)." in html
    )
    assert "Eva Tilsett stays on in the log as a participant" in html
    html = client_in("nn", w.leader).get(url).content.decode()
    assert "Tiltaka som Eva Tilsett er ansvarleg for, går til den nye stafetthaldaren" in html
    translation.activate("en")
    with pytest.raises(ServiceError, match="Only someone who reads the log"):
        propose_handover(
            actor=as_actor(w.leader),
            log=log,
            to_user=w.school_employee,
            to_unit=w.school,
            message="Kan du ta over?",
            measures=[MeasureChoice(measure=entry.uuid, base_version=1, to_user=None)],
        )
    assert not Handover.objects.exists()
