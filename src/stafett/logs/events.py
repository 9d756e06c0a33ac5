"""The log's history lines: what each kind of event says, in the reader's language.

An event is stored as its `event_type` and its parameters (`EntryVersion.event_params`:
names of people and units, dates, a few machine words), never as translated text, so
that a guardian reading in nynorsk sees nynorsk even when the youth who acted used
English. `line()` renders a version's line in the active language.

Each parameter has a kind: a plain name or text (shown as written: names and people's
own words are not translated), a date (stored ISO, shown d.m.Y), a list of names, or a
message (an English msgid, translated when shown). A kind of event may have variants
(the parameter `variant` chooses), for when what happened reads differently.

Rows written before the registry have no parameters: their `body` is the text in the
writer's language. Where the old text had no parameters, and the stored body is that
text in one of the languages, the line is rendered anew from the old msgid (faithful);
otherwise the body is shown as written. New rows also keep an English `body`, so the
row reads on its own (an archive, a database reader) and nothing relies on it.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

NAME = "name"
DATE = "date"
NAMES = "names"
MESSAGE = "message"
IN_BRACKETS = "in_brackets"  # a name shown as " (name)", or nothing when empty


@dataclass(frozen=True)
class EventKind:
    text: Promise
    params: Mapping[str, str] = field(default_factory=dict)
    variants: Mapping[str, Promise] = field(default_factory=dict)
    # The text rows written before the registry stored, when it had no parameters.
    legacy: Promise | None = None


EVENTS: dict[str, EventKind] = {
    "log.started": EventKind(_("Relay log started."), legacy=_("Relay log started.")),
    "participant.added": EventKind(
        _("%(person)s (%(unit)s) joined: %(task)s"),
        {"person": NAME, "unit": NAME, "task": NAME},
        variants={
            "stays": _("%(person)s (%(unit)s) stays on in the log as a participant: %(task)s")
        },
    ),
    "participant.removed": EventKind(
        _("%(person)s (%(unit)s) no longer takes part."), {"person": NAME, "unit": NAME}
    ),
    "participant.left_unit": EventKind(
        _("%(person)s no longer takes part: they no longer work in %(unit)s."),
        {"person": NAME, "unit": NAME},
    ),
    "handover.proposed": EventKind(
        _("Proposed to hand the baton to %(person)s (%(unit)s)."), {"person": NAME, "unit": NAME}
    ),
    "handover.declined": EventKind(
        _("%(person)s declined the baton. It stays where it was."), {"person": NAME}
    ),
    "handover.accepted": EventKind(
        _("%(new)s (%(unit)s) took over the baton from %(old)s."),
        {"new": NAME, "unit": NAME, "old": NAME},
    ),
    "handover.stay_refused": EventKind(
        _(
            "%(person)s was to stay on as a participant, but cannot: they no longer hold the "
            "baton for %(unit)s, no longer work there, or the family's consent no longer "
            "covers it. Their part in the log has ended."
        ),
        {"person": NAME, "unit": NAME},
    ),
    "handover.measures": EventKind(
        _("Measures handed on with the baton: %(list)s."),
        {"list": NAMES, "set_aside": NAMES},
        variants={
            "set_aside": _(
                "Measures handed on with the baton: %(list)s. The one chosen for "
                "%(set_aside)s no longer takes part, so the new coordinator holds it."
            )
        },
    ),
    "handover.cancelled": EventKind(
        _("Handover cancelled."),
        {"person": NAME, "unit": NAME},
        variants={
            "left_unit": _(
                "Handover cancelled: %(person)s no longer works in %(unit)s. "
                "The baton stays where it was."
            )
        },
        legacy=_("Handover cancelled."),
    ),
    "handover.interim": EventKind(
        _(
            "%(old)s no longer works in %(unit)s. %(leader)s, the unit's leader, holds the "
            "baton until a new coordinator accepts it."
        ),
        {"old": NAME, "unit": NAME, "leader": NAME},
    ),
    "consent.requested": EventKind(
        _("Consent for %(units)s, %(start)s–%(end)s."),
        {"units": NAMES, "start": DATE, "end": DATE},
    ),
    "consent.registered": EventKind(
        _("Consent for %(units)s, %(start)s–%(end)s."),
        {"units": NAMES, "start": DATE, "end": DATE},
    ),
    "consent.renewal_not_asked": EventKind(
        _(
            "The family could not be asked to renew their consent after the change "
            "of coordinator: %(reason)s Ask for it on the consent page."
        ),
        {"reason": MESSAGE},
        # The youth who consents alone is asked, not the family (issue 11).
        variants={
            "youth": _(
                "The young person could not be asked to renew their consent after the "
                "change of coordinator: %(reason)s Ask for it on the consent page."
            )
        },
    ),
    "consent.renewal_on_handover": EventKind(
        _(
            "The coordinator changed, so the family is asked to renew their consent, as the "
            "municipality has chosen. The consent they gave still counts until they answer "
            "or it ends."
        ),
        legacy=_(
            "The coordinator changed, so the family is asked to renew their consent, as the "
            "municipality has chosen. The consent they gave still counts until they answer "
            "or it ends."
        ),
        variants={
            "youth": _(
                "The coordinator changed, so the young person is asked to renew their "
                "consent, as the municipality has chosen. The consent in force still counts "
                "until they answer or it ends."
            )
        },
    ),
    "consent.complete": EventKind(
        _("The consent is in force."), legacy=_("The consent is in force.")
    ),
    "consent.given": EventKind(
        _("%(person)s gave their consent."), {"person": NAME}, legacy=_("Consent given.")
    ),
    "consent.withdrawn": EventKind(
        _("%(person)s withdrew the consent. The services no longer have access to the log."),
        {"person": NAME},
        variants={
            "youth": _(
                "%(person)s, the young person, withdrew the consent. The services no longer "
                "have access to the log."
            )
        },
        legacy=_("Consent withdrawn. The services no longer have access to the log."),
    ),
    "consent.declined": EventKind(
        _("%(person)s said no to the request for consent. Nothing is shared."),
        {"person": NAME},
    ),
    "concern.attached": EventKind(
        _("A concern from %(unit)s was attached to the log (pieces carried: %(count)s)."),
        {"unit": NAME, "count": NAME},
    ),
    "consent.cancelled": EventKind(
        _("Consent request cancelled."), legacy=_("Consent request cancelled.")
    ),
    "consent.scope_requested": EventKind(
        _("Asked the family to let %(unit)s take part."), {"unit": NAME}
    ),
    "consent.scope_confirmed": EventKind(_("%(unit)s may now take part."), {"unit": NAME}),
    "consent.scope_narrowed": EventKind(_("%(unit)s no longer takes part."), {"unit": NAME}),
    # Item 9 of issue 11: the line says who renewed and whether the renewal counts yet.
    "consent.renewed_by_family": EventKind(
        _(
            "%(person)s renewed the consent for %(units)s, %(start)s–%(end)s. "
            "The renewal is in force."
        ),
        {"person": NAME, "units": NAMES, "start": DATE, "end": DATE, "waiting": NAMES},
        variants={
            "youth": _(
                "%(person)s, the young person, renewed the consent for %(units)s, "
                "%(start)s–%(end)s. The renewal is in force."
            ),
            "waiting": _(
                "%(person)s renewed the consent for %(units)s, %(start)s–%(end)s. "
                "The renewal counts once the others who must consent have answered too "
                "(%(waiting)s); until then the consent given before still counts."
            ),
        },
    ),
    "consent.scope_change_asked": EventKind(
        _("%(person)s asks that %(unit)s may take part."),
        {"person": NAME, "unit": NAME},
        variants={"remove": _("%(person)s asks that %(unit)s no longer takes part.")},
    ),
    "consent.scope_change_declined": EventKind(
        _("The coordinator did not change the consent for %(unit)s: %(answer)s"),
        {"unit": NAME, "answer": NAME},
    ),
    "consent.scope_change_taken_back": EventKind(
        _("%(person)s took back the request about %(unit)s."), {"person": NAME, "unit": NAME}
    ),
    "consent.shared": EventKind(
        _("%(name)s lets these guardians read the log: %(names)s."),
        {"name": NAME, "names": NAMES},
        variants={"none": _("%(name)s does not let the guardians read the log.")},
    ),
    # Issue 12: the archive document (archive.services) and its hand-over to the
    # municipality's archive (delivery.services).
    "archive.made": EventKind(
        _("The archive document (PDF and package for the archive) was made."),
        variants={
            "on_demand": _(
                "The archive document (PDF and package for the archive) was made again, as asked."
            )
        },
    ),
    "archive.delivered": EventKind(
        _("The archive document was handed over to the municipality's archive."),
        variants={
            "folder": _("The archive package was put in the archive's folder."),
            "fiks_arkiv": _("The archive document was archived through Fiks Arkiv."),
        },
    ),
}


# The titles of pieces of a level-0 concern carried into the log (`concerns.carry`, the
# event "concern.carried"): stored as `{"title": key, ...}` in the event's parameters.
# Their text (`body`) is what a person wrote, shown as written.
CARRIED_TITLES: dict[str, EventKind] = {
    "noticed": EventKind(
        _("What was noticed %(date)s%(where)s"), {"date": DATE, "where": IN_BRACKETS}
    ),
    "observation": EventKind(_("Observation %(date)s"), {"date": DATE}),
    "view": EventKind(_("View %(date)s"), {"date": DATE}),
    "family_talk": EventKind(_("Talk with %(who)s, %(date)s"), {"who": NAME, "date": DATE}),
    "help_request": EventKind(_("The guardian asked for help, %(date)s"), {"date": DATE}),
    "decision": EventKind(_("Decision %(date)s: %(outcome)s"), {"date": DATE, "outcome": MESSAGE}),
    "scores": EventKind(_("Worry scores at level 0")),
    "reason": EventKind(
        _("Decision %(date)s: go on at level %(level)s"), {"date": DATE, "level": NAME}
    ),
}


# The system's own lines in a level-0 concern's history (`concerns.ConcernRecord`): stored
# as `{"line": key, ...}` in the record's `params`, shown in the reader's language.
CONCERN_LINES: dict[str, EventKind] = {
    "shared": EventKind(_("Shared with %(name)s (%(role)s)."), {"name": NAME, "role": MESSAGE}),
    "taken_over": EventKind(
        _(
            "%(old)s no longer works in %(unit)s. %(leader)s, the unit's leader, takes "
            "over the concern."
        ),
        {"old": NAME, "unit": NAME, "leader": NAME},
    ),
    "named": EventKind(_("Named.")),
    "leaders_told": EventKind(_("The unit's leader is told: %(names)s."), {"names": NAMES}),
    "violence_path": EventKind(
        _(
            "Violence or sexual abuse is suspected. The guardians are not informed first. "
            "A report to child welfare is written."
        )
    ),
    "report_started": EventKind(_("Started the report to child welfare (a draft).")),
    "report_sent": EventKind(
        _("The report to child welfare was sent %(date)s (%(how)s) to %(to)s."),
        {"date": DATE, "how": MESSAGE, "to": NAME},
    ),
    "help_asked": EventKind(_("The guardian asked for help in Stafett.")),
    # The report through Fiks bekymringsmelding (stafett.delivery.reports).
    "report_fiks_sent": EventKind(
        _("Sent the report to child welfare through Fiks, to %(office)s."), {"office": NAME}
    ),
    "report_fiks_status": EventKind(
        _("Fiks, %(date)s: %(status)s."), {"status": MESSAGE, "date": DATE}
    ),
    "form_filled": EventKind(_("Filled in the form “%(title)s”."), {"title": NAME}),
}


def params_for(
    event_type: str, registry: Mapping[str, EventKind] | None = None, **values: Any
) -> dict[str, Any]:
    """The JSON-ready parameters of an event, checked against the registry: an unknown
    event type or a missing parameter is a programming error, found by the tests."""
    kind = (EVENTS if registry is None else registry)[event_type]
    variant = values.pop("variant", "")
    if variant and variant not in kind.variants:
        raise ValueError(f"{event_type} has no variant {variant!r}")
    stored: dict[str, Any] = {"variant": variant} if variant else {}
    for name, value in values.items():
        how = kind.params.get(name)
        if how is None:
            raise ValueError(f"{event_type} has no parameter {name!r}")
        if how == DATE:
            stored[name] = value.isoformat()
        elif how == NAMES:
            stored[name] = [str(v) for v in value]
        else:
            stored[name] = str(value)
    return stored


def _template(kind: EventKind, params: Mapping[str, Any]) -> Promise:
    variant = params.get("variant") or ""
    return kind.variants.get(variant, kind.text)


def _shown(how: str, value: Any) -> str:
    if how == DATE:
        return datetime.date.fromisoformat(value).strftime("%d.%m.%Y")
    if how == NAMES:
        return ", ".join(value)
    if how == MESSAGE:
        return gettext(value) if value else ""
    if how == IN_BRACKETS:
        return f" ({value})" if value else ""
    return str(value)


def render(
    event_type: str, params: Mapping[str, Any], registry: Mapping[str, EventKind] | None = None
) -> str:
    """The line in the active language."""
    kind = (EVENTS if registry is None else registry)[event_type]
    text = str(_template(kind, params))
    needed = {name: _shown(how, params.get(name, "")) for name, how in kind.params.items()}
    return text % needed if "%(" in text else text


def english(event_type: str, params: Mapping[str, Any]) -> str:
    """The line in English, kept in `body` so that a row reads on its own."""
    with translation.override("en"):
        return render(event_type, params)


@dataclass(frozen=True)
class Line:
    text: str
    # The language the text is in when it is not the reader's (shown as `lang`), else "".
    lang: str = ""


def _legacy_language(kind: EventKind, body: str) -> str | None:
    """The language an old parameterless row was written in, when its body is exactly
    the old text in one of the interface's languages."""
    if kind.legacy is None:
        return None
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            if str(kind.legacy) == body.strip():
                return str(code)
    return None


