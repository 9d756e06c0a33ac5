"""Texts the municipality writes (worry-scale anchors, emergency contacts' descriptions,
guide steps, consent texts), and how a reader is shown them.

The interface is nynorsk, bokmål or English (Django's i18n); what the municipality writes
is content, held per language code. A short text is a dict keyed by language code
(`{"nn": …, "nb": …, "en": …}`) in the row it belongs to: it is read whole with its row,
never queried by language, so pages keep their query counts. Longer texts with several
fields (guides, consent texts) are rows per language.

A reader is shown the text in their own language, else in the municipality's main
language, else in nynorsk, bokmål, English. A text shown in another language than the
reader's is marked with its `lang` and a short note in the reader's language, so no one
reads a fallback without being told (`core/templatetags/texts.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.html import format_html
from django.utils.html import linebreaks as html_linebreaks
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _

# Languages the municipality writes its short texts in, in the order the administrator
# sees them and in which readers fall back after the municipality's main language.
CONTENT_LANGUAGES: list[tuple[str, Any]] = [
    ("nn", gettext_lazy("Nynorsk")),
    ("nb", gettext_lazy("Bokmål")),
    ("en", gettext_lazy("English")),
]
LANGUAGE_CODES: list[str] = [code for code, _name in CONTENT_LANGUAGES]


def language_name(code: str) -> str:
    """A content language's name as it stands inside a sentence, in the reader's language
    ("nynorsk", "English"); other codes as they are."""
    names = {
        "nn": pgettext("language name in a sentence", "nynorsk"),
        "nb": pgettext("language name in a sentence", "bokmål"),
        "en": pgettext("language name in a sentence", "English"),
    }
    return names.get(code, code)


def reader_language() -> str:
    """The interface language of this request: nn, nb or en."""
    return (get_language() or "nn").split("-")[0]


def language_order(language: str, main: str = "") -> list[str]:
    """The reader's language, the municipality's main language, then nn, nb, en."""
    order = [language, main, *LANGUAGE_CODES]
    return list(dict.fromkeys(code for code in order if code))


def fallback_note(shown: str, wanted: str) -> str:
    """The visible note on a text shown in `shown` to a reader of `wanted`, in the
    reader's language; empty when they are the same."""
    if not shown or shown == wanted:
        return ""
    return _("(%(shown)s — not yet written in %(wanted)s)") % {
        "shown": language_name(shown),
        "wanted": language_name(wanted),
    }


def _fallbacks(languages: Iterable[str], wanted: str) -> list[str]:
    """The languages other than the reader's among `languages`, in the usual order."""
    found = {code for code in languages if code and code != wanted}
    return [code for code in LANGUAGE_CODES if code in found] + sorted(found - set(LANGUAGE_CODES))


def _languages_phrase(codes: list[str]) -> str:
    """ "nynorsk", or "nynorsk or bokmål" (at most two: the reader's own is left out)."""
    names = [language_name(code) for code in codes]
    if len(names) == 1:
        return names[0]
    return _("%(first)s or %(second)s") % {"first": ", ".join(names[:-1]), "second": names[-1]}


def list_fallback_note(languages: Iterable[str], wanted: str) -> str:
    """One note for a list of titles when some are in another language than the reader's,
    e.g. "Some titles are shown in nynorsk because they are not written in English yet."
    Said once for the list, not on every row; empty when every title is the reader's."""
    codes = _fallbacks(languages, wanted)
    if not codes:
        return ""
    message = _(
        "Some titles are shown in %(shown)s because they are not written in %(wanted)s yet."
    )
    return message % {"shown": _languages_phrase(codes), "wanted": language_name(wanted)}


def form_fallback_note(languages: Iterable[str], wanted: str) -> str:
    """One note at the top of a form (a tool) whose title or questions are in another
    language than the reader's; empty when all of it is in the reader's."""
    languages = list(languages)
    codes = _fallbacks(languages, wanted)
    if not codes:
        return ""
    values = {"shown": _languages_phrase(codes), "wanted": language_name(wanted)}
    if wanted not in languages:
        message = _("This form is shown in %(shown)s because it is not written in %(wanted)s yet.")
        return message % values
    message = _(
        "Parts of this form are shown in %(shown)s because they are not written in %(wanted)s yet."
    )
    return message % values


@dataclass(frozen=True)
class Shown:
    """A municipality's text as shown to one reader: the words, the language they are in
    and the language the reader wanted."""

    text: str
    language: str
    wanted: str

    @property
    def is_fallback(self) -> bool:
        return bool(self.text) and self.language != self.wanted

    @property
    def note(self) -> str:
        """E.g. "(nynorsk — not yet written in English)"; empty when not a fallback."""
        return fallback_note(self.language, self.wanted) if self.text else ""

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)


def clean_texts(texts: Mapping[str, str]) -> dict[str, str]:
    """Only known languages, without blank texts, stripped."""
    return {
        code: str(texts[code]).strip()
        for code in LANGUAGE_CODES
        if code in texts and str(texts[code]).strip()
    }


def pick_text(texts: Mapping[str, str], *, main: str, language: str | None = None) -> Shown:
    """The text for the reader (`language`, default the request's), with its language."""
    wanted = language or reader_language()
    for code in language_order(wanted, main):
        value = (texts.get(code) or "").strip()
        if value:
            return Shown(text=value, language=code, wanted=wanted)
    return Shown(text="", language=wanted, wanted=wanted)


def render_shown(shown: Shown, *, linebreaks: bool = False) -> SafeString:
    """The text in a span with its `lang`, and when it falls back, the visible note."""
    if not shown.text:
        return format_html("")
    body: Any = shown.text
    if linebreaks:
        # linebreaks escapes the text itself (autoescape=True) before adding <p>/<br>.
        body = SafeString(html_linebreaks(shown.text, autoescape=True))
        if not shown.is_fallback:
            return format_html('<div lang="{}">{}</div>', shown.language, body)
        return format_html(
            '<div lang="{}">{}</div><p class="muted text-fallback">{}</p>',
            shown.language,
            body,
            shown.note,
        )
    if not shown.is_fallback:
        return format_html('<span lang="{}">{}</span>', shown.language, body)
    return format_html(
        '<span lang="{}">{}</span> <span class="muted text-fallback">{}</span>',
        shown.language,
        body,
        shown.note,
    )
