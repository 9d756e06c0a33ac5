"""The follow-up list: counts per unit, metadata only, links only where the policy
lets the viewer open the log, and the same number of queries for many logs."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone

from stafett.audit.models import AccessLogEntry
from stafett.concerns import services as concern_services
from stafett.concerns.models import Concern
from stafett.logs.models import Entry, EntryKind, EntryVersion, RelayLog
from stafett.logs.services import add_entry, start_log
from stafett.organisation.models import Membership
from stafett.people.models import Subject
from tests import factories as f
from tests.logs.conftest import LogWorld, as_actor

URL = reverse("followup:overview")


def _overdue_measure(lw: LogWorld) -> None:
    add_entry(
        actor=as_actor(lw.world.employee),
        log=lw.log,
        kind=EntryKind.MEASURE,
        title="Fast vaksen for Mia",
        responsible=lw.participant.user,
        start_date=timezone.localdate(),
        evaluation_date=timezone.localdate() + datetime.timedelta(days=10),
    )
    EntryVersion.objects.filter(entry__log=lw.log, entry__kind=EntryKind.MEASURE).update(
        evaluation_date=timezone.localdate() - datetime.timedelta(days=3)
    )


def _overdue_concern(world: Any) -> Concern:
    concern = concern_services.register_concern(
        actor=as_actor(world.employee),
        unit=world.kindergarten,
        kind="child",
        label="Guten på raud",
        noticed="Han et lite.",
        noticed_on=timezone.localdate(),
    )
    Concern.objects.filter(pk=concern.pk).update(
        decide_by=timezone.localdate() - datetime.timedelta(days=1)
    )
    return concern


def _rows(body: str, unit: str) -> str:
    start = body.index(f'<th scope="row">{unit}</th>')
    return body[start : body.index("</tr>", start)]


def test_the_leader_sees_counts_for_their_unit_and_no_child(
    active_log: LogWorld, login_as: Any
) -> None:
    w = active_log.world
    _overdue_measure(active_log)
    _overdue_concern(w)
    body = login_as(w.leader).get(URL).content.decode()
    assert "What needs following up" in body
    row = _rows(body, "Solsida barnehage")
    # concerns past date, logs with evaluations overdue, consent ran out, ending, handovers,
    # no coordinator
    assert [c.split(">")[1] for c in row.split("<td")[1:]] == [
        "1</td",
        "1</td",
        "0</td",
        "0</td",
        "0</td",
        "0</td",
    ]
    # Only the kindergarten the leader leads, not the school.
    assert "Testvik skule" not in body
    assert "1 measure has not been evaluated by its date." in body
    # The leader may open the log's header: a link; no name, no birth date.
    assert reverse("logs:detail", kwargs={"log": active_log.log.uuid}) in body
    for personal in ("Mia", "Guten på raud", str(w.child.birth_date.year)):
        assert personal not in body
    # Metadata was shown: the read is in the access log.
    assert AccessLogEntry.objects.filter(
        action="followup.log_metadata",
        actor=w.leader,
        role="unit_leader",
        subject_uuid=w.child.uuid,
    ).exists()


def test_the_administrator_sees_every_unit_and_gets_no_link_into_a_log(
    active_log: LogWorld, login_as: Any
) -> None:
    w = active_log.world
    _overdue_measure(active_log)
    # The coordinator leaves the kindergarten: the log has no coordinator in the unit.
    Membership.objects.filter(user=w.employee, unit=w.kindergarten).update(ended_at=timezone.now())
    body = login_as(w.admin).get(URL).content.decode()
    assert "Solsida barnehage" in body and "Testvik skule" in body
    assert "The coordinator no longer works in the unit: give the baton to someone." in body
    assert _rows(body, "Solsida barnehage").count("<td>1</td>") == 2
    # The administrator may not open any log: no link.
    assert str(active_log.log.uuid) not in body
    assert "Open the log" not in body


def test_an_employee_is_refused_and_a_guardian_does_not_find_the_page(
    world: Any, login_as: Any
) -> None:
    assert login_as(world.employee).get(URL).status_code == 403
    assert login_as(world.guardian).get(URL).status_code == 404


def test_the_page_costs_the_same_for_many_logs(
    active_log: LogWorld, login_as: Any, django_assert_max_num_queries: Any
) -> None:
    w = active_log.world
    _overdue_measure(active_log)
    _overdue_concern(w)
    client = login_as(w.leader)
    client.get(URL)
    with django_assert_max_num_queries(30) as few:
        client.get(URL)
    for n in range(8):
        child = f.make_subject(w.municipality, age=6, first_name=f"Barn{n}", last_name="Test")
        start_log(actor=as_actor(w.employee), subject=child, unit=w.kindergarten, level=1)
        _overdue_concern(w)
    assert RelayLog.objects.count() == 9 and Subject.objects.count() > 9
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(URL).content.decode()
    assert _rows(body, "Solsida barnehage").startswith('<th scope="row">Solsida barnehage</th>')
    assert Entry.objects.filter(kind=EntryKind.MEASURE).count() == 1


def test_a_concern_past_its_date_gets_a_link_only_once_it_is_shared_with_the_leader(
    world: Any, login_as: Any
) -> None:
    concern = _overdue_concern(world)
    concern_url = reverse("concerns:detail", kwargs={"concern": concern.uuid})
    client = login_as(world.leader)
    body = client.get(URL).content.decode()
    assert "<td>1</td>" in _rows(body, "Solsida barnehage")
    assert concern_url not in body
    assert "Concerns past their decision date that you can open" not in body
    concern_services.share_concern(
        actor=as_actor(world.employee), concern=concern, user=world.leader
    )
    body = client.get(URL).content.decode()
    assert concern_url in body
    assert "registered by Eva Tilsett" in body
    # The concern's label (how the child is described) is never shown here.
    assert "Guten på raud" not in body
    # The administrator counts it but may not open it.
    body = login_as(world.admin).get(URL).content.decode()
    assert "<td>1</td>" in _rows(body, "Solsida barnehage")
    assert concern_url not in body
