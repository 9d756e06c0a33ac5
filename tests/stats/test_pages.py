"""The statistics page and its CSV file: who sees which units, figures under 5 shown as
"under 5" (in the reader's language), a bad choice gets a message, and the charts'
coordinates stay numbers in nynorsk and bokmål."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories as f
from tests.conftest import World
from tests.stats import builders as b
from tests.stats.test_selectors import days_ago

URL = reverse("statistics:page")
CSV_URL = reverse("statistics:csv")
SVG_NUMBERS = {"x", "y", "x1", "x2", "y1", "y2", "width", "height", "stroke-width"}


@pytest.fixture
def town(world: World) -> World:
    """Nine children at the kindergarten, three at the school, each with a concern; six
    at the kindergarten went on in a relay log (one is closed, with the goals met)."""
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


def language_client(user: Any, language: str) -> Client:
    client = Client()
    client.cookies["django_language"] = language
    return f.login(client, user)


def cells(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r'<td class="num">(.*?)</td>', html, re.S)
    ]


def test_the_administrator_sees_every_unit_with_small_numbers_under_5(
    town: World, login_as: Any
) -> None:
    page = login_as(town.admin).get(URL)
    html = page.content.decode()
    assert page.status_code == 200
    assert "prevention plan under the Child Welfare Act (barnevernsloven)" in html
    assert "Solsida barnehage" in html and "Testvik skule" in html
    # New concerns: 12 children in all, the school's 3 "under 5", the kindergarten's 9
    # hidden (12 - 9 would give the 3 away).
    assert '<td class="num">12</td>' in html
    found = cells(html)
    assert "under 5" in found and "hidden" in found
    assert "3" not in found and "9" not in found
    assert 'role="img"' in html and '<title id="chart-levels-title">' in html


def test_a_leader_sees_only_the_units_they_lead(town: World, login_as: Any) -> None:
    html = login_as(town.leader).get(URL).content.decode()
    assert "Solsida barnehage" in html
    assert "Testvik skule" not in html


def test_employees_are_refused_and_families_find_nothing(town: World, login_as: Any) -> None:
    assert login_as(town.employee).get(URL).status_code == 403
    assert login_as(town.guardian).get(URL).status_code == 404
    assert login_as(town.employee).get(CSV_URL).status_code == 403
    assert login_as(town.guardian).get(CSV_URL).status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-13", "end": "2026-12"}, "Write the month as year and month"),
        ({"start": "2026-05", "end": "2026-02"}, "The period must end after it starts."),
        ({"start": "2019-01", "end": "2026-11"}, "Choose at most 36 months."),
        ({"start": "2026-01", "end": "2099-01"}, "The period cannot end after this month."),
        ({"start": "2026-01", "end": "2026-02", "age_group": "7-9"}, "Select a valid choice"),
        ({"start": "2026-01", "end": "2026-02", "unit": "nope"}, "Select a valid choice"),
    ],
)
def test_a_bad_choice_gets_a_message_and_no_figures(
    town: World, login_as: Any, query: dict[str, str], message: str
) -> None:
    html = login_as(town.admin).get(URL, query).content.decode()
    assert message in html
    assert "Key figures" not in html
    response = login_as(town.admin).get(CSV_URL, query)
    assert response.status_code == 400 and message in response.content.decode()


def test_a_leader_cannot_choose_another_unit(town: World, login_as: Any) -> None:
    query = {"start": "2026-01", "end": "2026-02", "unit": str(town.school.uuid)}
    html = login_as(town.leader).get(URL, query).content.decode()
    assert "Select a valid choice" in html and "Key figures" not in html


def test_the_csv_file_is_protected_like_the_page(town: World, login_as: Any) -> None:
    response = login_as(town.admin).get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "Unit")
    units = {r[0]: r for r in rows[header : header + 4] if r}
    assert units["Testvik skule"][2] == "under 5"
    assert units["Solsida barnehage"][2] == "hidden"
    assert units["Total"][2] == "12"
    every_value = {value for r in rows for value in r}
    assert "3" not in every_value and "9" not in every_value


@pytest.mark.parametrize("language", ["nn", "nb"])
def test_chart_coordinates_are_numbers_in_nynorsk_and_bokmal(town: World, language: str) -> None:
    html = language_client(town.admin, language).get(URL).content.decode()
    assert "færre enn 5" in cells(html) and "under 5" not in cells(html)
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) == 3
    checked = 0
    for svg in svgs:
        root = ET.fromstring(svg)  # noqa: S314 - our own page, in a test
        assert root.get("role") == "img"
        for element in root.iter():
            for name, value in element.attrib.items():
                if name in SVG_NUMBERS:
                    float(value)  # "12,5" would fail here
                    checked += 1
            if element.tag.endswith("svg"):
                assert [float(v) for v in element.get("viewBox", "").split()]
    assert checked > 50
    # The median is text, written the language's way.
    assert re.search(r"\d+,\d", html)


def test_nynorsk_says_under_5_and_hidden_in_nynorsk(town: World) -> None:
    html = language_client(town.admin, "nn").get(URL).content.decode()
    found = cells(html)
    assert "færre enn 5" in found and "ikkje vist" in found
    assert "under 5" not in found and "hidden" not in found
    assert "<h1>Statistikk</h1>" in html


def test_the_page_asks_the_database_a_fixed_number_of_times(
    town: World, login_as: Any, django_assert_max_num_queries: Any
) -> None:
    client = login_as(town.admin)
    client.get(URL)
    with django_assert_max_num_queries(25):
        client.get(URL)
