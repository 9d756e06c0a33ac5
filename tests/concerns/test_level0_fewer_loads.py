"""Issue 11, item 17: level 0 in fewer page loads. The observation carries its worry
score (one submit records both); sharing picks the unit's leader(s) or a role (a job
title in a unit) as well as a person; the "Share with" list names each person's unit and
role, grouped by unit, the concern's own unit first."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from stafett.concerns.models import Concern, ConcernRecord, ConcernShare, RecordKind, WorryScore
from stafett.organisation.models import Membership
from tests import factories as f
from tests.conftest import World
from tests.markup_checks import visible_text as markup_text

pytestmark = pytest.mark.django_db


def visible_text(html: str) -> str:
    """The page's text as a reader sees it (entities such as &#x27; read as characters)."""
    return unescape(markup_text(html))


def url(name: str, concern: Concern) -> str:
    return reverse(f"concerns:{name}", kwargs={"concern": concern.uuid})


def in_language(client: Any, language: str) -> Any:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def nurse(world: World) -> Any:
    """Hanne, the health nurse at the health station (a job title in another unit)."""
    station = f.make_unit(world.municipality, "Testvik helsestasjon")
    hanne = f.make_user(world.municipality, username="hanne", first_name="Hanne", last_name="Helse")
    membership = f.add_membership(hanne, station)
    membership.title = "Helsesjukepleiar"
    membership.save()
    return hanne


# --- the observation carries its worry score ------------------------------------------


def test_one_submit_records_the_observation_and_its_worry_score(
    world: World, concern: Concern, login_as: Any
) -> None:
    client = login_as(world.employee)
    page = client.get(url("observe", concern)).content.decode()
    assert 'name="score"' in page and "Not scored now" in page
    response = client.post(url("observe", concern), {"body": "Gret ved henting.", "score": "7"})
    assert response.status_code == 302
    record = ConcernRecord.objects.get(concern=concern, kind=RecordKind.OBSERVATION)
    assert record.body == "Gret ved henting."
    latest = WorryScore.objects.filter(concern=concern).latest("id")
    assert (latest.score, latest.scored_on, latest.author) == (
        7,
        timezone.localdate(),
        world.employee,
    )
    detail = visible_text(client.get(url("detail", concern)).content.decode())
    assert "Gret ved henting." in detail and "7" in detail


def test_an_observation_without_a_score_adds_no_score(
    world: World, concern: Concern, login_as: Any
) -> None:
    before = WorryScore.objects.filter(concern=concern).count()
    response = login_as(world.employee).post(url("observe", concern), {"body": "Leika med Ola."})
    assert response.status_code == 302
    assert WorryScore.objects.filter(concern=concern).count() == before


def test_a_bad_score_saves_neither_the_observation_nor_the_score(
    world: World, concern: Concern, login_as: Any
) -> None:
    before = WorryScore.objects.filter(concern=concern).count()
    client = in_language(login_as(world.employee), "nn")
    response = client.post(url("observe", concern), {"body": "Gret.", "score": "11"})
    assert response.status_code == 200
    assert not ConcernRecord.objects.filter(concern=concern, kind=RecordKind.OBSERVATION).exists()
    assert WorryScore.objects.filter(concern=concern).count() == before


def test_the_observation_form_reads_in_nynorsk(
    world: World, concern: Concern, login_as: Any
) -> None:
    client = in_language(login_as(world.employee), "nn")
    text = visible_text(client.get(url("observe", concern)).content.decode())
    assert "Kva observerte du?" in text
    assert "Uro" in text and "Ikkje sett tal no" in text
    assert "Du kan setje tal på uroa samtidig." in text


# --- sharing: a leader, a role, or a person with unit and role --------------------------


def test_the_share_list_names_unit_and_role_with_the_concerns_unit_first(
    world: World, concern: Concern, login_as: Any, nurse: Any
) -> None:
    page = login_as(world.employee).get(url("share", concern)).content.decode()
    assert "The leader(s) of Solsida barnehage: Lars Leiar" in page
    assert "Helsesjukepleiar at Testvik helsestasjon: Hanne Helse" in page
    assert "Lars Leiar (Unit leader, Solsida barnehage)" in page
    assert "Siri Lærar (Employee, Testvik skule)" in page
    assert "Hanne Helse (Helsesjukepleiar, Testvik helsestasjon)" in page
    # Grouped by unit, the concern's own unit first; never the author or another
    # municipality's staff.
    own = page.index('<optgroup label="Solsida barnehage">')
    assert own < page.index('<optgroup label="Testvik helsestasjon">')
    assert own < page.index('<optgroup label="Testvik skule">')
    assert "Eva Tilsett (" not in page and "Nils Nabo" not in page


