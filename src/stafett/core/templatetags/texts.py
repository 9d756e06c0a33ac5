"""`{% load texts %}`: show a municipality's text with its language marked.

`{% shown_text shown %}` writes a short text in a span with its `lang`, and when it is a
fallback (not in the reader's language), a visible note such as
"(nynorsk — not yet written in English)". `{% shown_text shown linebreaks=True %}` does
the same for a text of several lines.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from stafett.core import texts
from stafett.core.texts import Shown, language_name, reader_language, render_shown

register = template.Library()


@register.simple_tag
def shown_text(shown: Shown | None, linebreaks: bool = False) -> SafeString:
    if shown is None:
        return SafeString("")
    return render_shown(shown, linebreaks=linebreaks)


# --- Consent pages in a further language the family chose (issue 11, item 8) ------------
# The chosen text has `language`, `language_name` (in the language itself) and `direction`.


def _language_span(text: Any) -> SafeString:
    return format_html(
        '<span lang="{}" dir="{}">{}</span>', text.language, text.direction, text.language_name
    )


def _with_language(message: str, text: Any, **more: str) -> SafeString:
    """A translated message whose %(language)s is the chosen language's own name, marked
    with its `lang` and `dir`; the rest escaped."""
    values: dict[str, Any] = {key: conditional_escape(value) for key, value in more.items()}
    values["language"] = _language_span(text)
    return mark_safe(conditional_escape(message) % values)  # noqa: S308 - parts escaped above


@register.simple_tag
def chosen_language_note(text: Any) -> SafeString:
    """Said once at the top of a consent page read in a further language."""
    if not text:
        return SafeString("")
    page = language_name(reader_language())
    message = _(
        "You chose to read in %(language)s. The parts the municipality has written in "
        "%(language)s are shown in it. Everything else on this page is in %(page)s, because "
        "the municipality has no text for it in %(language)s."
    )
    return format_html(
        '<p class="notice text-fallback">{}</p>', _with_language(message, text, page=page)
    )


@register.simple_tag
def not_written_note(text: Any) -> SafeString:
    """Beside one part the municipality has not written in the chosen language."""
    if not text:
        return SafeString("")
    page = language_name(reader_language())
    message = _("(%(page)s — the municipality has no text for this in %(language)s)")
    return format_html(
        '<span class="muted text-fallback">{}</span>', _with_language(message, text, page=page)
    )


@register.simple_tag
def chosen_button_label(text: Any, field: str, default: str) -> SafeString:
    """A family's button: the municipality's words in the chosen language when it wrote
    them (with the page's words beneath, for anyone helping), else the page's words."""
    words = getattr(text, field, "") if text else ""
    if not words:
        return format_html("{}", default)
    return format_html(
        '<span lang="{}" dir="{}">{}</span><span class="button__also">{}</span>',
        text.language,
        text.direction,
        words,
        default,
    )


# --- Titles in lists (guides, tools, filled forms) --------------------------------------
# A row has `title` and `language` (the language the title is in). In a list a full note
# on every fallback row would drown the list, so a fallback title gets its `lang` and just
# the language's name beside it, and `{% list_fallback_note rows %}` says why, once.


@register.simple_tag
def listed_title(row: Any, default: str = "", tag: bool = True) -> SafeString:
    """A row's title in a span with its `lang`; a fallback with "(nynorsk)" beside it
    (`tag=False` leaves that out, e.g. inside a button's hidden label)."""
    title = getattr(row, "title", "")
    language = getattr(row, "language", "")
    if not title:
        return format_html("{}", default)
    if not language:
        return format_html("{}", title)
    if not tag or language == reader_language():
        return format_html('<span lang="{}">{}</span>', language, title)
    return format_html(
        '<span lang="{}">{}</span> <span class="muted text-fallback">({})</span>',
        language,
        title,
        language_name(language),
    )


@register.simple_tag
def list_fallback_note(rows: Any) -> SafeString:
    """Once under a list whose titles are partly fallbacks, e.g. "Some titles are shown
    in nynorsk because they are not written in English yet."; nothing otherwise."""
    note = texts.list_fallback_note(
        (getattr(row, "language", "") for row in rows or [] if getattr(row, "title", "")),
        reader_language(),
    )
    if not note:
        return SafeString("")
    return format_html('<p class="muted text-fallback">{}</p>', note)
