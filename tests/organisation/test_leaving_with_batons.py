"""A coordinator counts only while a current member of the log's unit (issue 10, item 3).

The demo's story: Olav Nygard (`leiar.skule`) removes Sigrid Vik (`larar.skule`) from
Fjordvik skule. She coordinates Noah's log, takes part in Sara's, and Emma's baton is
offered to her. Ending her membership must not leave her any access, nor leave a log
without a coordinator.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from stafett.accounts.models import User
from stafett.accounts.services import deactivate_user
from stafett.audit.models import AccessLogEntry
from stafett.concerns.models import Concern
from stafett.demo.logs import demo_actor
from stafett.demo.services import demo_uuid, load_demo
from stafett.guides.models import FilledForm, FormTemplateVersion
from stafett.logs.models import Entry, EntryKind, Handover, Participant, RelayLog
from stafett.logs.services import answer_handover, propose_handover
from stafett.organisation.models import Membership, Unit
from stafett.organisation.services import end_membership
from tests import factories as f
from tests.organisation.conftest import messages_of


@pytest.fixture
def demo(db: Any, settings: Any) -> None:
    settings.STAFETT_DEMO = True  # demo personas log in only in demo mode
    load_demo()


def person(username: str) -> User:
    return User.objects.get(username=username)


def log_of(key: str) -> RelayLog:
    log: RelayLog = RelayLog.objects.select_related("subject", "unit").get(
        uuid=demo_uuid("log", key)
    )
    return log


def school() -> Unit:
    return Unit.objects.get(name="Fjordvik skule")


def remove_url(unit: Unit, user: User) -> str:
    return reverse("organisation:employee_remove", kwargs={"unit": unit.uuid, "person": user.uuid})


def is_member(user: User, unit: Unit) -> bool:
    return Membership.objects.current().filter(user=user, unit=unit).exists()


def noahs_pages(noah: RelayLog, teacher: User) -> dict[str, str]:
    """Every page of Noah's log she could open as coordinator, with a filled form of hers."""
    entry = Entry.objects.filter(log=noah, kind=EntryKind.GOAL).first()
    meeting = Entry.objects.filter(log=noah, kind=EntryKind.MEETING).first()
    version = FormTemplateVersion.objects.filter(
        template__municipality_id=noah.municipality_id, published_at__isnull=False
    ).first()
    assert entry is not None and meeting is not None and version is not None
    filled = FilledForm.objects.create(
        municipality_id=noah.municipality_id,
        template_version=version,
        entry=entry,
        language="nn",
        filled_by=teacher,
    )
    log = {"log": noah.uuid}
    return {
        "log page": reverse("logs:detail", kwargs=log),
        "print": reverse("logs:print", kwargs=log),
        "versions": reverse("logs:entry_versions", kwargs={**log, "entry": entry.uuid}),
        "add a note": reverse("logs:entry_add", kwargs={**log, "kind": "note"}),
        "consent": reverse("logs:consent", kwargs=log),
        "calendar file": reverse("logs:meeting_calendar", kwargs={**log, "meeting": meeting.uuid}),
        "filled form": reverse("guides:filled_form", kwargs={"filled": filled.uuid}),
        "participants": reverse("logs:participants", kwargs=log),
        "handover": reverse("logs:handover_propose", kwargs=log),
    }


def test_a_coordinator_removed_from_the_unit_no_longer_reads_or_writes_the_log(
    demo: None, login_as: Any
) -> None:
    leader, teacher = person("leiar.skule"), person("larar.skule")
    noah = log_of("hansen.noah")
    assert noah.coordinator_id == teacher.id and noah.unit == school()
    pages = noahs_pages(noah, teacher)
    client = login_as(teacher)
    assert "Noah" in client.get(pages["log page"]).content.decode()

    login_as(leader).post(remove_url(school(), teacher), {"batons": "take"})
    assert not is_member(teacher, school())
    since = timezone.now()

    client = login_as(teacher)
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code in (403, 404), name
        assert "Noah" not in response.content.decode(), name
    notes = Entry.objects.filter(log=noah, kind=EntryKind.NOTE).count()
    response = client.post(pages["add a note"], {"body": "Eg skriv likevel."})
    assert response.status_code in (403, 404)
    assert Entry.objects.filter(log=noah, kind=EntryKind.NOTE).count() == notes
    # Her home page no longer lists the log she used to coordinate.
    assert "Noah" not in client.get(reverse("home:home")).content.decode()

    rows = AccessLogEntry.objects.filter(actor=teacher, at__gte=since)
    assert rows.exists()
    assert set(rows.values_list("outcome", flat=True)) == {AccessLogEntry.Outcome.REFUSED}
    assert not rows.filter(unit_name=school().name).exists()
    assert not rows.filter(role="coordinator").exists()


def test_removing_a_coordinator_without_a_choice_is_refused_and_lists_the_batons(
    demo: None, login_as: Any
) -> None:
    leader, teacher = person("leiar.skule"), person("larar.skule")
    noah = log_of("hansen.noah")
    client = login_as(leader)
    page = client.get(remove_url(school(), teacher)).content.decode()
    # The baton she holds, as metadata only, with the way to hand it over.
    assert "Noah Hansen" in page
    assert reverse("logs:handover_propose", kwargs={"log": noah.uuid}) in page
    assert "alone in the breaks" not in page and "åleine" not in page
    assert AccessLogEntry.objects.filter(
        actor=leader, subject_uuid=noah.subject.uuid, action="log.view_summary"
    ).exists()

    response = client.post(remove_url(school(), teacher), follow=True)
    assert is_member(teacher, school())
    assert "Sigrid Vik still holds the baton" in response.content.decode()
    noah.refresh_from_db()
    assert noah.coordinator_id == teacher.id
    assert not AccessLogEntry.objects.filter(action="membership.ended").exists()


