"""Concern pages: who sees what, every read in the access log, the home page's flags,
guardians asking for help, and a constant number of queries on lists."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stafett.audit.models import AccessLogEntry
from stafett.concerns import services
from stafett.concerns.models import Concern, ConcernRecord, ConcernShare, RecordKind, WorryBand
from stafett.logs.models import RelayLog
from tests import factories as f
from tests.concerns.conftest import as_actor, register
from tests.conftest import World

pytestmark = pytest.mark.django_db


def url(name: str, concern: Concern) -> str:
    return reverse(f"concerns:{name}", kwargs={"concern": concern.uuid})


def concern_reads(concern: Concern, outcome: str = "allowed") -> list[AccessLogEntry]:
    return list(
        AccessLogEntry.objects.filter(object_uuid=concern.uuid, outcome=outcome).order_by("id")
    )


# --- visibility ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("employee", 200),  # the author
        ("leader", 404),  # not shared with yet
        ("school_employee", 404),
        ("admin", 404),
        ("guardian", 404),
        ("youth", 404),
        ("other_staff", 404),
    ],
)
def test_an_unshared_concern_is_visible_to_its_author_only(
    world: World, concern: Concern, login_as: Any, persona: str, status: int
) -> None:
    response = login_as(getattr(world, persona)).get(url("detail", concern))
    assert response.status_code == status


def test_anonymous_visitors_go_to_log_in(world: World, concern: Concern, login_as: Any) -> None:
    response = login_as(None).get(url("detail", concern))
    assert response.status_code == 302


def test_sharing_opens_the_concern_to_the_leader_and_marks_it_read(
    world: World, concern: Concern, login_as: Any
) -> None:
    services.share_concern(
        actor=as_actor(world.employee), concern=concern, user=world.leader, role="leader"
    )
    client = login_as(world.leader)
    home = client.get(reverse("home:home")).content.decode()
    assert "1 concern shared with you, not read yet" in home and url("detail", concern) in home
    response = client.get(url("detail", concern))
    assert response.status_code == 200
    assert "Add your view" in response.content.decode()
    home = client.get(reverse("home:home")).content.decode()
    assert "not read yet" not in home
    assert ConcernShare.objects.get(user=world.leader).first_read_at is not None
    # The leader may add a view, not run the author's steps (403: an insider).
    assert client.get(url("observe", concern)).status_code == 403
    response = client.post(url("add_view", concern), {"body": "Eg er einig."})
    assert response.status_code == 302
    assert ConcernRecord.objects.filter(kind=RecordKind.VIEW, body="Eg er einig.").exists()


def test_every_read_is_in_the_access_log_and_refusals_too(
    world: World, concern: Concern, login_as: Any
) -> None:
    login_as(world.employee).get(url("detail", concern))
    rows = concern_reads(concern)
    assert [(r.actor_id, r.action, r.object_type, r.role) for r in rows] == [
        (world.employee.id, "concern.view", "Concern", "author")
    ]
    login_as(world.school_employee).get(url("detail", concern))
    refused = concern_reads(concern, "refused")
    assert [(r.actor_id, r.action) for r in refused] == [(world.school_employee.id, "concern.view")]
    # An insider without the right (403) is written down too.
    services.share_concern(
        actor=as_actor(world.employee), concern=concern, user=world.leader, role="leader"
    )
    assert login_as(world.leader).get(url("decide", concern)).status_code == 403
    refused = concern_reads(concern, "refused")
    assert [(r.actor_id, r.action, r.role) for r in refused][-1] == (
        world.leader.id,
        "concern.edit",
        "leader",
    )


def test_a_named_concerns_reads_carry_the_child(
    world: World, concern: Concern, login_as: Any
) -> None:
    services.name_subject(actor=as_actor(world.employee), concern=concern, subject=world.child)
    login_as(world.employee).get(url("detail", concern))
    assert concern_reads(concern)[-1].subject_uuid == world.child.uuid


def test_naming_the_child_finds_a_known_child_and_writes_the_find_to_the_access_log(
    world: World, concern: Concern, login_as: Any
) -> None:
    """Issue 10 item 7: finding an existing child by name and birth date is a read of the
    child's record (as when a relay log is started): a `subject.find` row names the child."""
    response = login_as(world.employee).post(
        url("name", concern),
        {
            "first_name": " mia ",
            "last_name": "MOR",
            "birth_date": world.child.birth_date.isoformat(),
        },
    )
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.subject == world.child
    found = AccessLogEntry.objects.get(action="subject.find")
    assert found.subject_uuid == world.child.uuid
    assert found.actor == world.employee and found.reason == "concern.name"
    # Naming a child the municipality does not know registers them: nothing was found.
    other = register(world)
    login_as(world.employee).post(
        url("name", other),
        {"first_name": "Ny", "last_name": "Person", "birth_date": "2020-01-02"},
    )
    assert AccessLogEntry.objects.filter(action="subject.find").count() == 1


