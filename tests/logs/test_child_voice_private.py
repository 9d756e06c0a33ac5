"""The child's voice (issue 6, item 4).

The youth (from the consent age) writes in their own voice and may keep an entry "for
my coordinator only": the youth who wrote it and the coordinator (whoever holds the
baton) read it; guardians and the other participants never do, on any page (the log
page, its filter, printing, versions, editing, the home page's "new" count). Adults
record what a younger child said, marked as such.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from stafett.consent.models import Consent
from stafett.consent.services import give_consent, request_consent, share_with_guardians
from stafett.logs.models import Entry, EntryKind, RelayLog, VoiceMode
from stafett.logs.services import add_entry, add_participant, edit_entry, start_log
from stafett.policy import entry_visible, log_facts
from tests import factories as f
from tests.conftest import World
from tests.logs.conftest import LogWorld, as_actor

SECRET = "Eg er redd når far er sint, men ikkje sei det til mamma."
OPEN = "Eg vil gjerne spele fotball med klassen."


@dataclass
class YouthLog:
    world: World
    log: RelayLog
    private: Entry
    public: Entry


@pytest.fixture
def youth_log(world: World) -> YouthLog:
    """Jonas (16) consents alone; Eva coordinates, Siri takes part; his mother Gro is his
    guardian with parental responsibility, and Jonas lets her read the log."""
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
    add_participant(actor=eva, log=log, user=world.school_employee, unit=world.school, task="Lærar")
    jonas = as_actor(world.youth)
    # Jonas lets his mother read the log (issue 10): she reads it, never his entries for
    # the coordinator only.
    share_with_guardians(actor=jonas, log=log, guardian_uuids=[str(world.guardian.uuid)])
    private = add_entry(
        actor=jonas, log=log, kind=EntryKind.CHILD_VOICE, body=SECRET, coordinator_only=True
    )
    public = add_entry(actor=jonas, log=log, kind=EntryKind.CHILD_VOICE, body=OPEN)
    return YouthLog(world=world, log=log, private=private, public=public)


def _get(client: Any, name: str, **kwargs: Any) -> Any:
    return client.get(reverse(name, kwargs=kwargs))


def test_the_youth_and_the_coordinator_read_an_entry_for_the_coordinator_only(
    youth_log: YouthLog, login_as: Any
) -> None:
    w, log = youth_log.world, youth_log.log
    for user in (w.youth, w.employee):
        html = _get(login_as(user), "logs:detail", log=log.uuid).content.decode()
        assert SECRET in html, user
        assert "For the coordinator only" in html
        assert OPEN in html
    assert "The youth wrote this for you only." in html  # the coordinator is told


def test_guardians_and_participants_never_see_it_on_any_page(
    youth_log: YouthLog, login_as: Any
) -> None:
    w, log, private = youth_log.world, youth_log.log, youth_log.private
    for user in (w.guardian, w.school_employee):
        client = login_as(user)
        for name in ("logs:detail", "logs:print"):
            response = _get(client, name, log=log.uuid)
            assert response.status_code == 200
            html = response.content.decode()
            assert SECRET not in html, (user, name)
            assert OPEN in html
        filtered = client.get(
            reverse("logs:detail", kwargs={"log": log.uuid}) + "?kind=child_voice"
        ).content.decode()
        assert SECRET not in filtered and OPEN in filtered
        assert "1 entry, newest first." in filtered
        versions = _get(client, "logs:entry_versions", log=log.uuid, entry=private.uuid)
        assert versions.status_code == 404
    # Not even the coordinator's other staff: a participant cannot edit or see versions.
    edit = _get(login_as(w.school_employee), "logs:entry_edit", log=log.uuid, entry=private.uuid)
    assert edit.status_code == 404


def test_the_youth_sees_versions_and_edits_it_and_it_stays_private(
    youth_log: YouthLog, login_as: Any
) -> None:
    w, log, private = youth_log.world, youth_log.log, youth_log.private
    edit_entry(actor=as_actor(w.youth), entry=private, base_version=1, body=SECRET + " (retta)")
    private.refresh_from_db()
    assert private.coordinator_only and private.version_count == 2
    client = login_as(w.youth)
    assert _get(client, "logs:entry_versions", log=log.uuid, entry=private.uuid).status_code == 200
    coordinator = login_as(w.employee)
    html = _get(coordinator, "logs:entry_versions", log=log.uuid, entry=private.uuid)
    assert SECRET in html.content.decode()
    guardian = login_as(w.guardian)
    assert (
        _get(guardian, "logs:entry_versions", log=log.uuid, entry=private.uuid).status_code == 404
    )


def test_the_policy_decides_who_reads_it(youth_log: YouthLog) -> None:
    w, log, private, public = youth_log.world, youth_log.log, youth_log.private, youth_log.public
    for user, sees in (
        (w.youth, True),
        (w.employee, True),
        (w.guardian, False),
        (w.school_employee, False),
    ):
        actor = as_actor(user)
        facts = log_facts(actor, log)
        assert entry_visible(actor, facts, private) is sees, user
        assert entry_visible(actor, facts, public) is True


def test_the_guardians_home_does_not_count_it_as_new(youth_log: YouthLog, login_as: Any) -> None:
    w = youth_log.world
    html = login_as(w.guardian).get("/").content.decode()
    match = re.search(r"(\d+) new since your last visit", html)
    assert match is not None
    everything = Entry.objects.filter(log=youth_log.log).exclude(created_by=w.guardian).count()
    assert int(match.group(1)) == everything - 1  # all but the private entry


def test_only_the_youth_in_their_own_voice_may_keep_an_entry_private(
    youth_log: YouthLog, active_log: LogWorld
) -> None:
    w, log = youth_log.world, youth_log.log
    with pytest.raises(ValidationError):
        add_entry(
            actor=as_actor(w.employee),
            log=log,
            kind=EntryKind.CHILD_VOICE,
            body="Jonas sa ...",
            coordinator_only=True,
        )
    with pytest.raises(ValidationError):
        add_entry(
            actor=as_actor(w.youth),
            log=log,
            kind=EntryKind.BRIGHT_SPOT,
            body="Bra dag",
            coordinator_only=True,
        )


def test_the_youth_is_told_about_the_duty_to_act_before_writing(
    youth_log: YouthLog, login_as: Any
) -> None:
    client = login_as(youth_log.world.youth)
    url = reverse("logs:entry_add", kwargs={"log": youth_log.log.uuid, "kind": "child_voice"})
    html = client.get(url).content.decode()
    assert "For my coordinator only" in html
    assert "the law says your coordinator must tell child welfare" in html
    response = client.post(url, {"body": "Berre til deg.", "coordinator_only": "on"})
    assert response.status_code == 302
    entry = Entry.objects.filter(log=youth_log.log).order_by("-id").first()
    assert entry is not None and entry.coordinator_only
    assert entry.latest is not None and entry.latest.voice_mode == VoiceMode.OWN


def test_an_adult_records_what_a_younger_child_said_and_it_is_marked_so(
    active_log: LogWorld, login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    client = login_as(w.employee)
    url = reverse("logs:entry_add", kwargs={"log": log.uuid, "kind": "child_voice"})
    html = client.get(url).content.decode()
    assert "For my coordinator only" not in html
    assert client.post(url, {"body": "Mia sa at ho likar å teikne."}).status_code == 302
    entry = Entry.objects.filter(log=log, kind=EntryKind.CHILD_VOICE).get()
    assert entry.latest is not None and entry.latest.voice_mode == VoiceMode.RECORDED
    page = login_as(w.guardian).get(reverse("logs:detail", kwargs={"log": log.uuid}))
    assert "What the child said, written down by an adult" in page.content.decode()