def line(event_type: str, params: Mapping[str, Any] | None, body: str) -> Line:
    """What a history line says to the reader: rendered from the registry in the active
    language when it can be faithfully, else the stored text as written."""
    kind = EVENTS.get(event_type)
    if kind is not None and params is not None:
        try:
            return Line(render(event_type, params))
        except (KeyError, ValueError, TypeError):
            pass  # a row the registry no longer describes: shown as written (English)
        return Line(body, "en")
    if params is not None:
        return Line(body, "en")
    if kind is not None and kind.legacy is not None and _legacy_language(kind, body):
        return Line(str(kind.legacy))
    return Line(body)


def carried_title(params: Mapping[str, Any] | None, title: str) -> Line:
    """The title of a piece carried from a level-0 concern, in the reader's language;
    rows carried before the registry show their stored title as written."""
    key = (params or {}).get("title")
    if key in CARRIED_TITLES:
        try:
            return Line(render(key, params or {}, CARRIED_TITLES))
        except (KeyError, ValueError, TypeError):
            pass
    return Line(title)


def concern_line(params: Mapping[str, Any] | None, body: str) -> str:
    """A line of a concern's history in the reader's language: the system's own lines
    from their key and parameters, what people wrote (and rows from before) as written."""
    key = (params or {}).get("line")
    if key in CONCERN_LINES:
        try:
            return render(key, params or {}, CONCERN_LINES)
        except (KeyError, ValueError, TypeError):
            pass
    return body


def carried_body(params: Mapping[str, Any] | None, body: str) -> str:
    """The text of a carried piece: what a person wrote as written; a system line of the
    concern (its parameters under "body") in the reader's language."""
    line_params = (params or {}).get("body")
    return concern_line(line_params, body) if isinstance(line_params, dict) else body