def test_the_concern_page_shows_the_worry_chart_with_a_table(
    world: World, concern: Concern, login_as: Any
) -> None:
    services.add_score(
        actor=as_actor(world.employee), concern=concern, score=7, scored_on=timezone.localdate()
    )
    html = login_as(world.employee).get(url("detail", concern)).content.decode()
    assert "<svg" in html and "<polyline" in html
    assert "from 4 to 7 of 10" in html
    assert "The scores as a table" in html
    assert "style=" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]


# --- the steps through the pages ---------------------------------------------------------


def test_registering_through_the_page(world: World, login_as: Any) -> None:
    client = login_as(world.employee)
    response = client.post(
        reverse("concerns:register"),
        {
            "unit": world.kindergarten.uuid,
            "kind": "child",
            "label": "J.K.",
            "noticed": "Kjem ofte for seint og er trøytt.",
            "noticed_on": timezone.localdate().isoformat(),
            "noticed_where": "Garderoben",
            "score": "5",
        },
    )
    concern = Concern.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", concern)
    assert concern.label == "J.K." and concern.scores.get().score == 5


def test_bad_input_on_a_page_shows_a_message_and_changes_nothing(
    world: World, concern: Concern, login_as: Any
) -> None:
    client = login_as(world.employee)
    response = client.post(url("decide", concern), {"outcome": "observe", "reason": "Vent"})
    assert response.status_code == 200
    assert "Give a new date for the decision" in response.content.decode()
    concern.refresh_from_db()
    assert concern.is_open and not concern.records.filter(kind=RecordKind.DECISION).exists()
    response = client.post(url("share", concern), {"whom": f"person:{world.other_staff.uuid}"})
    assert response.status_code == 200
    assert "Choose a person in your municipality." in response.content.decode()
    assert not ConcernShare.objects.exists()


def test_naming_through_the_page_finds_the_registered_child(
    world: World, concern: Concern, login_as: Any
) -> None:
    response = login_as(world.employee).post(
        url("name", concern),
        {
            "first_name": "mia",
            "last_name": "MOR",
            "birth_date": world.child.birth_date.isoformat(),
        },
    )
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.subject == world.child


# --- anonymous concerns and guardians ----------------------------------------------------


def test_an_anonymous_concern_never_reaches_a_guardian(
    world: World, concern: Concern, login_as: Any
) -> None:
    client = login_as(world.guardian)
    assert client.get(url("detail", concern)).status_code == 404
    home = client.get(reverse("home:home")).content.decode()
    assert concern.label not in home and str(concern.uuid) not in home


# --- deadlines on the home page ---------------------------------------------------------


def overdue(concern: Concern, days: int = 1) -> None:
    Concern.objects.filter(pk=concern.pk).update(
        decide_by=timezone.localdate() - datetime.timedelta(days=days)
    )