def test_the_share_list_reads_in_nynorsk_and_bokmal(
    world: World, concern: Concern, login_as: Any
) -> None:
    client = in_language(login_as(world.employee), "nn")
    page = client.get(url("share", concern)).content.decode()
    assert "Leiaren/leiarane for Solsida barnehage: Lars Leiar" in page
    assert "Lars Leiar (Einingsleiar, Solsida barnehage)" in page
    assert "Siri Lærar (Tilsett, Testvik skule)" in page
    page = in_language(client, "nb").get(url("share", concern)).content.decode()
    assert "Lederen/lederne for Solsida barnehage: Lars Leiar" in page


def test_sharing_with_the_units_leaders_in_one_choice(
    world: World, concern: Concern, login_as: Any
) -> None:
    second = f.make_user(world.municipality, username="leiar2", first_name="Liv", last_name="Leiar")
    f.add_membership(second, world.kindergarten, Membership.Role.LEADER)
    response = login_as(world.employee).post(url("share", concern), {"whom": "leaders"})
    assert response.status_code == 302
    shares = ConcernShare.objects.filter(concern=concern).order_by("user_id")
    assert [(s.user, s.role) for s in shares] == [
        (world.leader, ConcernShare.Role.LEADER),
        (second, ConcernShare.Role.LEADER),
    ]
    # Again: everyone has it already, nothing changes and the author is told.
    response = login_as(world.employee).post(url("share", concern), {"whom": "leaders"})
    assert response.status_code == 200
    assert "already shared with them" in response.content.decode()
    assert ConcernShare.objects.filter(concern=concern).count() == 2


def test_sharing_with_a_role_in_another_unit(
    world: World, concern: Concern, login_as: Any, nurse: Any
) -> None:
    station = Membership.objects.get(user=nurse).unit
    whom = f"title:{station.uuid}:Helsesjukepleiar"
    response = login_as(world.employee).post(url("share", concern), {"whom": whom})
    assert response.status_code == 302
    share = ConcernShare.objects.get(concern=concern)
    assert (share.user, share.role, share.unit) == (nurse, ConcernShare.Role.COLLEAGUE, station)


def test_sharing_with_a_person_takes_their_role_from_their_unit(
    world: World, concern: Concern, login_as: Any
) -> None:
    client = login_as(world.employee)
    assert (
        client.post(url("share", concern), {"whom": f"person:{world.leader.uuid}"}).status_code
        == 302
    )
    assert (
        client.post(
            url("share", concern), {"whom": f"person:{world.school_employee.uuid}"}
        ).status_code
        == 302
    )
    roles = dict(ConcernShare.objects.filter(concern=concern).values_list("user_id", "role"))
    assert roles == {
        world.leader.id: ConcernShare.Role.LEADER,
        world.school_employee.id: ConcernShare.Role.COLLEAGUE,
    }


@pytest.mark.parametrize(
    "whom",
    ["", "leaders-and-more", "person:not-a-uuid", "title:whatever:Rektor", "person:{other}"],
)
def test_a_bad_choice_shares_with_nobody(
    world: World, concern: Concern, login_as: Any, whom: str
) -> None:
    whom = whom.replace("{other}", str(world.other_staff.uuid))
    response = login_as(world.employee).post(url("share", concern), {"whom": whom})
    assert response.status_code == 200
    assert "Choose a person" in response.content.decode()
    assert not ConcernShare.objects.filter(concern=concern).exists()


def test_the_share_page_takes_the_same_number_of_queries_for_more_staff(
    world: World, concern: Concern, login_as: Any, django_assert_max_num_queries: Any
) -> None:
    client = login_as(world.employee)
    client.get(url("share", concern))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url("share", concern))
    for n in range(5):
        person = f.make_user(world.municipality, username=f"extra{n}")
        f.add_membership(person, f.make_unit(world.municipality))
    with CaptureQueriesContext(connection) as more:
        client.get(url("share", concern))
    assert len(more) == len(few)
