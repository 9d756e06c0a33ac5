"""Charts drawn on the server as SVG: no JavaScript, readable by screen readers (role
"img" with a title and a description; the table beside each chart has the figures).

Coordinates are written with `_n` (Python's own formatting, always a dot), never with
Django's number formatting: in nynorsk and bokmål that writes a decimal comma, and
`x="12,5"` is not a number to a browser (it once broke a chart). Only the text the
reader sees goes through the language's formatting.

A figure under 5 children is drawn as a hatched box from 0 up to 5 ("somewhere under
5"), a hidden figure not at all; the table says which is which.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from stafett.statistics.suppression import THRESHOLD, Cell, Shown

# Colours with at least 3:1 contrast against white (WCAG 1.4.11), told apart by a
# pattern as well as by colour.
COLOURS = ("#1d4f91", "#0f766e", "#9a3412")
TEXT = "#1f2937"
GRID = "#6b7280"


def _n(value: float) -> str:
    """An SVG coordinate: at most one decimal, always with a dot."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def cell_text(cell: Cell) -> str:
    if cell.shown is Shown.UNDER:
        return _("under 5")
    if cell.shown is Shown.HIDDEN:
        return _("hidden")
    return number_format(cell.value or 0, use_l10n=True, force_grouping=True)


def _scale_max(values: Sequence[int]) -> int:
    # At least twice the threshold, so that a hatched "under 5" never looks like a lot.
    top = max([2 * THRESHOLD, *values])
    step = 5 if top <= 25 else 10 if top <= 60 else 10 ** int(math.log10(top))
    return int(math.ceil(top / step) * step)


def _ticks(top: int) -> list[int]:
    step = max(1, top // 5)
    return list(range(0, top + 1, step))


def _hatch(chart_id: str, index: int) -> str:
    colour = COLOURS[index % len(COLOURS)]
    return (
        f'<pattern id="{chart_id}-under-{index}" width="6" height="6" '
        f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{colour}" stroke-width="3"/></pattern>'
    )


@dataclass(frozen=True)
class Series:
    label: str
    cells: Sequence[Cell]


def column_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
) -> SafeString:
    """Grouped columns: one group per category (a month), one column per series."""
    width, height = 480.0, 290.0
    left, right, top, bottom = 34.0, 8.0, 12.0, 64.0
    plot_w, plot_h = width - left - right, height - top - bottom
    exact = [c.value or 0 for s in series for c in s.cells if c.is_exact]
    top_value = _scale_max(exact)
    group_w = plot_w / max(1, len(categories))
    bar_w = min(24.0, group_w * 0.8 / max(1, len(series)))

    def y(value: float) -> float:
        return top + plot_h - plot_h * value / top_value

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" class="chart" '
        f'id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        "<defs>" + "".join(_hatch(chart_id, i) for i in range(len(series))) + "</defs>",
    ]
    for tick in _ticks(top_value):
        parts.append(
            f'<line x1="{_n(left)}" x2="{_n(width - right)}" y1="{_n(y(tick))}" '
            f'y2="{_n(y(tick))}" stroke="{GRID}" stroke-width="0.5"/>'
            f'<text x="{_n(left - 6)}" y="{_n(y(tick) + 4)}" text-anchor="end" '
            f'font-size="14" fill="{TEXT}">{escape(number_format(tick, use_l10n=True))}</text>'
        )
    label_every = max(1, math.ceil(len(categories) / 6))
    for g, category in enumerate(categories):
        x0 = left + g * group_w + (group_w - bar_w * len(series)) / 2
        for s_index, s in enumerate(series):
            cell = s.cells[g]
            x = x0 + s_index * bar_w
            if cell.is_exact:
                value = cell.value or 0
                parts.append(
                    f'<rect x="{_n(x)}" y="{_n(y(value))}" width="{_n(bar_w - 1)}" '
                    f'height="{_n(y(0) - y(value))}" fill="{COLOURS[s_index % len(COLOURS)]}"/>'
                )
            elif cell.shown is Shown.UNDER:
                parts.append(
                    f'<rect x="{_n(x)}" y="{_n(y(THRESHOLD))}" width="{_n(bar_w - 1)}" '
                    f'height="{_n(y(0) - y(THRESHOLD))}" fill="url(#{chart_id}-under-{s_index})" '
                    f'stroke="{COLOURS[s_index % len(COLOURS)]}" stroke-dasharray="2 2"/>'
                )
        if g % label_every == 0:
            cx = left + g * group_w + group_w / 2
            parts.append(
                f'<text x="{_n(cx)}" y="{_n(top + plot_h + 18)}" text-anchor="middle" '
                f'font-size="14" fill="{TEXT}">{escape(category)}</text>'
            )
    # The legend, under the axis.
    lx = left
    for s_index, s in enumerate(series):
        parts.append(
            f'<rect x="{_n(lx)}" y="{_n(height - 22)}" width="12" height="12" '
            f'fill="{COLOURS[s_index % len(COLOURS)]}"/>'
            f'<text x="{_n(lx + 16)}" y="{_n(height - 12)}" font-size="14" '
            f'fill="{TEXT}">{escape(s.label)}</text>'
        )
        lx += 28 + 8 * len(s.label)
    parts.append(
        f'<rect x="{_n(lx)}" y="{_n(height - 22)}" width="12" height="12" '
        f'fill="url(#{chart_id}-under-0)" stroke="{COLOURS[0]}" stroke-dasharray="2 2"/>'
        f'<text x="{_n(lx + 16)}" y="{_n(height - 12)}" font-size="14" '
        f'fill="{TEXT}">{escape(_("under 5"))}</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[tuple[str, Cell]],
) -> SafeString:
    """Horizontal bars, one a row, with the label above the bar and the figure after it."""
    width = 420.0
    left, right = 4.0, 92.0
    row_h = 46.0
    height = 12.0 + row_h * max(1, len(rows))
    exact = [c.value or 0 for _label, c in rows if c.is_exact]
    top_value = _scale_max(exact)
    plot_w = width - left - right

    def w(value: float) -> float:
        return plot_w * value / top_value

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" class="chart" '
        f'id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        "<defs>" + _hatch(chart_id, 0) + "</defs>",
    ]
    for index, (label, cell) in enumerate(rows):
        y0 = 8.0 + index * row_h
        parts.append(
            f'<text x="{_n(left)}" y="{_n(y0 + 13)}" font-size="14" fill="{TEXT}">'
            f"{escape(label)}</text>"
        )
        bar_y = y0 + 18
        if cell.is_exact:
            bar = w(cell.value or 0)
            parts.append(
                f'<rect x="{_n(left)}" y="{_n(bar_y)}" width="{_n(bar)}" height="16" '
                f'fill="{COLOURS[0]}"/>'
            )
        elif cell.shown is Shown.UNDER:
            bar = w(THRESHOLD)
            parts.append(
                f'<rect x="{_n(left)}" y="{_n(bar_y)}" width="{_n(bar)}" height="16" '
                f'fill="url(#{chart_id}-under-0)" stroke="{COLOURS[0]}" stroke-dasharray="2 2"/>'
            )
        else:
            bar = 0.0
        parts.append(
            f'<text x="{_n(left + bar + 6)}" y="{_n(bar_y + 13)}" font-size="14" '
            f'fill="{TEXT}">{escape(cell_text(cell))}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
