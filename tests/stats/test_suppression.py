"""Small numbers stay hidden: from what a breakdown shows (its parts and its total), no
part under 5 can be narrowed down, checked by brute force over random tables."""

from __future__ import annotations

import itertools
import random

from stafett.statistics.suppression import (
    HIDDEN,
    THRESHOLD,
    UNDER,
    Cell,
    Shown,
    joined,
    primary,
    protect,
    subset_total,
)


def possible_values(cells: list[Cell], total: Cell) -> list[set[int]]:
    """For each cell, every value it can have given what is shown, when the total is the
    sum of the parts: "under 5" is 0–4, "hidden" is 5 or more (up to the total)."""
    if not total.is_exact:
        return [
            set(range(THRESHOLD))
            if c.shown is Shown.UNDER
            else {c.value or 0}
            if c.is_exact
            else set(range(THRESHOLD, 60))
            for c in cells
        ]
    assert total.value is not None
    shown_sum = sum(c.value or 0 for c in cells if c.is_exact)
    remainder = total.value - shown_sum
    open_cells = [i for i, c in enumerate(cells) if not c.is_exact]
    ranges = [
        range(THRESHOLD) if cells[i].shown is Shown.UNDER else range(THRESHOLD, remainder + 1)
        for i in open_cells
    ]
    seen: list[set[int]] = [set() for _ in cells]
    for i, c in enumerate(cells):
        if c.is_exact:
            seen[i].add(c.value or 0)
    for combo in itertools.product(*ranges):
        if sum(combo) == remainder:
            for i, v in zip(open_cells, combo, strict=True):
                seen[i].add(v)
    return seen


def assert_protected(parts: list[int], cells: list[Cell], total_cell: Cell, total: int) -> None:
    for value, cell in zip(parts, cells, strict=True):
        if value < THRESHOLD:
            assert cell is UNDER or cell.shown is Shown.UNDER, (parts, cells)
        elif cell.is_exact:
            assert cell.value == value
    if total_cell.is_exact:
        assert total_cell.value == total
    possible = possible_values(cells, total_cell)
    for cell, values in zip(cells, possible, strict=True):
        if cell.shown is Shown.UNDER:
            # Every value from 0 to 4 is still possible: nothing is learnt about it.
            assert values == set(range(THRESHOLD)), (parts, total, cells, total_cell, values)


def test_a_figure_under_5_is_shown_as_under_5_and_5_is_shown() -> None:
    assert primary(0) is UNDER and primary(4) is UNDER
    assert primary(5) == Cell(Shown.EXACT, 5)


def test_one_small_unit_cannot_be_worked_out_from_the_total() -> None:
    # A unit with 3 children beside one with 20: "23 minus 20" would give the 3 away.
    cells, total = protect([20, 3], 23)
    assert cells[1] is UNDER
    assert cells[0] is HIDDEN, "the large unit is hidden too"
    assert total == Cell(Shown.EXACT, 23)
    assert_protected([20, 3], cells, total, 23)


def test_nothing_is_hidden_when_every_part_is_5_or_more() -> None:
    cells, total = protect([5, 9, 12], 26)
    assert [c.value for c in cells] == [5, 9, 12] and total.value == 26


def test_a_total_under_5_hides_every_part() -> None:
    cells, total = protect([3, 0, 0], 3)
    assert cells == [UNDER, UNDER, UNDER] and total is UNDER


def test_when_nothing_else_protects_a_small_part_the_total_is_hidden() -> None:
    # 5 = 3 + 2: both parts are "under 5", but the total tells each is at least 1.
    cells, total = protect([3, 2], 5)
    assert cells == [UNDER, UNDER] and total is HIDDEN
    assert_protected([3, 2], cells, total, 5)


def test_random_tables_never_give_a_small_part_away() -> None:
    rng = random.Random(12)
    for _ in range(400):
        n = rng.randint(1, 5)
        parts = [rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 20]) for _ in range(n)]
        total = sum(parts)
        cells, total_cell = protect(parts, total)
        assert_protected(parts, cells, total_cell, total)


def test_a_total_of_some_units_is_exact_only_when_each_of_them_is() -> None:
    shown = [Cell(Shown.EXACT, 7), Cell(Shown.EXACT, 6)]
    assert subset_total(13, shown) == Cell(Shown.EXACT, 13)
    assert subset_total(13, [Cell(Shown.EXACT, 12), UNDER]) is HIDDEN
    assert subset_total(3, [UNDER]) is UNDER


def test_one_total_in_two_tables_is_as_hidden_as_the_most_hidden() -> None:
    exact = Cell(Shown.EXACT, 9)
    assert joined(exact, HIDDEN) is HIDDEN
    assert joined(exact, exact) == exact
