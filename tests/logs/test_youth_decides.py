"""A youth who consents alone controls the log (issue 10 item 2).

Jonas is 16 and consents alone. Gro, his mother, has parental responsibility. Eva
(kindergarten) coordinates, Siri (school) takes part. Gro reads nothing of the log and
is told nothing about it until Jonas chooses to share it with her; then she reads, and
may do nothing else; when Jonas withdraws his consent, she reads nothing again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stafett.accounts.models import User
from stafett.audit.models import AccessLogEntry
from stafett.consent.models import Consent, GuardianShare
from stafett.consent.services import (
    give_consent,
    renew_by_family,
    request_consent,
    share_with_guardians,
    withdraw_consent,
)
from stafett.core.errors import ServiceError
from stafett.guides import services as guides
from stafett.logs.models import Entry, EntryKind, RelayLog
from stafett.logs.services import add_entry, add_participant, start_log
from stafett.notifications.models import Notification
from stafett.policy import Decision, decide, log_facts
from tests import factories as f
from tests.conftest import World
from tests.guides.builders import make_tool
from tests.logs.conftest import as_actor

SECRET = "Jonas fortel at han ikkje har sove sidan jul."


@dataclass
class YouthLog:
    world: World
    log: RelayLog
    consent: Consent
    note: Entry
    meeting: Entry
    filled: Any

    @property
    def jonas(self) -> User:
        return self.world.youth

    @property
    def gro(self) -> User:
        return self.world.guardian

    def url(self, name: str, **kwargs: Any) -> str:
        return reverse(name, kwargs={"log": self.log.uuid, **kwargs})

    def reading_urls(self) -> list[str]:
        """Everything a reader of the log reads: the page, print, versions, the filled
        form, the meeting's calendar file, who has read it, the consent."""
        return [
            self.url("logs:detail"),
            self.url("logs:print"),
            self.url("logs:entry_versions", entry=self.note.uuid),
            reverse("guides:filled_form", kwargs={"filled": self.filled.uuid}),
            self.url("logs:meeting_calendar", meeting=self.meeting.uuid),
            self.url("logs:access_list"),
            self.url("logs:consent"),
        ]


@pytest.fixture
def youth_log(world: World) -> YouthLog:
    f.add_guardian(world.youth_subject, world.guardian)
    eva = as_actor(world.employee)
    log = start_log(actor=eva, subject=world.youth_subject, unit=world.kindergarten, level=2)
    today = timezone.localdate()
    consent = request_consent(
        actor=eva,
        log=log,
        purpose="Samarbeid om Jonas.",
        valid_from=today,
        valid_to=today + datetime.timedelta(days=180),
        units=[world.kindergarten, world.school],
        method=Consent.Method.DIGITAL,
    )
    give_consent(actor=as_actor(world.youth), consent=consent)
    log.refresh_from_db()
    add_participant(
        actor=eva, log=log, user=world.school_employee, unit=world.school, task="Kontaktlærar"
    )
    note = add_entry(actor=eva, log=log, kind="note", body=SECRET)
    meeting = add_entry(
        actor=eva,
        log=log,
        kind=EntryKind.MEETING,
        meeting_kind="planning",
        starts_at=timezone.now() + datetime.timedelta(days=3),
        place="Solsida",
        invited=[world.school_employee, world.youth],
    )
    version = make_tool(world).versions.get(number=1)
    filled = guides.fill_form(actor=eva, version=version, entry=note, language="nn", answers={})
    return YouthLog(world, log, consent, note, meeting, filled)


