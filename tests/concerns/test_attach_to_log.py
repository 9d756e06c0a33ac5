"""Issue 11, item 14: the named child already has an open relay log.

Going on at level 1–3 would start a second log (refused). Instead the concern is attached
to the existing log by its coordinator, who chooses what the family will read, with a
preview. Someone else is told only that the log exists, where and who coordinates it (to
share the concern with them), and that telling is access-logged."""

from __future__ import annotations

import datetime
from html import unescape
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from stafett.audit.models import AccessLogEntry
from stafett.concerns import services
from stafett.concerns.carry import CarryChoice
from stafett.concerns.models import Concern, ConcernRecord, Outcome, RecordKind
from stafett.consent.models import Consent
from stafett.consent.services import give_consent, request_consent
from stafett.core.errors import ServiceError
from stafett.logs.models import Entry, EntryVersion, RelayLog
from stafett.logs.services import add_participant, start_log
from tests import factories as f
from tests.concerns.conftest import as_actor, register
from tests.conftest import World
from tests.markup_checks import visible_text as markup_text

pytestmark = pytest.mark.django_db


def visible_text(html: str) -> str:
    """The page's text as a reader sees it (entities such as &#x27; read as characters)."""
    return unescape(markup_text(html))


SIRI_SAW = "Mia søv i timane og har ikkje matpakke."
EVA_SAW = "Mia gret då ho vart henta."


def url(name: str, concern: Concern) -> str:
    return reverse(f"concerns:{name}", kwargs={"concern": concern.uuid})


def in_language(client: Any, language: str) -> Any:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def active_log(world: World) -> RelayLog:
    return make_active_log(world)


def make_active_log(world: World) -> RelayLog:
    """Mia's log in force (as tests/logs/conftest.py): Eva coordinates, the consent of Gro
    (the mother) covers the kindergarten and the school, Siri takes part."""
    eva = as_actor(world.employee)
    log = start_log(actor=eva, subject=world.child, unit=world.kindergarten, level=2)
    consent = request_consent(
        actor=eva,
        log=log,
        purpose="Samarbeid mellom barnehage og skule om Mia.",
        valid_from=timezone.localdate(),
        valid_to=timezone.localdate() + datetime.timedelta(days=180),
        units=[world.kindergarten, world.school],
        method=Consent.Method.DIGITAL,
    )
    give_consent(actor=as_actor(world.guardian), consent=consent)
    add_participant(
        actor=eva, log=log, user=world.school_employee, unit=world.school, task="Kontaktlærar"
    )
    log.refresh_from_db()
    return log


def carried(log: RelayLog) -> list[EntryVersion]:
    return list(
        EntryVersion.objects.filter(entry__log=log, event_type="concern.carried").order_by("id")
    )


@pytest.fixture
def evas_concern(world: World, active_log: RelayLog) -> Concern:
    """Eva coordinates Mia's log and registers a concern about Mia herself."""
    eva = as_actor(world.employee)
    concern = register(world, label="", subject=world.child)
    services.add_observation(actor=eva, concern=concern, body=EVA_SAW)
    services.share_concern(actor=eva, concern=concern, user=world.leader)
    services.add_view(actor=as_actor(world.leader), concern=concern, body="Eg har sett det same.")
    return concern


@pytest.fixture
def siris_concern(world: World, active_log: RelayLog) -> Concern:
    """Siri (school) registers a concern about Mia, whose log Eva coordinates."""
    siri = as_actor(world.school_employee)
    concern = services.register_concern(
        actor=siri,
        unit=world.school,
        kind=Concern.Kind.CHILD,
        label="",
        noticed="Mia kjem trøytt på skulen.",
        noticed_on=timezone.localdate() - datetime.timedelta(days=2),
        subject=world.child,
    )
    services.add_observation(actor=siri, concern=concern, body=SIRI_SAW)
    return concern


# --- the coordinator attaches their own concern -------------------------------------------


