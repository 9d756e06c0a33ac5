"""Template helpers for the relay log's content pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stafett.logs import events

register = template.Library()

ROLE_LABELS = {
    "coordinator": _("coordinator"),
    "participant": _("participant"),
    "guardian": _("guardian"),
    "youth": _("the youth"),
    "unit_leader": _("unit leader"),
    "employee": _("employee"),
    "municipal_admin": _("municipal administrator"),
    "system": _("Stafett"),
}


@register.filter
def role_label(role: str) -> str:
    """An author's role as the family reads it."""
    return str(ROLE_LABELS.get(role, role))


@register.simple_tag
def optional_url(name: str, **kwargs: Any) -> str:
    """A URL when the page exists, else an empty string (for pages another part of
    Stafett adds: the link appears once the page is there)."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


@register.simple_tag
def event_line(version: Any) -> SafeString:
    """A history line in the reader's language (`logs.events`); a stored text in another
    language is marked with its `lang` so that screen readers read it right."""
    shown = events.line(version.event_type, version.event_params, version.body)
    if shown.lang and shown.lang != (get_language() or "").split("-")[0]:
        return format_html('<span lang="{}">{}</span>', shown.lang, shown.text)
    return format_html("{}", shown.text)


@register.simple_tag
def carried_title(version: Any) -> str:
    """The title of a piece carried from a level-0 concern, in the reader's language."""
    return events.carried_title(version.event_params, version.title).text


@register.simple_tag
def carried_body(version: Any) -> str:
    """The text of a piece carried from a level-0 concern, in the reader's language when
    it is the system's own line."""
    return events.carried_body(version.event_params, version.body)