def _client(user: User, language: str = "en") -> Client:
    client = f.login(f.english_client(), user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _share(yl: YouthLog, *guardians: User) -> None:
    response = _client(yl.jonas).post(
        yl.url("logs:consent_share"), {"guardian": [str(g.uuid) for g in guardians]}
    )
    assert response.status_code == 302


def _bright_spot(yl: YouthLog, actor: User, body: str = "Jonas var på trening.") -> Entry:
    return add_entry(actor=as_actor(actor), log=yl.log, kind=EntryKind.BRIGHT_SPOT, body=body)


def test_the_guardian_of_a_youth_who_consents_alone_reads_nothing_of_the_log(
    youth_log: YouthLog,
) -> None:
    gro = _client(youth_log.gro)
    for url in youth_log.reading_urls():
        response = gro.get(url)
        assert response.status_code == 404, url
        assert SECRET not in response.content.decode()
    gro_actor = as_actor(youth_log.gro)
    assert decide(gro_actor, "log.view", log_facts(gro_actor, youth_log.log)) is Decision.HIDDEN
    # Jonas himself reads it all.
    jonas = _client(youth_log.jonas)
    assert SECRET in jonas.get(youth_log.url("logs:detail")).content.decode()


def test_a_refused_guardian_attempt_is_in_the_access_log(youth_log: YouthLog) -> None:
    _client(youth_log.gro).get(youth_log.url("logs:detail"))
    refused = AccessLogEntry.objects.filter(
        actor=youth_log.gro, outcome=AccessLogEntry.Outcome.REFUSED, object_uuid=youth_log.log.uuid
    )
    assert refused.count() == 1
    assert refused.get().role == "guardian"
    assert not AccessLogEntry.objects.filter(
        actor=youth_log.gro, outcome=AccessLogEntry.Outcome.ALLOWED, object_uuid=youth_log.log.uuid
    ).exists()


def test_the_guardian_is_told_nothing_about_events_in_the_log(
    youth_log: YouthLog, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    w = youth_log.world
    with django_capture_on_commit_callbacks(execute=True):
        _bright_spot(youth_log, w.employee)
    assert youth_log.jonas.email in [m.to[0] for m in mailoutbox]
    assert youth_log.gro.email not in [m.to[0] for m in mailoutbox]
    assert not Notification.objects.filter(recipient=youth_log.gro).exists()
    # Nor can she be invited to its meetings.
    with pytest.raises(ServiceError):
        add_entry(
            actor=as_actor(w.employee),
            log=youth_log.log,
            kind=EntryKind.MEETING,
            meeting_kind="planning",
            starts_at=timezone.now() + datetime.timedelta(days=5),
            place="Solsida",
            invited=[youth_log.gro],
        )
    centre = _client(youth_log.gro).get(reverse("notifications:centre")).content.decode()
    assert "bright spot" not in centre.lower()


def test_the_guardians_home_shows_no_log_only_that_the_youth_decides(
    youth_log: YouthLog,
) -> None:
    html = _client(youth_log.gro).get(reverse("home:home")).content.decode()
    assert youth_log.url("logs:detail") not in html
    assert "Jonas decides alone about working with the services" in html
    # Gro's other child, Mia, has no log; nothing says Jonas has none (it would not be true).
    assert html.count("No relay log.") == 1
    nynorsk = _client(youth_log.gro, "nn").get(reverse("home:home")).content.decode()
    assert "avgjer Jonas sjølv om samarbeid med tenestene" in nynorsk


def test_after_the_youth_shares_the_guardian_reads_but_decides_nothing(
    youth_log: YouthLog, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    _share(youth_log, youth_log.gro)
    gro = _client(youth_log.gro)
    for url in youth_log.reading_urls():
        response = gro.get(url)
        assert response.status_code == 200, url
    assert SECRET in gro.get(youth_log.url("logs:detail")).content.decode()
    assert SECRET in gro.get(youth_log.url("logs:print")).content.decode()
    consent_page = gro.get(youth_log.url("logs:consent")).content.decode()
    assert "Jonas has chosen to let you read the log" in consent_page
    assert "Withdraw my consent" not in consent_page and "Renew your consent" not in consent_page
    assert youth_log.url("logs:detail") in gro.get(reverse("home:home")).content.decode()
    # Read access, not the consenting person's rights, and no writing.
    assert gro.post(youth_log.url("logs:consent_withdraw")).status_code == 403
    assert gro.post(youth_log.url("logs:consent_renew")).status_code == 403
    assert gro.post(youth_log.url("logs:consent_share"), {"guardian": []}).status_code == 403
    assert gro.get(youth_log.url("logs:close")).status_code == 403
    facts = log_facts(as_actor(youth_log.gro), youth_log.log)
    assert decide(as_actor(youth_log.gro), "log.add_bright_spot", facts) is Decision.FORBIDDEN
    assert decide(as_actor(youth_log.gro), "log.add_comment", facts) is Decision.FORBIDDEN
    assert youth_log.consent.withdrawn_at is None
    # She is told about events now, like any reader.
    with django_capture_on_commit_callbacks(execute=True):
        _bright_spot(youth_log, youth_log.world.employee)
    assert youth_log.gro.email in [m.to[0] for m in mailoutbox]


def test_after_the_youth_withdraws_the_guardian_reads_nothing_again(
    youth_log: YouthLog, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    _share(youth_log, youth_log.gro)
    withdraw_consent(actor=as_actor(youth_log.jonas), log=youth_log.log)
    gro = _client(youth_log.gro)
    for url in youth_log.reading_urls():
        response = gro.get(url)
        assert response.status_code == 404, url
        assert SECRET not in response.content.decode()
    # Jonas still reads his log, and writes a bright spot: his mother is not told.
    assert SECRET in _client(youth_log.jonas).get(youth_log.url("logs:detail")).content.decode()
    before = Notification.objects.filter(recipient=youth_log.gro).count()
    with django_capture_on_commit_callbacks(execute=True):
        _bright_spot(youth_log, youth_log.jonas)
    assert youth_log.gro.email not in [m.to[0] for m in mailoutbox]
    assert Notification.objects.filter(recipient=youth_log.gro).count() == before
    # Nor is she told that her access ended.
    to_gro = [m for m in mailoutbox if youth_log.gro.email in m.to]
    assert not any("consent" in m.subject.lower() for m in to_gro)


def test_when_the_consent_runs_out_the_sharing_ends_with_it(youth_log: YouthLog) -> None:
    _share(youth_log, youth_log.gro)
    Consent.objects.filter(pk=youth_log.consent.pk).update(
        valid_from=timezone.localdate() - datetime.timedelta(days=400),
        valid_to=timezone.localdate() - datetime.timedelta(days=1),
    )
    assert _client(youth_log.gro).get(youth_log.url("logs:detail")).status_code == 404


def test_the_youths_choice_is_recorded_with_who_and_when_and_can_be_changed(
    youth_log: YouthLog,
) -> None:
    _share(youth_log, youth_log.gro)
    share = GuardianShare.objects.get(consent=youth_log.consent, guardian=youth_log.gro)
    assert share.shared_by == youth_log.jonas and share.ended_at is None
    _share(youth_log)  # Jonas changes his mind: nobody
    share.refresh_from_db()
    assert share.ended_at is not None and share.ended_by == youth_log.jonas
    assert _client(youth_log.gro).get(youth_log.url("logs:detail")).status_code == 404
    events = youth_log.log.entries.filter(kind=EntryKind.EVENT, latest__event_type="consent.shared")
    assert events.count() == 2
    # The coordinator sees what Jonas has chosen.
    html = _client(youth_log.world.employee).get(youth_log.url("logs:consent")).content.decode()
    assert "Jonas has not shared the log" in html


def test_only_the_youth_chooses_and_only_among_their_guardians(youth_log: YouthLog) -> None:
    w = youth_log.world
    stranger = f.make_user(w.municipality, kind=User.Kind.CITIZEN, username="stranger")
    with pytest.raises(ServiceError):
        share_with_guardians(
            actor=as_actor(youth_log.jonas), log=youth_log.log, guardian_uuids=[str(stranger.uuid)]
        )
    assert not GuardianShare.objects.exists()
    assert _client(w.employee).post(youth_log.url("logs:consent_share")).status_code == 403
    assert _client(youth_log.gro).post(youth_log.url("logs:consent_share")).status_code == 404


def test_the_youth_chooses_on_the_consent_page_in_plain_nynorsk(youth_log: YouthLog) -> None:
    html = _client(youth_log.jonas, "nn").get(youth_log.url("logs:consent")).content.decode()
    assert "Kven i familien din som kan lese loggen" in html
    assert "Gro Mor" in html
    html = _client(youth_log.jonas).get(youth_log.url("logs:consent")).content.decode()
    assert "Who in your family may read the log" in html


def test_the_youths_own_renewal_carries_the_choice_over(youth_log: YouthLog) -> None:
    _share(youth_log, youth_log.gro)
    renewal = renew_by_family(actor=as_actor(youth_log.jonas), log=youth_log.log)
    assert renewal.completed_at is not None
    assert GuardianShare.objects.filter(
        consent=renewal, guardian=youth_log.gro, ended_at__isnull=True
    ).exists()
    assert _client(youth_log.gro).get(youth_log.url("logs:detail")).status_code == 200


def test_a_new_consent_after_a_withdrawal_does_not_bring_the_sharing_back(
    youth_log: YouthLog,
) -> None:
    _share(youth_log, youth_log.gro)
    withdraw_consent(actor=as_actor(youth_log.jonas), log=youth_log.log)
    w = youth_log.world
    today = timezone.localdate()
    again = request_consent(
        actor=as_actor(w.employee),
        log=youth_log.log,
        purpose="Nytt samarbeid.",
        valid_from=today,
        valid_to=today + datetime.timedelta(days=90),
        units=[w.kindergarten],
        method=Consent.Method.DIGITAL,
    )
    give_consent(actor=as_actor(youth_log.jonas), consent=again)
    assert _client(youth_log.gro).get(youth_log.url("logs:detail")).status_code == 404


def test_a_guardian_the_youth_stops_sharing_with_is_not_told_and_nothing_hints_at_it(
    youth_log: YouthLog, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    from stafett.notifications.selectors import unread_count

    _share(youth_log, youth_log.gro)
    with django_capture_on_commit_callbacks(execute=True):
        _bright_spot(youth_log, youth_log.world.employee)
    gro = as_actor(youth_log.gro)
    assert unread_count(gro) == 1
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _share(youth_log)  # Jonas changes his mind
    assert not [m for m in mailoutbox if youth_log.gro.email in m.to]
    assert unread_count(gro) == 0
    centre = _client(youth_log.gro).get(reverse("notifications:centre")).content.decode()
    assert youth_log.url("logs:detail") not in centre
    assert "Jonas" not in centre
