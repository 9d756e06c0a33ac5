"""The demo's relay logs show the whole model (issue 4, item 11)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from stafett.accounts.models import User
from stafett.consent.models import Consent, ConsentGiver, ConsentState
from stafett.demo.logs import DEMO_LOG_KEYS
from stafett.demo.services import demo_uuid, load_demo
from stafett.logs.models import (
    Entry,
    EntryKind,
    EntryVersion,
    Handover,
    MeasureStatus,
    MeetingKind,
    Participant,
    RelayLog,
    VoiceMode,
)
from stafett.policy import current_consent
from tests import factories as f


@pytest.fixture
def demo(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # The seven stories only: the year of history for the statistics (demo/history.py)
    # has its own tests (tests/stats/test_demo_history.py).
    monkeypatch.setattr("stafett.demo.history.load_demo_history", lambda **kwargs: None)
    load_demo()


def log_of(key: str) -> RelayLog:
    log: RelayLog = RelayLog.objects.select_related("subject", "coordinator", "unit").get(
        uuid=demo_uuid("log", key)
    )
    return log


def state(log: RelayLog) -> ConsentState:
    _consent, consent_state = current_consent(log)
    assert consent_state is not None
    return consent_state  # type: ignore[no-any-return]


def counts() -> dict[str, int]:
    return {
        model.__name__: model._default_manager.count()
        for model in (RelayLog, Entry, EntryVersion, Consent, ConsentGiver, Participant, Handover)
    }


def test_the_demo_has_a_log_at_each_level(demo: None) -> None:
    open_logs = RelayLog.objects.filter(status=RelayLog.Status.ACTIVE)
    assert set(open_logs.values_list("level", flat=True)) == {1, 2, 3}
    assert len(DEMO_LOG_KEYS) == RelayLog.objects.count() == 7
    lukas = log_of("tveit.lukas")
    assert lukas.level == 3
    assert Entry.objects.filter(log=lukas, kind=EntryKind.DECISION, latest__to_level=3).exists()


def test_emmas_log_is_in_handover_from_kindergarten_to_school(demo: None) -> None:
    emma = log_of("hansen.emma")
    handover = Handover.objects.select_related("to_user", "to_unit").get(
        log=emma, status=Handover.Status.PENDING
    )
    assert handover.is_open()
    assert emma.unit.name == "Fjordvik barnehage"
    assert (handover.to_user.username, handover.to_unit.name) == ("larar.skule", "Fjordvik skule")
    # The school waits for the family's confirmation before it gets access.
    consent, _ = current_consent(emma)
    assert consent.scope.filter(unit__name="Fjordvik skule", confirmed_at__isnull=True).exists()


def test_the_demo_has_consent_expiring_in_two_weeks_withdrawn_and_a_closed_log(
    demo: None,
) -> None:
    sara = log_of("berg.sara")
    consent, _ = current_consent(sara)
    assert state(sara) is ConsentState.EXPIRING
    assert consent.valid_to == timezone.localdate() + datetime.timedelta(days=14)
    ida = log_of("dahl.ida")
    assert state(ida) is ConsentState.WITHDRAWN
    maja = log_of("haugen.maja")
    assert maja.status == RelayLog.Status.CLOSED and maja.close_reason == "goals_met"
    assert maja.closed_at is not None and maja.closed_at < timezone.now()


def test_jonas_consents_himself_and_writes_his_own_voice(demo: None) -> None:
    jonas = log_of("lie.jonas")
    consent, _ = current_consent(jonas)
    giver = consent.givers.get()
    assert giver.is_subject and giver.person.username == "ungdom.lie"
    assert giver.given_at is not None
    assert Entry.objects.filter(
        log=jonas, kind=EntryKind.CHILD_VOICE, latest__voice_mode=VoiceMode.OWN
    ).exists()


def test_every_demo_log_has_a_history(demo: None) -> None:
    today = timezone.localdate()
    for log in RelayLog.objects.all():
        kinds = set(Entry.objects.filter(log=log).values_list("kind", flat=True))
        assert {EntryKind.MEETING, EntryKind.UNDERSTANDING, EntryKind.GOAL} <= kinds, log
        assert Entry.objects.filter(
            log=log, kind=EntryKind.MEETING, latest__meeting_kind=MeetingKind.START_UP
        ).exists()
        # The history lies in the past, oldest first.
        first = Entry.objects.filter(log=log).order_by("created_at").first()
        assert first is not None and first.created_at < timezone.now() - datetime.timedelta(days=4)
    assert Entry.objects.filter(kind=EntryKind.EVALUATION).count() >= 5
    assert Entry.objects.filter(kind=EntryKind.BRIGHT_SPOT).count() >= 5
    assert Entry.objects.filter(kind=EntryKind.CHILD_VOICE).count() >= 4
    assert Entry.objects.filter(
        kind=EntryKind.MEETING, latest__meeting_kind=MeetingKind.EVALUATION
    ).exists()
    evaluated = Entry.objects.filter(
        kind=EntryKind.MEASURE, latest__measure_status=MeasureStatus.EVALUATED
    )
    assert evaluated.count() >= 4
    overdue = Entry.objects.filter(
        kind=EntryKind.MEASURE,
        latest__measure_status__in=[MeasureStatus.PLANNED, MeasureStatus.RUNNING],
        latest__evaluation_date__lt=today,
        log__status=RelayLog.Status.ACTIVE,
    )
    assert overdue.count() == 1
    assert overdue.get().log == log_of("tveit.lukas")


def test_loading_the_demo_twice_gives_the_same_logs(db: Any) -> None:
    from stafett.demo.history import HISTORY

    load_demo()
    first = counts()
    uuids = set(RelayLog.objects.values_list("uuid", flat=True))
    load_demo()
    assert counts() == first
    assert set(RelayLog.objects.values_list("uuid", flat=True)) == uuids
    stories = {demo_uuid("log", key) for key in DEMO_LOG_KEYS}
    history = {demo_uuid("history-log", p.key) for p in HISTORY if p.log_level}
    assert uuids == stories | history


EXPECTED_ON_HOME = {
    "foresatt.hansen": ["Emma Hansen", "Noah Hansen", "Fjordvik skule asks to take part"],
    "ungdom.lie": ["Jonas Lie", "Astrid Rønning"],
    "gravid.dahl": ["Ida Dahl", "Withdrawn"],
    "larar.skule": ["Sara Berg", "Noah Hansen", "Handovers waiting for you"],
    "leiar.skule": ["N. H.,", "S. B.,"],
    "helsesjukepleiar": ["Jonas Lie", "Lukas Tveit", "Overdue"],
}


def test_the_demo_personas_homes_show_their_logs(demo: None, client: Any, settings: Any) -> None:
    settings.STAFETT_DEMO = True
    for username, expected in EXPECTED_ON_HOME.items():
        client.logout()
        f.login(client, User.objects.get(username=username))
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.get("/")
        assert response.status_code == 200, username
        html = response.content.decode()
        for text in expected:
            assert text in html, (username, text)


def test_the_demos_consents_are_dated_as_the_timeline_tells(demo: None) -> None:
    """Issue 11, item 22: consents were stamped with the time the demo was loaded, so a
    consent page said "consented today" and Ida's consent was given after it was withdrawn."""
    loaded = timezone.now() - datetime.timedelta(minutes=5)
    for consent in Consent.objects.filter(completed_at__isnull=False):
        givers = list(ConsentGiver.objects.filter(consent=consent, given_at__isnull=False))
        assert givers, consent
        for giver in givers:
            assert giver.given_at is not None
            assert giver.given_at >= consent.created_at
            assert consent.completed_at is not None and giver.given_at <= consent.completed_at
            if consent.withdrawn_at is not None:
                assert giver.given_at < consent.withdrawn_at
        # A consent given well before today is not dated today.
        if consent.created_at < loaded - datetime.timedelta(days=2):
            assert consent.completed_at < loaded, consent