def test_the_decide_page_offers_the_coordinator_to_attach_instead(
    world: World, evas_concern: Concern, login_as: Any
) -> None:
    text = visible_text(login_as(world.employee).get(url("decide", evas_concern)).content.decode())
    assert "This child already has a relay log" in text
    assert "You coordinate it. Instead of starting a new log, attach this concern" in text
    assert (
        url("attach", evas_concern)
        in login_as(world.employee).get(url("decide", evas_concern)).content.decode()
    )


def test_attaching_writes_the_chosen_pieces_closes_the_concern_and_logs_it(
    world: World,
    active_log: RelayLog,
    evas_concern: Concern,
    login_as: Any,
) -> None:
    log = active_log
    client = login_as(world.employee)
    page = client.get(url("attach", evas_concern)).content.decode()
    assert "Attach the concern to the relay log" in page and EVA_SAW in page
    view = evas_concern.records.get(kind=RecordKind.VIEW)
    observation = evas_concern.records.get(kind=RecordKind.OBSERVATION)
    keys = ["noticed", f"record-{observation.id}", f"record-{view.id}", "reason"]
    data = {"reason": "Vi held fram i loggen til Mia.", "carry": keys}
    # The preview shows exactly that, and changes nothing.
    preview = client.post(url("attach", evas_concern), {**data, "preview": "1"})
    text = visible_text(preview.content.decode())
    assert "When you attach the concern, the relay log gets these entries at once:" in text
    assert "Eg har sett det same." in text and "Vi held fram i loggen til Mia." in text
    assert not carried(log)
    before = Entry.objects.filter(log=log).count()

    response = client.post(url("attach", evas_concern), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("logs:detail", kwargs={"log": log.uuid})
    pieces = carried(log)
    assert [(p.author, p.body) for p in pieces] == [
        (world.employee, evas_concern.noticed),
        (world.employee, EVA_SAW),
        (world.leader, "Eg har sett det same."),
        (world.employee, "Vi held fram i loggen til Mia."),
    ]
    assert pieces[2].author_role == "unit_leader"
    event = EntryVersion.objects.get(entry__log=log, event_type="concern.attached")
    assert "Solsida barnehage" in event.body and "4" in event.body
    assert Entry.objects.filter(log=log).count() == before + 5
    evas_concern.refresh_from_db()
    assert evas_concern.status == Concern.Status.LOG and evas_concern.log == log
    assert evas_concern.carried_at is not None and not evas_concern.is_open
    decision = evas_concern.records.get(kind=RecordKind.DECISION)
    assert decision.outcome == Outcome.ATTACH and decision.author == world.employee
    actions = set(
        AccessLogEntry.objects.filter(actor=world.employee).values_list("action", flat=True)
    )
    assert {"concern.attach", "log.concern_attached"} <= actions
    row = AccessLogEntry.objects.get(action="log.concern_attached")
    assert row.object_uuid == log.uuid and row.subject_uuid == world.child.uuid
    # The family reads what was carried, in the log.
    family = visible_text(
        login_as(world.guardian)
        .get(reverse("logs:detail", kwargs={"log": log.uuid}))
        .content.decode()
    )
    assert EVA_SAW in family and "Eg har sett det same." in family
    # The concern's page now says so; the concern cannot be attached twice.
    detail = visible_text(
        login_as(world.employee).get(url("detail", evas_concern)).content.decode()
    )
    assert "Attached to the child's relay log" in detail
    assert login_as(world.employee).get(url("attach", evas_concern)).status_code == 403


def test_nothing_ticked_carries_nothing_but_says_the_concern_was_attached(
    world: World,
    active_log: RelayLog,
    evas_concern: Concern,
) -> None:
    services.attach_to_log(
        actor=as_actor(world.employee), concern=evas_concern, carry=CarryChoice()
    )
    assert not carried(active_log)
    assert EntryVersion.objects.filter(event_type="concern.attached").count() == 1


def test_bad_input_attaches_nothing(
    world: World,
    active_log: RelayLog,
    evas_concern: Concern,
    login_as: Any,
) -> None:
    other = register(world, label="Ein annan")
    foreign = services.add_observation(actor=as_actor(world.employee), concern=other, body="x")
    before = Entry.objects.filter(log=active_log).count()
    with pytest.raises(ServiceError):
        services.attach_to_log(
            actor=as_actor(world.employee),
            concern=evas_concern,
            carry=CarryChoice(record_ids=frozenset({foreign.id})),
        )
    response = login_as(world.employee).post(
        url("attach", evas_concern), {"carry": ["record-abc", "nonsense"], "reason": "x"}
    )
    assert response.status_code == 200
    assert Entry.objects.filter(log=active_log).count() == before
    evas_concern.refresh_from_db()
    assert evas_concern.is_open and evas_concern.log is None
    assert not evas_concern.records.filter(kind=RecordKind.DECISION).exists()


def test_going_on_at_a_level_for_a_child_with_a_log_starts_no_second_log(
    world: World, evas_concern: Concern, login_as: Any
) -> None:
    services.record_family_talk(
        actor=as_actor(world.employee),
        concern=evas_concern,
        told_who="Gro",
        told_on=timezone.localdate(),
        with_child=False,
        said="Ho er samd.",
    )
    response = login_as(world.employee).post(
        url("decide", evas_concern), {"outcome": "level", "level": "2", "reason": "Vidare."}
    )
    assert response.status_code == 200
    assert "This child already has a relay log, so a new one cannot start." in (
        response.content.decode()
    )
    assert RelayLog.objects.filter(subject=world.child).count() == 1
    evas_concern.refresh_from_db()
    assert evas_concern.is_open


def test_attach_is_not_a_decision_on_the_decide_page(
    world: World, evas_concern: Concern, login_as: Any
) -> None:
    client = login_as(world.employee)
    page = client.get(url("decide", evas_concern)).content.decode()
    assert 'value="attach"' not in page
    response = client.post(url("decide", evas_concern), {"outcome": "attach", "reason": "x"})
    assert response.status_code == 200
    with pytest.raises(ServiceError):
        services.decide_concern(
            actor=as_actor(world.employee), concern=evas_concern, outcome="attach", reason="x"
        )
    evas_concern.refresh_from_db()
    assert evas_concern.is_open and evas_concern.status == Concern.Status.OPEN
    assert not evas_concern.records.filter(kind=RecordKind.DECISION).exists()


# --- someone else's concern: told whom to share it with, nothing more ------------------


def test_another_employee_is_told_who_coordinates_and_nothing_else(
    world: World,
    active_log: RelayLog,
    siris_concern: Concern,
    login_as: Any,
) -> None:
    client = login_as(world.school_employee)
    page = client.get(url("decide", siris_concern)).content.decode()
    text = visible_text(page)
    assert (
        "Its coordinator, Eva Tilsett at Solsida barnehage, can attach this concern to it: "
        "share the concern with them." in text
    )
    assert url("attach", siris_concern) not in page
    # Not the log's address, level, consent, participants or content.
    assert str(active_log.uuid) not in page
    assert "Kontaktlærar" not in text and "Samarbeid mellom" not in text
    row = AccessLogEntry.objects.filter(action="log.coordinator_shown").latest("id")
    assert row.actor_id == world.school_employee.id
    assert row.object_uuid == siris_concern.uuid and row.subject_uuid == world.child.uuid
    assert row.reason == f"relay log {active_log.uuid}"
    # The family's list of who read their log does not show it (no level-0 concern there).
    family = login_as(world.guardian).get(
        reverse("logs:access_list", kwargs={"log": active_log.uuid})
    )
    assert family.status_code == 200 and "Siri" not in visible_text(family.content.decode())
    client = login_as(world.school_employee)
    # Siri may not attach it herself (an insider of the concern: 403).
    assert client.get(url("attach", siris_concern)).status_code == 403
    with pytest.raises(PermissionDenied):
        services.attach_to_log(
            actor=as_actor(world.school_employee), concern=siris_concern, carry=CarryChoice()
        )


def test_the_share_list_offers_the_coordinator_who_then_attaches(
    world: World,
    active_log: RelayLog,
    siris_concern: Concern,
    login_as: Any,
) -> None:
    client = login_as(world.school_employee)
    page = client.get(url("share", siris_concern)).content.decode()
    first = page.index("<optgroup")
    assert page.index("Can attach the concern to the child&#x27;s relay log") < page.index(
        "<optgroup", first + 1
    )
    assert "Eva Tilsett (coordinator of the child&#x27;s relay log, Solsida barnehage)" in page
    response = client.post(url("share", siris_concern), {"whom": f"person:{world.employee.uuid}"})
    assert response.status_code == 302

    eva = login_as(world.employee)
    detail = eva.get(url("detail", siris_concern)).content.decode()
    assert url("attach", siris_concern) in detail
    observation = siris_concern.records.get(kind=RecordKind.OBSERVATION)
    response = eva.post(url("attach", siris_concern), {"carry": [f"record-{observation.id}"]})
    assert response.status_code == 302
    (piece,) = carried(active_log)
    assert (piece.author, piece.author_role, piece.author_unit, piece.body) == (
        world.school_employee,
        "employee",
        world.school,
        SIRI_SAW,
    )
    siris_concern.refresh_from_db()
    assert siris_concern.status == Concern.Status.LOG
    record = ConcernRecord.objects.get(concern=siris_concern, kind=RecordKind.DECISION)
    assert record.author == world.employee and record.outcome == Outcome.ATTACH


def test_the_consent_must_cover_the_concerns_unit(
    world: World,
    active_log: RelayLog,
    login_as: Any,
) -> None:
    station = f.make_unit(world.municipality, "Testvik helsestasjon")
    hanne = f.make_user(world.municipality, username="hanne", first_name="Hanne")
    f.add_membership(hanne, station)
    concern = services.register_concern(
        actor=as_actor(hanne),
        unit=station,
        kind=Concern.Kind.CHILD,
        label="",
        noticed="Lite vektauke.",
        noticed_on=timezone.localdate(),
        subject=world.child,
    )
    services.share_concern(actor=as_actor(hanne), concern=concern, user=world.employee)
    client = login_as(world.employee)
    text = visible_text(client.get(url("attach", concern)).content.decode())
    assert "The family's consent does not cover Testvik helsestasjon" in text
    before = Entry.objects.filter(log=active_log).count()
    response = client.post(url("attach", concern), {"carry": ["noticed"]})
    assert response.status_code == 200
    assert Entry.objects.filter(log=active_log).count() == before
    concern.refresh_from_db()
    assert concern.is_open


def test_a_concern_on_the_violence_path_is_never_attached(
    world: World, evas_concern: Concern, login_as: Any
) -> None:
    services.take_violence_path(actor=as_actor(world.employee), concern=evas_concern)
    client = login_as(world.employee)
    assert client.get(url("attach", evas_concern)).status_code == 403
    assert "already has a relay log" not in client.get(url("decide", evas_concern)).content.decode()


@pytest.mark.parametrize("persona", ["admin", "guardian", "youth", "other_staff", "leader"])
def test_outsiders_of_the_concern_get_404(
    world: World, siris_concern: Concern, login_as: Any, persona: str
) -> None:
    assert login_as(getattr(world, persona)).get(url("attach", siris_concern)).status_code == 404


# --- in nynorsk and bokmål --------------------------------------------------------------


def test_the_pages_read_in_nynorsk_and_bokmal(
    world: World, evas_concern: Concern, siris_concern: Concern, login_as: Any
) -> None:
    eva = in_language(login_as(world.employee), "nn")
    text = visible_text(eva.get(url("decide", evas_concern)).content.decode())
    assert "Barnet har alt ein stafettlogg" in text
    assert "Kople uroa til stafettloggen" in text
    text = visible_text(eva.get(url("attach", evas_concern)).content.decode())
    assert "Det familien skal lese i stafettloggen" in text
    assert "Kople til uroa" in text
    siri = in_language(login_as(world.school_employee), "nn")
    text = visible_text(siri.get(url("decide", siris_concern)).content.decode())
    assert "Stafetthaldaren, Eva Tilsett ved Solsida barnehage, kan kople denne uroa til" in text
    siri = in_language(siri, "nb")
    text = visible_text(siri.get(url("decide", siris_concern)).content.decode())
    assert (
        "Stafettholderen, Eva Tilsett ved Solsida barnehage, kan koble denne bekymringen til"
        in text
    )
