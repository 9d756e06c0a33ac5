"""Checks on rendered pages that hold in every language.

Numbers in markup (SVG coordinates, sizes) are read by the browser, not by people:
they must never be localised. In nynorsk and bokmål Django writes 136.0 as "136,0",
which a browser rejects, so a chart collapses while the English page looks right.
"""

from __future__ import annotations

import re

# Attributes whose value is one number or a list of numbers.
NUMERIC_ATTRIBUTES = (
    "x",
    "y",
    "x1",
    "x2",
    "y1",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "width",
    "height",
    "viewBox",
    "points",
    "stroke-width",
    "font-size",
    "d",
)
_ATTRIBUTE = re.compile(
    r"\s(" + "|".join(re.escape(a) for a in NUMERIC_ATTRIBUTES) + r')="([^"]*)"'
)
# A digit, a comma, a digit: a decimal comma (a list of points uses "x,y" pairs, so the
# `points` attribute is checked for pairs instead).
_DECIMAL_COMMA = re.compile(r"\d,\d")
_POINT_PAIR = re.compile(r"^-?\d+(?:\.\d+)?,-?\d+(?:\.\d+)?$")


def localised_numbers(html: str) -> list[str]:
    """Every numeric attribute in the page written with a decimal comma."""
    bad = []
    for name, value in _ATTRIBUTE.findall(html):
        if name == "points":
            if any(not _POINT_PAIR.match(pair) for pair in value.split()):
                bad.append(f'{name}="{value}"')
        elif _DECIMAL_COMMA.search(value):
            bad.append(f'{name}="{value}"')
    return bad