def test_the_demos_meetings_are_on_workdays_and_past_ones_invite_nobody(demo: None) -> None:
    from stafett.notifications.models import Kind, Notification

    now = timezone.now()
    meetings = EntryVersion.objects.filter(entry__kind=EntryKind.MEETING, starts_at__isnull=False)
    assert meetings.exists()
    for version in meetings:
        assert version.starts_at is not None
        assert timezone.localtime(version.starts_at).weekday() < 5, version.starts_at
    past = {v.entry_id for v in meetings if v.starts_at is not None and v.starts_at < now}
    assert past
    invited = set(Notification.objects.filter(kind=Kind.MEETING).values_list("entry_id", flat=True))
    assert not invited & past


def test_jonas_mother_sees_nothing_of_his_log_until_he_shares_it(
    demo: None, client: Any, settings: Any
) -> None:
    """The demo's guardian of a youth who consents alone (issue 10): Kjersti Lie."""
    from stafett.consent.services import share_with_guardians
    from tests.logs.conftest import as_actor

    settings.STAFETT_DEMO = True
    jonas_log = log_of("lie.jonas")
    kjersti = User.objects.get(username="kjersti.lie")
    f.login(client, kjersti)
    detail = f"/logs/{jonas_log.uuid}/"
    html = client.get("/").content.decode()
    assert "Jonas decides alone" in html and detail not in html
    assert client.get(detail).status_code == 404
    share_with_guardians(
        actor=as_actor(User.objects.get(username="ungdom.lie")),
        log=jonas_log,
        guardian_uuids=[str(kjersti.uuid)],
    )
    assert client.get(detail).status_code == 200
    assert detail in client.get("/").content.decode()
