"""`compute`: counts children (not rows), protects small numbers, counts each figure
where the page says, and asks the database the same number of times however much data
there is."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stafett.organisation.models import ServiceCategory
from stafett.statistics.forms import month_end
from stafett.statistics.selectors import AgeGroup, Filters, Statistics, compute
from stafett.statistics.suppression import HIDDEN, UNDER, Cell, Shown
from tests.conftest import World
from tests.stats import builders as b
from tests.stats.test_suppression import possible_values

TODAY = timezone.localdate()


def days_ago(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


def last_year(**kwargs: Any) -> Filters:
    first = TODAY.replace(day=1)
    start = (first - datetime.timedelta(days=330)).replace(day=1)
    return Filters(start=start, end=month_end(first), **kwargs)


def exact(value: int) -> Cell:
    return Cell(Shown.EXACT, value)


def row(stats: Statistics, name: str) -> dict[str, Cell]:
    return next(r.cells for r in stats.units if r.name == name)


@pytest.fixture
def town(world: World) -> World:
    """Eight children with concerns at the kindergarten (two of them on one child, and
    five gone on in relay logs); three at the school."""
    kg, school = world.kindergarten, world.school
    kids = [b.child(kg, age=4) for _ in range(7)]
    for i, kid in enumerate(kids):
        log = None
        if i < 5:
            log = b.log(kid, kg, world.employee, level=1, activated=days_ago(90 - i))
        b.concern(kg, world.employee, days_ago(100 - i), subject=kid, log=log)
    b.concern(kg, world.employee, days_ago(30), subject=kids[0])  # the same child again
    b.concern(kg, world.employee, days_ago(20))  # not named yet: one more child
    for _ in range(3):
        b.concern(school, world.school_employee, days_ago(50), subject=b.child(school, age=9))
    return world


def test_new_concerns_count_children_and_a_concern_without_a_name_as_one(town: World) -> None:
    stats = compute(town.municipality, units=None, filters=last_year())
    assert stats.totals["new_concerns"] == exact(11)
    # Five, all at the kindergarten: shown, the total would tell that the school has none.
    assert stats.totals["concerns_to_logs"] is HIDDEN
    assert stats.concerns_to_logs_percent is None
    b.concern(town.school, town.school_employee, days_ago(45), subject=b.child(town.school))
    for _ in range(4):
        kid = b.child(town.school)
        log = b.log(kid, town.school, town.school_employee, level=1, activated=days_ago(40))
        b.concern(town.school, town.school_employee, days_ago(45), subject=kid, log=log)
    stats = compute(town.municipality, units=None, filters=last_year())
    assert stats.totals["new_concerns"] == exact(16)
    assert stats.totals["concerns_to_logs"] == exact(9)
    assert stats.concerns_to_logs_percent == round(100 * 9 / 16)


def test_a_unit_with_three_children_reveals_nothing_about_them(town: World) -> None:
    stats = compute(town.municipality, units=None, filters=last_year())
    school = row(stats, "Testvik skule")
    assert set(school.values()) == {UNDER}
    kindergarten = row(stats, "Solsida barnehage")
    # 11 in all minus the kindergarten's 8 would give the school's 3 away: hidden.
    assert kindergarten["new_concerns"] is HIDDEN
    assert stats.totals["new_concerns"] == exact(11)
    cells = [r.cells["new_concerns"] for r in stats.units]
    possible = possible_values(cells, stats.totals["new_concerns"])
    for cell, values in zip(cells, possible, strict=True):
        if cell.shown is Shown.UNDER:
            assert values == {0, 1, 2, 3, 4}


def test_one_unit_chosen_is_as_protected_as_in_the_whole_municipality(town: World) -> None:
    chosen = compute(town.municipality, units=None, filters=last_year(unit_id=town.kindergarten.id))
    # Had it said 8, the whole municipality's 11 would give the school's 3 away.
    assert chosen.totals["new_concerns"] is HIDDEN
    assert [r.name for r in chosen.units] == ["Solsida barnehage"]
    leader = compute(town.municipality, units=[town.school.id], filters=last_year())
    assert leader.totals["new_concerns"] is UNDER
    assert [r.name for r in leader.units] == ["Testvik skule"]


def test_a_unit_with_enough_children_shows_its_figures(town: World) -> None:
    for _ in range(6):
        b.concern(town.school, town.school_employee, days_ago(40), subject=b.child(town.school))
    stats = compute(town.municipality, units=None, filters=last_year())
    assert row(stats, "Testvik skule")["new_concerns"] == exact(9)
    assert row(stats, "Solsida barnehage")["new_concerns"] == exact(8)
    assert stats.totals["new_concerns"] == exact(17)


def test_levels_over_time_follow_the_level_each_log_was_on(world: World) -> None:
    kg = world.kindergarten
    moved_on = days_ago(100)
    for level in (1, 2, 2):
        for _ in range(6):
            b.log(b.child(kg), kg, world.employee, level=level, activated=days_ago(200))
    # Six of the twelve at level 2 moved on to level 3.
    for log in list(world.municipality.relaylog_set.filter(level=2).order_by("id"))[:6]:
        b.level_change(log, moved_on, 2, 3)
        log.level = 3
        log.save(update_fields=["level"])
    stats = compute(world.municipality, units=None, filters=last_year())
    by_month = {m.month: m for m in stats.levels_over_time}
    before = by_month[(moved_on - datetime.timedelta(days=40)).replace(day=1)]
    after = by_month[TODAY.replace(day=1)]
    assert after.levels == {1: exact(6), 2: exact(6), 3: exact(6)}
    assert after.total == exact(18)
    # Before: 6 at level 1, 12 at level 2, none at level 3. "18 - 6 - 12" would tell
    # that there were none at level 3, so levels 1 and 2 are hidden as well.
    assert before.levels == {1: HIDDEN, 2: HIDDEN, 3: UNDER}
    assert before.total == exact(18)


def test_closures_withdrawals_and_handovers(world: World) -> None:
    kg, school = world.kindergarten, world.school
    for i in range(12):
        reason = "goals_met" if i < 10 else "moved_away"
        log = b.log(
            b.child(kg),
            kg,
            world.employee,
            level=1,
            activated=days_ago(150),
            closed=days_ago(30 + i),
            close_reason=reason,
        )
        b.withdrawal(log, days_ago(40))
        b.handover(log, world.school_employee, school, days_ago(60))
    stats = compute(world.municipality, units=None, filters=last_year())
    assert stats.totals["closures"] == exact(12)
    reasons = {r.reason: r.cell for r in stats.closures_by_reason}
    assert reasons["goals_met"] is HIDDEN and reasons["moved_away"] is UNDER
    assert reasons["other"] is UNDER
    assert stats.totals["withdrawals"] == exact(12)
    assert stats.totals["handovers"] == exact(12)
    # Handovers count for the unit that took the baton over (hidden: 12 - 12 = 0).
    assert row(stats, "Testvik skule")["handovers"] is HIDDEN
    assert row(stats, "Solsida barnehage")["handovers"] is UNDER
    assert row(stats, "Solsida barnehage")["closures"] is HIDDEN


def test_days_to_first_measure_and_measures_evaluated_on_time(world: World) -> None:
    kg = world.kindergarten
    for i in range(6):
        kid = b.child(kg)
        log = b.log(kid, kg, world.employee, level=1, activated=days_ago(100))
        b.concern(kg, world.employee, days_ago(110), subject=kid, log=log)
        first = b.measure(log, days_ago(110 - 10 * (i + 1)), evaluate_on=days_ago(20))
        if i < 4:
            b.evaluation(log, first, days_ago(21))  # on time
        elif i == 4:
            b.evaluation(log, first, days_ago(10))  # late
    stats = compute(world.municipality, units=None, filters=last_year())
    # 10, 20, ..., 60 days: the median is 35.
    assert stats.days_to_first_measure.days == 35.0
    assert stats.days_to_first_measure.children == exact(6)
    assert stats.evaluated_on_time.percent == round(100 * 4 / 6)
    assert stats.evaluated_on_time.measures == 6


def test_too_few_children_hide_the_median_and_the_share(world: World) -> None:
    kg = world.kindergarten
    kid = b.child(kg)
    log = b.log(kid, kg, world.employee, level=1, activated=days_ago(100))
    b.concern(kg, world.employee, days_ago(110), subject=kid, log=log)
    b.measure(log, days_ago(90), evaluate_on=days_ago(20))
    stats = compute(world.municipality, units=None, filters=last_year())
    assert stats.days_to_first_measure.days is None
    assert stats.days_to_first_measure.children is UNDER
    assert stats.evaluated_on_time.percent is None


def test_age_group_and_service_kind_choose_children_and_units(town: World) -> None:
    for _ in range(6):
        b.concern(town.school, town.school_employee, days_ago(40), subject=b.child(town.school, 5))
    preschool = compute(
        town.municipality, units=None, filters=last_year(age_group=AgeGroup.PRESCHOOL)
    )
    # Seven named children of 4 and six of 5; the concern without a name has no age.
    assert preschool.totals["new_concerns"] == exact(13)
    assert row(preschool, "Solsida barnehage")["new_concerns"] == exact(7)
    primary = compute(town.municipality, units=None, filters=last_year(age_group=AgeGroup.PRIMARY))
    assert primary.totals["new_concerns"] is UNDER
    kind = town.school.service_kind
    assert kind.category == ServiceCategory.BASIS
    by_kind = compute(town.municipality, units=None, filters=last_year(service_kind_id=kind.id))
    assert [r.name for r in by_kind.units] == ["Testvik skule"]
    assert by_kind.totals["new_concerns"] == exact(9)


def test_another_municipality_is_never_counted(town: World) -> None:
    other = compute(town.other_municipality, units=None, filters=last_year())
    assert other.totals["new_concerns"] is UNDER
    assert [r.name for r in other.units] == ["Nabovik barnehage"]


def _queries(world: World) -> int:
    with CaptureQueriesContext(connection) as ctx:
        compute(world.municipality, units=None, filters=last_year())
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_data(town: World) -> None:
    few = _queries(town)
    kg = town.kindergarten
    for i in range(15):
        kid = b.child(kg)
        log = b.log(kid, kg, town.employee, level=2, activated=days_ago(120 - i))
        b.concern(kg, town.employee, days_ago(130), subject=kid, log=log)
        b.level_change(log, days_ago(60), 2, 3)
        m = b.measure(log, days_ago(100), evaluate_on=days_ago(30))
        b.evaluation(log, m, days_ago(31))
        b.handover(log, town.school_employee, town.school, days_ago(50))
    many = _queries(town)
    assert few == many <= 13
