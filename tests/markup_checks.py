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


# Words that belong to one written standard only. A nynorsk page with "ikke" or a bokmål
# page with "ikkje" has a string from the other standard (or a fallback nobody meant).
_ONLY_IN = {
    "nb": ("ikke", "hva", "hvordan", "hvem", "jeg", "samme", "valg", "Velg", "velg", "være"),
    "nn": ("ikkje", "kva", "korleis", "kven", "eg", "same", "vere"),
}


def other_standard_words(text: str, language: str) -> list[str]:
    """Words in `text` (a page's visible text) from the written standard that is not
    `language` ("nn" or "nb")."""
    other = "nb" if language == "nn" else "nn"
    found = []
    for word in _ONLY_IN[other]:
        if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text):
            found.append(word)
    return found


def visible_text(html: str) -> str:
    """The page's text without markup, scripts and styles (good enough for word checks)."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<!--.*?-->", " ", html)
    return re.sub(r"(?s)<[^>]+>", " ", html)