def test_an_overdue_concern_is_flagged_for_the_author_and_the_leader(
    world: World, concern: Concern, login_as: Any
) -> None:
    html = login_as(world.employee).get(reverse("home:home")).content.decode()
    assert "past its date" not in html
    overdue(concern)
    html = login_as(world.employee).get(reverse("home:home")).content.decode()
    assert "1 concern waits for a decision past its date" in html
    assert url("detail", concern) in html
    # The leader, not shared with: a count for the unit, no content.
    html = login_as(world.leader).get(reverse("home:home")).content.decode()
    assert "Solsida barnehage: 1 concern is past its decision date." in html
    assert url("detail", concern) not in html
    # Once shared, the leader gets the link too.
    services.share_concern(
        actor=as_actor(world.employee), concern=concern, user=world.leader, role="leader"
    )
    html = login_as(world.leader).get(reverse("home:home")).content.decode()
    assert url("detail", concern) in html


def test_a_decided_concern_is_not_flagged(world: World, concern: Concern, login_as: Any) -> None:
    services.decide_concern(
        actor=as_actor(world.employee), concern=concern, outcome="close", reason="Ok."
    )
    overdue(concern)
    html = login_as(world.employee).get(reverse("home:home")).content.decode()
    assert "past its date" not in html


# --- guardian-initiated help -------------------------------------------------------------


def test_a_guardian_asks_a_unit_for_help(world: World, login_as: Any) -> None:
    client = login_as(world.guardian)
    assert "Ask for help" in client.get(reverse("home:home")).content.decode()
    page = client.get(reverse("concerns:ask_for_help")).content.decode()
    assert 'value="dont-know"' not in page  # no receiving unit set
    response = client.post(
        reverse("concerns:ask_for_help"),
        {"child": world.child.uuid, "unit": world.kindergarten.uuid, "worry": "Ho søv dårleg."},
    )
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert concern.author == world.leader and concern.subject == world.child
    assert concern.requested_by == world.guardian and not concern.is_anonymous
    assert concern.records.filter(kind=RecordKind.FAMILY_TALK).exists()
    assert login_as(world.leader).get(url("detail", concern)).status_code == 200
    assert login_as(world.employee).get(url("detail", concern)).status_code == 404
    # The guardian sees what they asked, never the concern's page.
    home = login_as(world.guardian).get(reverse("home:home")).content.decode()
    assert "What you have asked" in home and "The unit's leader has it" in home
    assert login_as(world.guardian).get(url("detail", concern)).status_code == 404


def test_i_dont_know_goes_to_the_unit_the_municipality_chose(world: World, login_as: Any) -> None:
    school_leader = f.make_user(world.municipality, username="rektor", first_name="Rita")
    f.add_membership(school_leader, world.school, "leader")
    services.save_worry_bands(
        actor=as_actor(world.admin),
        municipality=world.municipality,
        bands=[(1, 5, {"nn": "Lite", "nb": "Lite"}), (6, 10, {"nn": "Mykje", "nb": "Mye"})],
        help_unit=world.school,
    )
    client = login_as(world.guardian)
    response = client.post(
        reverse("concerns:ask_for_help"),
        {"child": world.child.uuid, "unit": "dont-know", "worry": "Eg veit ikkje kven eg spør."},
    )
    assert response.status_code == 302
    assert Concern.objects.get().author == school_leader


def test_a_guardian_cannot_ask_about_another_child(world: World, login_as: Any) -> None:
    client = login_as(world.guardian)
    response = client.post(
        reverse("concerns:ask_for_help"),
        {"child": world.youth_subject.uuid, "unit": world.kindergarten.uuid, "worry": "x"},
    )
    assert response.status_code == 200
    assert not Concern.objects.exists()


def test_a_unit_without_leader_is_refused_with_a_message(world: World, login_as: Any) -> None:
    response = login_as(world.guardian).post(
        reverse("concerns:ask_for_help"),
        {"child": world.child.uuid, "unit": world.school.uuid, "worry": "x"},
    )
    assert response.status_code == 200
    assert "has no leader in Stafett yet" in response.content.decode()
    assert not Concern.objects.exists()


