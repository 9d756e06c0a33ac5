"""Template helpers for the relay log's content pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

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
