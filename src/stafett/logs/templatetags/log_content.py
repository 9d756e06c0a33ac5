"""Template helpers for the relay log's content pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, pgettext_lazy
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


# ---------------------------------------------------------------------------
# The family's own words (issue 11, items 6 and 8). Staff pages keep the BTI terms
# (level, step, shared understanding, the child's voice, participant); on the pages a
# guardian or the youth reads, the same things are said in plain words.
# ---------------------------------------------------------------------------

FAMILY_LEVELS = {
    1: pgettext_lazy("family words", "One service helps"),
    2: pgettext_lazy("family words", "Two services work together"),
    3: pgettext_lazy("family words", "Several services work together"),
}
FAMILY_STEPS = {
    "start": pgettext_lazy("family words", "Finding out together what is hard"),
    "planning": pgettext_lazy("family words", "Making a plan together"),
    "measures": pgettext_lazy("family words", "Doing what we agreed"),
    "evaluation": pgettext_lazy("family words", "Looking at how it went"),
    "decision": pgettext_lazy("family words", "Deciding what happens next"),
}
FAMILY_ROLES = {
    "participant": pgettext_lazy("family words", "helper"),
}


def reads_as_family(context: template.Context, family: bool | None = None) -> bool:
    """Is the page read by the family? Said by the view (`family`), or by the policy's
    facts about the reader (`facts.family_role`)."""
    if family is not None:
        return bool(family)
    if "family" in context:
        return bool(context["family"])
    facts = context.get("facts")
    return getattr(facts, "family_role", None) is not None


@register.simple_tag(takes_context=True)
def level_label(context: template.Context, log: Any, family: bool | None = None) -> str:
    """A log's level in the reader's words (`level_name` for a level as a value)."""
    return level_name(context, log.level, family)


@register.simple_tag(takes_context=True)
def step_label(context: template.Context, log: Any, family: bool | None = None) -> str:
    """A log's step in the reader's words (`step_name` for a step as a value)."""
    return step_name(context, log.step, family)


@register.simple_tag(takes_context=True)
def author_role(context: template.Context, role: str) -> str:
    """An author's role: "participant" (aktør) is a helper to the family."""
    if reads_as_family(context) and role in FAMILY_ROLES:
        return str(FAMILY_ROLES[role])
    return role_label(role)


def child_voice_label(entry: Any, log: Any, reader_id: int | None, *, family: bool) -> str:
    """The youth's own words are theirs: "What you wrote" to the youth, "What Jonas
    wrote" to everyone else. What an adult wrote down of the child's words is "What Mia
    said" to the family, and keeps its BTI name ("The child's voice") for staff."""
    subject = log.subject
    name = subject.first_name
    if subject.user_id is not None and entry.created_by_id == subject.user_id:
        if reader_id is not None and reader_id == subject.user_id:
            return str(_("What you wrote"))
        return str(_("What %(name)s wrote") % {"name": name})
    if family:
        return str(_("What %(name)s said") % {"name": name})
    return str(entry.get_kind_display())


@register.simple_tag(takes_context=True)
def kind_label(context: template.Context, entry: Any) -> str:
    """The name of an entry's kind as this reader reads it."""
    family = reads_as_family(context)
    if entry.kind == "child_voice":
        user = context.get("user")
        reader_id = getattr(user, "id", None)
        log = context.get("log") or entry.log
        return child_voice_label(entry, log, reader_id, family=family)
    if entry.kind == "understanding" and family:
        return str(pgettext_lazy("family words", "What we see together"))
    return str(entry.get_kind_display())


@register.simple_tag(takes_context=True)
def family_reader(context: template.Context) -> bool:
    """`{% family_reader as family_reads %}`: is the page read by the family?"""
    return reads_as_family(context)


@register.simple_tag(takes_context=True)
def level_name(context: template.Context, level: int, family: bool | None = None) -> str:
    """A level as a value (a decision's "from" and "to"), in the reader's words."""
    from stafett.logs.models import Level

    if reads_as_family(context, family) and level in FAMILY_LEVELS:
        return str(FAMILY_LEVELS[level])
    return str(Level(level).label) if level in Level.values else str(level)


@register.simple_tag(takes_context=True)
def step_name(context: template.Context, step: str, family: bool | None = None) -> str:
    """A step as a value (a decision's "from" and "to"), in the reader's words."""
    from stafett.logs.models import Step

    if reads_as_family(context, family) and step in FAMILY_STEPS:
        return str(FAMILY_STEPS[step])
    return str(Step(step).label) if step in Step.values else step


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