# --- the worry scale ------------------------------------------------------------------------


def test_the_administrator_edits_the_anchor_texts(world: World, login_as: Any) -> None:
    client = login_as(world.admin)
    overview = client.get(reverse("organisation:overview")).content.decode()
    assert reverse("concerns:worry_scale") in overview
    page = client.get(reverse("concerns:worry_scale")).content.decode()
    assert "Alvorleg uro: handle no." in page
    data = {
        "nn_1_2": "Ingen uro",
        "nb_1_2": "Ingen uro",
        "nn_3_4": "Litt",
        "nb_3_4": "Litt",
        "nn_5_6": "Uro",
        "nb_5_6": "Uro",
        "nn_7_8": "Mykje",
        "nb_7_8": "Mye",
        "nn_9_10": "Handle no!",
        "nb_9_10": "Handle nå!",
        "help_unit": "",
    }
    assert client.post(reverse("concerns:worry_scale"), data).status_code == 302
    assert WorryBand.objects.get(low=9).texts == {"nn": "Handle no!", "nb": "Handle nå!"}
    data["nn_9_10"] = ""
    assert client.post(reverse("concerns:worry_scale"), data).status_code == 200
    assert WorryBand.objects.get(low=9).texts == {"nn": "Handle no!", "nb": "Handle nå!"}


def test_bands_must_cover_the_whole_scale(world: World) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="without gaps"):
        services.save_worry_bands(
            actor=as_actor(world.admin),
            municipality=world.municipality,
            bands=[(1, 4, {"nn": "a"}), (6, 10, {"nn": "b"})],
            help_unit=None,
        )


# --- query counts ----------------------------------------------------------------------------


