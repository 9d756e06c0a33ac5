"""The four level-0 steps, written through the services, and the bad-input cases."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone

from stafett.concerns import selectors, services
from stafett.concerns.carry import CarryChoice
from stafett.concerns.models import Concern, ConcernRecord, ConcernShare, RecordKind, Step
from stafett.consent.models import Consent
from stafett.consent.services import give_consent
from stafett.logs.models import EntryVersion, RelayLog
from stafett.policy import Decision, concern_facts, decide
from tests import factories as f
from tests.concerns.conftest import as_actor, register
from tests.conftest import World

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def name_and_talk(world: World, concern: Concern) -> Concern:
    eva = as_actor(world.employee)
    concern = services.name_subject(actor=eva, concern=concern, subject=world.child)
    services.record_family_talk(
        actor=eva,
        concern=concern,
        told_who="Gro (mor)",
        told_on=TODAY(),
        with_child=False,
        said="Mor har sett det same heime.",
    )
    return concern


def test_an_anonymous_concern_gets_the_municipalitys_decision_date(
    world: World, concern: Concern
) -> None:
    assert concern.is_anonymous and concern.subject is None
    assert concern.decide_by == TODAY() + datetime.timedelta(days=14)
    assert concern.step == Step.ASSESS
    assert list(concern.scores.values_list("score", flat=True)) == [4]
    assert concern.records.get().kind == RecordKind.REGISTERED


def test_the_deadline_follows_the_municipality_setting(world: World) -> None:
    world.municipality.level0_deadline_days = 21
    world.municipality.save()
    assert register(world).decide_by == TODAY() + datetime.timedelta(days=21)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"label": " "}, "Write initials"),
        ({"noticed": "  "}, "Write what you noticed."),
        ({"score": 11}, "from 1 to 10"),
        ({"score": 0}, "from 1 to 10"),
        ({"kind": "dog"}, "Choose a child"),
    ],
)
def test_bad_input_on_registering_is_refused_and_saves_nothing(
    world: World, fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        register(world, **fields)
    assert not Concern.objects.exists()


def test_a_future_date_is_refused(world: World) -> None:
    with pytest.raises(ValidationError, match="future"):
        register(world, noticed_on=TODAY() + datetime.timedelta(days=2))


def test_an_employee_can_register_only_for_a_unit_they_work_in(world: World) -> None:
    with pytest.raises(ValidationError, match="unit you work in"):
        register(world, unit=world.school)


def test_citizens_and_admins_cannot_register(world: World) -> None:
    for user in (world.guardian, world.admin):
        with pytest.raises(PermissionDenied):
            services.register_concern(
                actor=as_actor(user),
                unit=world.kindergarten,
                kind="child",
                label="x",
                noticed="y",
                noticed_on=TODAY(),
            )


def test_observations_move_the_concern_to_describe(world: World, concern: Concern) -> None:
    services.add_observation(actor=as_actor(world.employee), concern=concern, body="Gret i dag.")
    concern.refresh_from_db()
    assert concern.step == Step.DESCRIBE
    with pytest.raises(ValidationError):
        services.add_observation(actor=as_actor(world.employee), concern=concern, body=" ")


def test_sharing_with_the_leader_lets_them_read_and_add_a_view(
    world: World, concern: Concern
) -> None:
    lars = as_actor(world.leader)
    assert decide(lars, "concern.view", concern_facts(lars, concern)) is Decision.HIDDEN
    services.share_concern(
        actor=as_actor(world.employee), concern=concern, user=world.leader, role="leader"
    )
    facts = concern_facts(lars, concern)
    assert decide(lars, "concern.view", facts) is Decision.ALLOW
    assert decide(lars, "concern.edit", facts) is Decision.FORBIDDEN
    services.add_view(actor=lars, concern=concern, body="Eg har sett det same.")
    assert concern.records.filter(kind=RecordKind.VIEW, author=world.leader).exists()


def test_sharing_with_someone_outside_the_municipality_is_refused(
    world: World, concern: Concern
) -> None:
    with pytest.raises(ValidationError, match="only with people in your municipality"):
        services.share_concern(
            actor=as_actor(world.employee), concern=concern, user=world.other_staff, role="leader"
        )
    assert not ConcernShare.objects.exists()
    assert concern.records.count() == 1


def test_sharing_as_leader_needs_the_units_leader(world: World, concern: Concern) -> None:
    with pytest.raises(ValidationError, match="does not lead"):
        services.share_concern(
            actor=as_actor(world.employee),
            concern=concern,
            user=world.school_employee,
            role="leader",
        )
    with pytest.raises(ValidationError, match="staff"):
        services.share_concern(
            actor=as_actor(world.employee), concern=concern, user=world.guardian, role="colleague"
        )
    services.share_concern(
        actor=as_actor(world.employee),
        concern=concern,
        user=world.school_employee,
        role="colleague",
    )
    with pytest.raises(ValidationError, match="already shared"):
        services.share_concern(
            actor=as_actor(world.employee),
            concern=concern,
            user=world.school_employee,
            role="colleague",
        )


def test_only_the_author_runs_the_steps(world: World, concern: Concern) -> None:
    services.share_concern(
        actor=as_actor(world.employee), concern=concern, user=world.leader, role="leader"
    )
    with pytest.raises(PermissionDenied):
        services.add_observation(actor=as_actor(world.leader), concern=concern, body="x")
    with pytest.raises(PermissionDenied):
        services.add_view(actor=as_actor(world.employee), concern=concern, body="x")


def test_a_talk_with_the_family_needs_a_name(world: World, concern: Concern) -> None:
    with pytest.raises(ValidationError, match="Name the child"):
        services.record_family_talk(
            actor=as_actor(world.employee),
            concern=concern,
            told_who="Mor",
            told_on=TODAY(),
            with_child=False,
            said="Ok.",
        )


def test_naming_another_municipalitys_child_is_refused(world: World, concern: Concern) -> None:
    with pytest.raises(PermissionDenied):
        services.name_subject(
            actor=as_actor(world.employee), concern=concern, subject=world.other_child
        )
    concern.refresh_from_db()
    assert concern.subject is None


def test_closing_needs_a_reason_and_ends_the_steps(world: World, concern: Concern) -> None:
    eva = as_actor(world.employee)
    with pytest.raises(ValidationError, match="reason"):
        services.decide_concern(actor=eva, concern=concern, outcome="close", reason="")
    services.decide_concern(actor=eva, concern=concern, outcome="close", reason="Alt er bra.")
    concern.refresh_from_db()
    assert concern.status == Concern.Status.CLOSED
    with pytest.raises(PermissionDenied):
        services.add_observation(actor=eva, concern=concern, body="x")


def test_going_on_observing_sets_a_new_date(world: World, concern: Concern) -> None:
    eva = as_actor(world.employee)
    with pytest.raises(ValidationError, match="new date"):
        services.decide_concern(actor=eva, concern=concern, outcome="observe", reason="Vent.")
    later = TODAY() + datetime.timedelta(days=30)
    services.decide_concern(
        actor=eva, concern=concern, outcome="observe", reason="Vent.", observe_until=later
    )
    concern.refresh_from_db()
    assert concern.is_open and concern.decide_by == later


def test_reporting_to_child_welfare_is_recorded_only(world: World, concern: Concern) -> None:
    services.decide_concern(
        actor=as_actor(world.employee), concern=concern, outcome="child_welfare", reason="Alvorleg."
    )
    concern.refresh_from_db()
    assert concern.status == Concern.Status.CHILD_WELFARE
    assert concern.log is None and not RelayLog.objects.exists()


def test_a_level_decision_needs_a_name_and_a_talk_with_the_guardians(
    world: World, concern: Concern
) -> None:
    eva = as_actor(world.employee)
    with pytest.raises(ValidationError, match="Name the child"):
        services.decide_concern(actor=eva, concern=concern, outcome="level", reason="x", level=2)
    services.name_subject(actor=eva, concern=concern, subject=world.child)
    with pytest.raises(ValidationError, match="Talk with the guardians"):
        services.decide_concern(actor=eva, concern=concern, outcome="level", reason="x", level=2)
    with pytest.raises(ValidationError, match="level 1, 2 or 3"):
        services.decide_concern(actor=eva, concern=concern, outcome="level", reason="x", level=4)
    assert not RelayLog.objects.exists()


def _carried(log: RelayLog) -> list[EntryVersion]:
    return [
        entry.latest
        for entry in log.entries.filter(latest__event_type="concern.carried")
        .select_related("latest")
        .order_by("created_at", "id")
        if entry.latest is not None
    ]


def _log_text(log: RelayLog) -> str:
    return "\n".join(
        f"{v.author_name} {v.title} {v.body}"
        for v in EntryVersion.objects.filter(entry__log=log, entry__latest=F("pk"))
    )


def test_deciding_for_level_2_starts_a_log_that_carries_nothing_of_level_0_unless_chosen(
    world: World, concern: Concern
) -> None:
    """Issue 10 item 5: the leader's internal view, the observations and the talk used to
    arrive in the family's log as one block signed by the guardian. Level 0 is the staff's
    own documentation: without a choice at "decide", nothing of it is carried."""
    eva = as_actor(world.employee)
    services.share_concern(actor=eva, concern=concern, user=world.leader, role="leader")
    services.add_view(
        actor=as_actor(world.leader),
        concern=concern,
        body="Vurder om dette er ei sak for barnevernet direkte.",
    )
    services.add_observation(actor=eva, concern=concern, body="Sat åleine tre dagar.")
    concern = name_and_talk(world, concern)
    services.decide_concern(
        actor=eva, concern=concern, outcome="level", reason="Treng samarbeid.", level=2
    )
    concern.refresh_from_db()
    log = concern.log
    assert log is not None and log.level == 2 and log.coordinator == world.employee
    assert concern.status == Concern.Status.LOG and concern.carried_at is None

    give_consent(actor=as_actor(world.guardian), consent=Consent.objects.get(log=log))
    concern.refresh_from_db()
    assert concern.carried_at is not None
    assert _carried(log) == []
    text = _log_text(log)
    for internal in (
        "Vurder om dette er ei sak for barnevernet direkte.",
        "Sat åleine tre dagar.",
        "Sit mykje åleine",
        "Mor har sett det same heime.",
        "Treng samarbeid.",
    ):
        assert internal not in text
    # Nothing in the log speaks for the guardian but her own consent.
    by_guardian = EntryVersion.objects.filter(entry__log=log, author=world.guardian)
    assert {v.event_type for v in by_guardian} == {"consent.given", "consent.complete"}
    # The worry scores stay on the concern too.
    assert selectors.log_worry_scores(log) == []


def test_what_is_chosen_is_carried_credited_to_the_staff_member_who_wrote_it(
    world: World, concern: Concern
) -> None:
    eva = as_actor(world.employee)
    services.share_concern(actor=eva, concern=concern, user=world.leader, role="leader")
    view = services.add_view(
        actor=as_actor(world.leader), concern=concern, body="Einig, ta det vidare."
    )
    services.add_view(
        actor=as_actor(world.leader),
        concern=concern,
        body="Vurder om dette er ei sak for barnevernet direkte.",
    )
    observation = services.add_observation(actor=eva, concern=concern, body="Sat åleine tre dagar.")
    concern = name_and_talk(world, concern)
    services.decide_concern(
        actor=eva,
        concern=concern,
        outcome="level",
        reason="Treng samarbeid.",
        level=2,
        carry=CarryChoice(
            noticed=True, scores=True, reason=True, record_ids=frozenset({observation.id, view.id})
        ),
    )
    concern.refresh_from_db()
    log = concern.log
    assert log is not None
    give_consent(actor=as_actor(world.guardian), consent=Consent.objects.get(log=log))

    carried = {v.body: v for v in _carried(log)}
    assert set(carried) == {
        "Sit mykje åleine i leiken, et lite.",
        "Sat åleine tre dagar.",
        "Einig, ta det vidare.",
        "4 / 10 (" + TODAY().strftime("%d.%m.%Y") + ")",
        "Treng samarbeid.",
    }
    # Each piece is credited to the person who wrote it, never to the guardian who
    # completed the consent.
    for body in (
        "Sit mykje åleine i leiken, et lite.",
        "Sat åleine tre dagar.",
        "Treng samarbeid.",
    ):
        version = carried[body]
        assert version.author == world.employee and version.author_name == "Eva Tilsett"
        assert version.author_role == "employee" and version.author_unit == world.kindergarten
    lars = carried["Einig, ta det vidare."]
    assert lars.author == world.leader and lars.author_role == "unit_leader"
    assert all(v.author != world.guardian for v in carried.values())
    # Not chosen: the other view and the talk stay on the concern.
    text = _log_text(log)
    assert "Vurder om dette er ei sak for barnevernet direkte." not in text
    assert "Mor har sett det same heime." not in text
    assert [score for _day, score, _src in selectors.log_worry_scores(log)] == [4]
    # Carried once only.
    services.carry_into_log(actor=eva, log=log)
    assert len(_carried(log)) == 5


def test_only_this_concerns_records_can_be_chosen_for_the_log(
    world: World, concern: Concern
) -> None:
    eva = as_actor(world.employee)
    other = register(world)
    foreign = services.add_observation(actor=eva, concern=other, body="Eit anna barn.")
    concern = name_and_talk(world, concern)
    with pytest.raises(ValidationError, match="Choose only what is written on this concern"):
        services.decide_concern(
            actor=eva,
            concern=concern,
            outcome="level",
            reason="x",
            level=2,
            carry=CarryChoice(record_ids=frozenset({foreign.id})),
        )
    assert not RelayLog.objects.exists()
    assert not ConcernRecord.objects.filter(for_log=True).exists()


def test_a_later_coordinator_reads_the_concern_only_after_consent(
    world: World, concern: Concern
) -> None:
    concern = name_and_talk(world, concern)
    services.decide_concern(
        actor=as_actor(world.employee), concern=concern, outcome="level", reason="x", level=1
    )
    concern.refresh_from_db()
    assert concern.log is not None
    # The baton goes to a colleague (directly, for the test).
    colleague = f.make_user(world.municipality, username="kari", first_name="Kari")
    f.add_membership(colleague, world.kindergarten)
    RelayLog.objects.filter(pk=concern.log.pk).update(coordinator=colleague)
    concern.refresh_from_db()
    kari = as_actor(colleague)
    assert decide(kari, "concern.view", concern_facts(kari, concern)) is Decision.HIDDEN
    give_consent(actor=as_actor(world.guardian), consent=Consent.objects.get(log=concern.log))
    concern.refresh_from_db()
    facts = concern_facts(kari, concern)
    assert decide(kari, "concern.view", facts) is Decision.ALLOW
    assert decide(kari, "concern.edit", facts) is Decision.FORBIDDEN


def test_records_are_kept_in_order(world: World, concern: Concern) -> None:
    services.add_observation(actor=as_actor(world.employee), concern=concern, body="1")
    services.add_observation(actor=as_actor(world.employee), concern=concern, body="2")
    kinds = list(ConcernRecord.objects.filter(concern=concern).values_list("body", flat=True))
    assert kinds[-2:] == ["1", "2"]