def test_the_leader_takes_the_batons_until_a_new_coordinator_accepts(
    demo: None, login_as: Any
) -> None:
    leader, teacher = person("leiar.skule"), person("larar.skule")
    noah, sara, emma = log_of("hansen.noah"), log_of("berg.sara"), log_of("hansen.emma")
    assert sara.coordinator_id == teacher.id
    offered = Handover.objects.get(log=emma, to_user=teacher, status=Handover.Status.PENDING)

    client = login_as(leader)
    response = client.post(remove_url(school(), teacher), {"batons": "take"}, follow=True)
    assert "Sigrid Vik no longer works in Fjordvik skule." in messages_of(response)

    noah.refresh_from_db()
    sara.refresh_from_db()
    assert (noah.coordinator_id, noah.unit_id) == (leader.id, school().id)
    assert sara.coordinator_id == leader.id
    event = Entry.objects.get(log=noah, kind=EntryKind.EVENT, latest__event_type="handover.interim")
    assert "Olav Nygard" in event.latest.body and "Sigrid Vik" in event.latest.body
    assert AccessLogEntry.objects.filter(
        actor=leader,
        action="handover.interim",
        subject_uuid=noah.subject.uuid,
        unit_name="Fjordvik skule",
    ).exists()
    # The leader now holds the baton: the log's content is his to read and keep.
    page = client.get(reverse("logs:detail", kwargs={"log": noah.uuid})).content.decode()
    assert "åleine i friminutta" in page
    # He was a participant of Noah's log; as coordinator he needs no participant row.
    assert not Participant.objects.current().filter(log=noah, user=leader).exists()
    # The baton offered to her is withdrawn, with a line in Emma's history.
    offered.refresh_from_db()
    assert offered.status == Handover.Status.CANCELLED
    assert Entry.objects.filter(log=emma, latest__event_type="handover.cancelled").exists()


def test_the_leader_hands_the_baton_over_first_and_then_removes_her(
    demo: None, login_as: Any
) -> None:
    leader, teacher = person("leiar.skule"), person("larar.skule")
    noah, sara = log_of("hansen.noah"), log_of("berg.sara")
    colleague = f.make_user(noah.municipality, username="ny.larar", first_name="Nils")
    f.add_membership(colleague, school())
    # She decided her own open concern before leaving.
    Concern.objects.filter(author=teacher, status=Concern.Status.OPEN).update(
        status=Concern.Status.CLOSED
    )
    # The removal page links to the existing handover flow; the leader may use it.
    handovers = [
        propose_handover(
            actor=demo_actor(leader),
            log=log,
            to_user=colleague,
            to_unit=school(),
            message="Sigrid sluttar. Kan du ta over stafettloggen?",
        )
        for log in (noah, sara)
    ]
    # Until the new coordinator accepts, she keeps the baton, so she cannot be removed.
    client = login_as(leader)
    client.post(remove_url(school(), teacher))
    assert is_member(teacher, school())

    answer_handover(actor=demo_actor(colleague), handover=handovers[0], accept=True)
    client.post(remove_url(school(), teacher))
    assert is_member(teacher, school())  # Sara's baton is still hers

    answer_handover(actor=demo_actor(colleague), handover=handovers[1], accept=True)
    response = client.post(remove_url(school(), teacher), follow=True)
    assert "Sigrid Vik no longer works in Fjordvik skule." in messages_of(response)
    assert not is_member(teacher, school())
    noah.refresh_from_db()
    assert noah.coordinator_id == colleague.id


def test_a_coordinator_who_also_leads_the_unit_keeps_the_baton_when_one_role_ends(
    demo: None, login_as: Any
) -> None:
    """Ending one of two roles in the same unit leaves her a member: nothing to hand over."""
    leader, teacher = person("leiar.skule"), person("larar.skule")
    f.add_membership(teacher, school(), Membership.Role.LEADER)
    login_as(leader).post(remove_url(school(), teacher))
    assert (
        not Membership.objects.current()
        .filter(user=teacher, unit=school(), role=Membership.Role.EMPLOYEE)
        .exists()
    )
    noah = log_of("hansen.noah")
    assert noah.coordinator_id == teacher.id
    page = login_as(teacher).get(reverse("logs:detail", kwargs={"log": noah.uuid}))
    assert "åleine i friminutta" in page.content.decode()


def test_an_account_holding_batons_cannot_be_deactivated(demo: None) -> None:
    admin = User.objects.filter(is_municipal_admin=True, municipality__name="Fjordvik kommune")
    teacher = person("larar.skule")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        deactivate_user(user=teacher, by=admin.get())
    assert "hand the batons over" in str(refused.value)
    teacher.refresh_from_db()
    assert teacher.is_active
    # Once the leader has taken her batons (and her open concern), she can be deactivated.
    end_membership(
        actor=demo_actor(person("leiar.skule")),
        unit=school(),
        person=teacher,
        role=Membership.Role.EMPLOYEE,
        take_batons=True,
    )
    deactivate_user(user=teacher, by=admin.get())
    teacher.refresh_from_db()
    assert not teacher.is_active
    assert log_of("hansen.noah").coordinator.username == "leiar.skule"