def count(client: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_and_the_home_page_use_a_constant_number_of_queries(
    world: World, login_as: Any
) -> None:
    client = login_as(world.employee)
    first = register(world)
    services.name_subject(actor=as_actor(world.employee), concern=first, subject=world.child)
    overdue(first)
    few_list = count(client, reverse("concerns:list"))
    few_home = count(client, reverse("home:home"))
    for n in range(6):
        c = register(world, label=f"Barn {n}")
        services.add_observation(actor=as_actor(world.employee), concern=c, body="x")
        overdue(c)
    other = f.make_subject(world.municipality, age=4, first_name="Ola", last_name="Nord")
    services.name_subject(
        actor=as_actor(world.employee), concern=register(world, label="O"), subject=other
    )
    assert count(client, reverse("concerns:list")) == few_list
    assert count(client, reverse("home:home")) == few_home


def test_the_leaders_home_page_uses_a_constant_number_of_queries(
    world: World, login_as: Any
) -> None:
    eva = as_actor(world.employee)

    def shared(label: str) -> None:
        c = register(world, label=label)
        services.share_concern(actor=eva, concern=c, user=world.leader, role="leader")
        overdue(c)

    shared("A")
    few = count(login_as(world.leader), reverse("home:home"))
    for n in range(5):
        shared(f"B{n}")
    overdue(register(world, label="Not shared"))
    assert count(login_as(world.leader), reverse("home:home")) == few


def test_the_detail_page_uses_a_constant_number_of_queries(
    world: World, concern: Concern, login_as: Any
) -> None:
    client = login_as(world.employee)
    few = count(client, url("detail", concern))
    eva = as_actor(world.employee)
    for n in range(5):
        services.add_observation(actor=eva, concern=concern, body=f"obs {n}")
        services.add_score(actor=eva, concern=concern, score=n + 1, scored_on=timezone.localdate())
    services.share_concern(actor=eva, concern=concern, user=world.leader, role="leader")
    assert count(client, url("detail", concern)) == few


def test_a_relay_log_from_a_concern_shows_worry_over_time_when_the_scores_were_chosen(
    world: World, concern: Concern, login_as: Any
) -> None:
    from stafett.concerns.carry import CarryChoice
    from stafett.consent.models import Consent
    from stafett.consent.services import give_consent

    eva = as_actor(world.employee)
    services.name_subject(actor=eva, concern=concern, subject=world.child)
    services.record_family_talk(
        actor=eva,
        concern=concern,
        told_who="Mor",
        told_on=timezone.localdate(),
        with_child=True,
        said="Ja.",
    )
    services.decide_concern(
        actor=eva,
        concern=concern,
        outcome="level",
        reason="x",
        level=2,
        carry=CarryChoice(noticed=True, scores=True),
    )
    log = RelayLog.objects.get()
    give_consent(actor=as_actor(world.guardian), consent=Consent.objects.get(log=log))
    html = login_as(world.employee).get(reverse("logs:detail", kwargs={"log": log.uuid}))
    text = html.content.decode()
    assert "Worry over time" in text and "<svg" in text
    # The title in the reader's language (issue 11: no longer the municipality's).
    assert "From the concern (level 0): What was noticed" in text
    assert "Dette vart lagt merke til" not in text
    assert "Sit mykje åleine i leiken, et lite." in text
    # The coordinator, after consent, reads the concern itself.
    assert login_as(world.employee).get(url("detail", concern)).status_code == 200


def test_the_decide_page_previews_what_the_family_will_read(
    world: World, concern: Concern, login_as: Any
) -> None:
    """The author's own description and observations are ticked; a leader's view is not,
    and appears in the preview only when ticked and shown again."""
    eva = as_actor(world.employee)
    services.share_concern(actor=eva, concern=concern, user=world.leader, role="leader")
    view = services.add_view(
        actor=as_actor(world.leader),
        concern=concern,
        body="Vurder om dette er ei sak for barnevernet direkte.",
    )
    services.add_observation(actor=eva, concern=concern, body="Sat åleine tre dagar.")
    client = login_as(world.employee)
    page = client.get(url("decide", concern)).content.decode()
    preview = page.split("This is what the family will read", 1)[1]
    assert "Sit mykje åleine i leiken, et lite." in preview
    assert "Sat åleine tre dagar." in preview
    assert "Vurder om dette er ei sak for barnevernet direkte." not in preview
    box = page.split(f'value="record-{view.id}"', 1)[1].split(">", 1)[0]
    assert "checked" not in box  # offered, not ticked
    # Ticking the view and asking for the preview shows it, credited to Lars; nothing is
    # decided yet.
    response = client.post(
        url("decide", concern),
        {"carry": ["noticed", f"record-{view.id}"], "preview": "1", "outcome": "level"},
    )
    assert response.status_code == 200
    preview = response.content.decode().split("This is what the family will read", 1)[1]
    assert "Vurder om dette er ei sak for barnevernet direkte." in preview
    assert "Lars Leiar, unit leader" in preview
    assert "Sat åleine tre dagar." not in preview
    concern.refresh_from_db()
    assert concern.status == Concern.Status.OPEN and not RelayLog.objects.exists()


def test_a_choice_that_is_not_on_the_concern_is_refused_and_nothing_is_decided(
    world: World, concern: Concern, login_as: Any
) -> None:
    eva = as_actor(world.employee)
    services.name_subject(actor=eva, concern=concern, subject=world.child)
    services.record_family_talk(
        actor=eva,
        concern=concern,
        told_who="Mor",
        told_on=timezone.localdate(),
        with_child=False,
        said="Ja.",
    )
    other = register(world)
    foreign = services.add_observation(actor=eva, concern=other, body="Eit anna barn.")
    response = login_as(world.employee).post(
        url("decide", concern),
        {
            "outcome": "level",
            "level": "2",
            "reason": "Samarbeid.",
            "carry": ["noticed", f"record-{foreign.id}"],
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    concern.refresh_from_db()
    assert concern.status == Concern.Status.OPEN and not RelayLog.objects.exists()
    assert not concern.noticed_for_log
