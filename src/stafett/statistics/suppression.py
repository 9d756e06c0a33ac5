"""Small numbers are not shown: how a table of children is protected.

Every figure on the statistics page counts children. A cell under `THRESHOLD` (5)
children is shown as "under 5" (primary suppression), 0 included: "none of the three
children at this unit ..." is also something about them.

A total would undo that: total minus the cells that are shown is the sum of the hidden
ones, and with one small cell that is its value. So each breakdown (the parts of one
total, e.g. the units' new concerns and the municipality's) is protected as a whole
(secondary suppression), and the page shows every total exactly when it can:

* The reader is assumed to know the rule: an "under 5" cell is 0–4, a "hidden" cell is
  5 or more, and the total is the sum of its parts (the worst case: with children
  counted once in the total and in several parts, the sum tells even less).
* From the total and the shown parts the reader knows R, the sum of the cells not
  shown. The breakdown is safe when, for every "under 5" cell, each of 0, 1, 2, 3 and 4
  is still possible: with no hidden cells that is 4 <= R <= 4 * (k - 1) for k cells
  under 5; with h hidden cells it is R - 5 * h >= 4.
* While a breakdown is not safe, the smallest part still shown is hidden as well
  ("hidden", never "under 5": that would be untrue). When every part is hidden and it
  is still not safe, the total is hidden instead.

`tests/stats/test_suppression.py` checks the result by brute force: from what is
shown, no cell under 5 can be narrowed down at all.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 5


class Shown(enum.StrEnum):
    EXACT = "exact"
    UNDER = "under"  # under THRESHOLD children
    HIDDEN = "hidden"  # THRESHOLD or more, hidden so that a small cell cannot be worked out


@dataclass(frozen=True)
class Cell:
    """A figure as it may be shown. The true value is kept only when it is shown."""

    shown: Shown
    value: int | None = None

    @property
    def is_exact(self) -> bool:
        return self.shown is Shown.EXACT


UNDER = Cell(Shown.UNDER)
HIDDEN = Cell(Shown.HIDDEN)


def primary(value: int) -> Cell:
    """One figure on its own: exact from THRESHOLD children, else "under 5"."""
    return Cell(Shown.EXACT, value) if value >= THRESHOLD else UNDER


def _safe(remainder: int, under: int, hidden: int) -> bool:
    if under == 0:
        return True
    low = THRESHOLD - 1
    if hidden:
        return remainder - THRESHOLD * hidden >= low
    return low <= remainder <= low * (under - 1)


def protect(parts: Sequence[int], total: int) -> tuple[list[Cell], Cell]:
    """The parts of `total` and the total itself, as they may be shown together."""
    if total < THRESHOLD:
        # Every part counts some of the same children: all of them are under 5 too.
        return [UNDER for _ in parts], UNDER
    under = {i for i, value in enumerate(parts) if value < THRESHOLD}
    hidden: set[int] = set()
    total_cell = Cell(Shown.EXACT, total)
    while True:
        shown_sum = sum(v for i, v in enumerate(parts) if i not in under and i not in hidden)
        if _safe(total - shown_sum, len(under), len(hidden)):
            break
        left = [i for i in range(len(parts)) if i not in under and i not in hidden]
        if not left:
            total_cell = HIDDEN
            break
        hidden.add(min(left, key=lambda i: (parts[i], i)))
    cells = [
        UNDER if i in under else HIDDEN if i in hidden else Cell(Shown.EXACT, value)
        for i, value in enumerate(parts)
    ]
    return cells, total_cell


def subset_total(value: int, parts: Sequence[Cell]) -> Cell:
    """The total of some of a protected breakdown's parts (a leader's units, one service
    kind): exact only when every part in it is shown, since it would otherwise tell the
    sum of the parts that are not."""
    if value < THRESHOLD:
        return UNDER
    if all(cell.is_exact for cell in parts):
        return Cell(Shown.EXACT, value)
    return HIDDEN


def joined(*totals: Cell) -> Cell:
    """One total shown in several breakdowns: the most hidden of the answers counts."""
    for kind in (Shown.HIDDEN, Shown.UNDER):
        for cell in totals:
            if cell.shown is kind:
                return cell
    return totals[0]
