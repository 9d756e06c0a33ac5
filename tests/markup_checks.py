"""Checks on rendered pages that hold in every language.

Numbers in markup (SVG coordinates, sizes) are read by the browser, not by people:
they must never be localised. In nynorsk and bokmål Django writes 136.0 as "136,0",
which a browser rejects, so a chart collapses while the English page looks right.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser

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
        # Also at the start of a sentence ("Korleis …", "Ikke …").
        capital = word.capitalize()
        both = {word} if capital in _ONLY_IN[other] else {word, capital}
        spellings = "|".join(re.escape(w) for w in both)
        if re.search(rf"(?<![\w-])(?:{spellings})(?![\w-])", text):
            found.append(word)
    return found


def visible_text(html: str) -> str:
    """The page's text without markup, scripts and styles (good enough for word checks)."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<!--.*?-->", " ", html)
    return re.sub(r"(?s)<[^>]+>", " ", html)


# English words that are not also Norwegian words ("for", "is" … are both): a sentence
# left in English on a Norwegian page has some of them.
ENGLISH_WORDS = ("the", "and", "your", "you", "with", "this", "has", "been", "not", "who", "what")


def english_words(text: str) -> list[str]:
    return [w for w in ENGLISH_WORDS if re.search(rf"(?<![\w-]){w}(?![\w-])", text, re.IGNORECASE)]


# Elements whose text is not read as the page's text.
_NOT_TEXT = {"script", "style", "template"}
_VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
# Attributes people read (or hear) as the interface's words.
_READ_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "aria-description"}


class _Texts(HTMLParser):
    """The texts of a page, each with the language it is marked as written in: the text
    nodes and the attributes people read, leaving out scripts and styles."""

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = [("", language)]
        self.texts: list[tuple[str, str]] = []

    @property
    def _lang(self) -> str | None:
        return self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        lang = values.get("lang") or self._lang
        if self._lang is None or tag in _NOT_TEXT:
            lang = None  # inside a script or style: not text
        for name in _READ_ATTRIBUTES:
            if values.get(name) and lang is not None:
                self.texts.append((lang, str(values[name])))
        button = tag == "input" and values.get("type") in ("submit", "button")
        if button and values.get("value") and lang is not None:
            self.texts.append((lang, str(values["value"])))
        if tag not in _VOID:
            self.stack.append((tag, lang))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching element (an unclosed <p> or <li> does not derail it).
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and self._lang is not None:
            self.texts.append((self._lang, text))


def page_texts(html: str, language: str) -> list[str]:
    """The texts of the page written in `language`: every text node and read attribute,
    without what is marked (lang="…") as written in another language, such as a consent
    text in Arabic or a language's own name in the language menu."""
    parser = _Texts(language)
    parser.feed(html)
    parser.close()
    primary = language.split("-")[0]
    return [text for lang, text in parser.texts if lang.split("-")[0] == primary]


_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


@lru_cache(maxsize=4)
def _english_interface(language: str) -> tuple[frozenset[str], re.Pattern[str] | None]:
    """The interface strings (msgids) that `language` translates into other words, as a
    set of whole strings and one pattern for those with placeholders. A string that is
    also the translation of some message in `language` ("Status", "Start") is left out:
    it is a word of the language too."""
    from django.utils.translation import trans_real

    own = trans_real.translation(language)._catalog
    translations = {str(v) for _, v in own.items()}
    plain: set[str] = set()
    patterns: list[str] = []
    for code in ("nn", "nb"):
        for key in trans_real.translation(code)._catalog.keys():  # noqa: SIM118 (a TranslationCatalog has no __iter__)
            msgid = key[0] if isinstance(key, tuple) else key
            msgid = " ".join(str(msgid).split("\x04")[-1].split())
            if len(msgid) < 3 or not re.search(r"[A-Za-z]{2}", msgid):
                continue
            if msgid in translations or own.get(key) == msgid:
                continue
            if _PLACEHOLDER.search(msgid):
                parts = _PLACEHOLDER.split(msgid)
                if sum(len(p.strip()) for p in parts) >= 8:  # enough fixed words to know it
                    patterns.append(".+?".join(re.escape(p) for p in parts))
            else:
                plain.add(msgid)
    pattern = re.compile("|".join(sorted(set(patterns)))) if patterns else None
    return frozenset(plain), pattern


def english_strings(html: str, language: str) -> list[str]:
    """Interface strings left in English on a page in `language` ("nn" or "nb"): a text
    node or read attribute that is a whole English message of the catalogue (with or
    without its placeholders filled in), or a text with English words in it."""
    plain, pattern = _english_interface(language)
    found = []
    for text in page_texts(html, language):
        if text in plain or (pattern and pattern.fullmatch(text)) or english_words(text):
            found.append(text)
    return found


def page_problems(html: str, language: str) -> list[str]:
    """What is wrong with a rendered page in `language`: numbers with a decimal comma in
    markup, and on a Norwegian page English interface strings and words from the other
    written standard."""
    problems = [f"decimal comma in markup: {a}" for a in localised_numbers(html)]
    match = re.search(r'<html\b[^>]*\blang="([^"]*)"', html)
    if match is None or match.group(1) != language:
        problems.append(f"<html lang> is {match.group(1) if match else None!r}, not {language!r}")
    if language in ("nn", "nb"):
        problems += [f"English: {text!r}" for text in english_strings(html, language)]
        text = "\n".join(page_texts(html, language))
        other = "bokmål" if language == "nn" else "nynorsk"
        problems += [f"{other}: {word!r}" for word in other_standard_words(text, language)]
    return problems
