"""`GET /api/v1/statistics`: the statistics page's figures as JSON, for the page's readers
(policy `statistics.view`), checked by the page's form, and never a number under 5."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from tests.api.helpers import bearer, make_token
from tests.conftest import World
from tests.stats import builders as b
from tests.stats.test_selectors import days_ago

URL = "/api/v1/statistics"


@pytest.fixture
def town(world: World) -> World:
    """As tests/stats/test_pages.py: nine children at the kindergarten and three at the
    school, each with a concern; six of the nine went on in a relay log."""
    kg, school = world.kindergarten, world.school
    for i in range(9):
        kid = b.child(kg, age=4)
        log = None
        if i < 6:
            closed = days_ago(20) if i == 0 else None
            log = b.log(
                kid, kg, world.employee, level=1 + i % 3, activated=days_ago(80), closed=closed
            )
            m = b.measure(log, days_ago(70 - i), evaluate_on=days_ago(30))
            b.evaluation(log, m, days_ago(31))
        b.concern(kg, world.employee, days_ago(90), subject=kid, log=log)
    for _ in range(3):
        b.concern(school, world.school_employee, days_ago(50), subject=b.child(school, age=9))
    return world


def cells_in(value: Any) -> Iterator[dict[str, Any]]:
    """Every protected figure anywhere in the answer."""
    if isinstance(value, dict):
        if set(value) == {"value", "shown", "text"}:
            yield value
        for child in value.values():
            yield from cells_in(child)
    elif isinstance(value, list):
        for child in value:
            yield from cells_in(child)


def numbers_in(value: Any) -> Iterator[int]:
    if isinstance(value, dict):
        for child in value.values():
            yield from numbers_in(child)
    elif isinstance(value, list):
        for child in value:
            yield from numbers_in(child)
    elif isinstance(value, int) and not isinstance(value, bool):
        yield value


def test_the_administrator_gets_every_unit_and_no_number_under_5(
    town: World, login_as: Any
) -> None:
    response = login_as(town.admin).get(URL)
    assert response.status_code == 200
    body = response.json()
    units = {u["name"]: u for u in body["units"]}
    assert set(units) == {"Solsida barnehage", "Testvik skule"}
    school = units["Testvik skule"]["figures"]["new_concerns"]
    kindergarten = units["Solsida barnehage"]["figures"]["new_concerns"]
    assert school == {"value": None, "shown": "under", "text": "under 5"}
    # 12 - 9 would give the school's 3 away: the kindergarten's 9 is hidden.
    assert kindergarten == {"value": None, "shown": "hidden", "text": "hidden"}
    assert body["totals"]["new_concerns"] == {"value": 12, "shown": "exact", "text": "12"}
    assert units["Testvik skule"]["uuid"] == str(town.school.uuid)
    found = list(cells_in(body))
    assert len(found) > 20
    for cell in found:
        assert (cell["value"] is None) == (cell["shown"] != "exact")
        assert cell["value"] is None or cell["value"] >= 5
    # Nowhere in the answer: the school's 3 children, the kindergarten's 9.
    assert 3 not in set(numbers_in(body["units"])) | set(numbers_in(body["totals"]))
    assert 9 not in set(numbers_in(body))
    assert len(body["levels_over_time"]) == 12


def test_a_leader_gets_only_the_units_they_lead(town: World, login_as: Any) -> None:
    body = login_as(town.leader).get(URL).json()
    assert [u["name"] for u in body["units"]] == ["Solsida barnehage"]
    for cell in cells_in(body):
        assert cell["value"] is None or cell["value"] >= 5


def test_the_filters_are_used_and_echoed(town: World, login_as: Any) -> None:
    query = {
        "start": "2026-01",
        "end": "2026-03",
        "unit": str(town.school.uuid),
        "age_group": "6-12",
    }
    body = login_as(town.admin).get(URL, query).json()
    assert body["filters"] == {
        "start": "2026-01",
        "end": "2026-03",
        "unit": str(town.school.uuid),
        "service_kind": None,
        "age_group": "6-12",
    }
    assert [u["name"] for u in body["units"]] == ["Testvik skule"]
    assert [m["month"] for m in body["levels_over_time"]] == ["2026-01", "2026-02", "2026-03"]


def test_employees_and_tokens_are_refused_families_find_nothing(
    town: World, login_as: Any, client: Client
) -> None:
    refused = login_as(town.employee).get(URL)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    hidden = login_as(town.guardian).get(URL)
    assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"
    assert Client().get(URL).status_code == 401
    # A token's service account is an employee of its units, never a leader: 403.
    _token, key = make_token(town.admin, town.municipality, [town.kindergarten, town.school])
    response = client.get(URL, **bearer(key))
    assert response.status_code == 403 and "units" not in response.json()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start": "2026-13", "end": "2026-12"}, "start", "Write the month as year and month"),
        ({"start": "2026-05", "end": "2026-02"}, "end", "The period must end after it starts."),
        ({"start": "2019-01", "end": "2026-11"}, "start", "Choose at most 36 months."),
        ({"start": "2026-01", "end": "2099-01"}, "end", "The period cannot end after this month."),
        ({"start": "2026-01"}, "end", "This field is required."),
        ({"start": "2026-1", "end": "2026-02"}, "query.start", "String should match pattern"),
        ({"age_group": "7-9"}, "query.age_group", "Input should be"),
        ({"unit": "nope"}, "query.unit", "Input should be a valid UUID"),
        ({"unit": "5b0a7c52-7a4e-4c1e-9a53-0d6f1b1f0e11"}, "unit", "Select a valid choice"),
    ],
)
def test_a_bad_choice_gets_the_apis_error_and_no_figures(
    town: World, login_as: Any, query: dict[str, str], field: str, message: str
) -> None:
    response = login_as(town.admin).get(URL, query)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and "units" not in body
    assert any(f["field"] == field and message in f["message"] for f in body["fields"])


def test_a_leader_cannot_choose_another_unit(town: World, login_as: Any) -> None:
    response = login_as(town.leader).get(URL, {"unit": str(town.school.uuid)})
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "unit"


def test_the_answer_asks_the_database_a_fixed_number_of_times(
    town: World, login_as: Any, django_assert_max_num_queries: Any
) -> None:
    client = login_as(town.admin)
    client.get(URL)
    with django_assert_max_num_queries(25):
        assert client.get(URL).status_code == 200
