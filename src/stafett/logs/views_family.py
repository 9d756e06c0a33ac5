"""The family's pages of a relay log: who has read it (innsynslogg) and a meeting as a
calendar file.

Both fetch the log only through `stafett.policy.access_log`; each is a read of the
log and writes its access-log row in the transaction that reads.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET
from icalendar import Calendar, Event

from stafett.audit import selectors as audit_selectors
from stafett.consent.models import Consent
from stafett.guides.models import FilledForm
from stafett.logs import selectors
from stafett.logs.views_content import explain_refusal
from stafett.organisation.forms import AccessibleForm
from stafett.policy import (
    LogFacts,
    Role,
    access_log,
    actor_for,
    record_log_read,
    visible_entries,
)

OSLO = ZoneInfo("Europe/Oslo")
ACCESS_PAGE_SIZE = 25
MEETING_LENGTH = datetime.timedelta(hours=1)

# What part of the log a row in the access log is about, in plain words.
WHAT_PART = {
    "log.view": gettext_lazy("The log"),
    "log.view_summary": gettext_lazy("The overview only (no content)"),
    "log.participants": gettext_lazy("Who takes part"),
    "log.header": gettext_lazy("The name and where the log stands, on a page to manage it"),
    "log.measures": gettext_lazy("The measures and who is responsible, to hand the baton over"),
    "consent.view": gettext_lazy("The consent"),
    "consent.scan": gettext_lazy("The scanned consent form"),
    "log.access_list": gettext_lazy("Who has read the log"),
    "log.meeting_calendar": gettext_lazy("A meeting, as a calendar file"),
    "filled_form.view": gettext_lazy("A filled-in form"),
    "filled_form.fill": gettext_lazy("A form, while filling it in"),
    # The archive (issue 12).
    "archive.download_pdf": gettext_lazy("The archive document (PDF)"),
    "archive.download_package": gettext_lazy("The archive package (ZIP)"),
    "log.export_family": gettext_lazy("A download of your own copy of the log"),
}
WHAT_PART_REASON = {
    "print": gettext_lazy("The printable version"),
    "versions": gettext_lazy("Earlier versions of an entry"),
    "write": gettext_lazy("The log, while writing"),
    "edit": gettext_lazy("The log, while changing an entry"),
}


def what_part(action: str, reason: str) -> str:
    if action == "log.view" and reason in WHAT_PART_REASON:
        return str(WHAT_PART_REASON[reason])
    label = WHAT_PART.get(action)
    return str(label) if label is not None else _("Another part of the log")


# A refused attempt, as a sentence a parent reads: who tried to do what, and was not
# let in (a badge "tried, but was refused" after "Another part of the log" read as if
# the log had tried).
REFUSED = {
    "log.view": gettext_lazy("%(who)s tried to open the log, but was not let in."),
    "log.view_summary": gettext_lazy("%(who)s tried to open the log, but was not let in."),
    "log.header": gettext_lazy("%(who)s tried to open the log, but was not let in."),
    "log.write": gettext_lazy("%(who)s tried to write in the log, but was not let in."),
    "log.add_bright_spot": gettext_lazy("%(who)s tried to write in the log, but was not let in."),
    "log.add_comment": gettext_lazy("%(who)s tried to write in the log, but was not let in."),
    "log.add_child_voice": gettext_lazy("%(who)s tried to write in the log, but was not let in."),
    "consent.view": gettext_lazy("%(who)s tried to open the consent, but was not let in."),
    "consent.scan": gettext_lazy("%(who)s tried to open the consent, but was not let in."),
    "filled_form.view": gettext_lazy("%(who)s tried to open a form, but was not let in."),
    "filled_form.fill": gettext_lazy("%(who)s tried to open a form, but was not let in."),
}
REFUSED_OTHER = gettext_lazy("%(who)s tried to change something in the log, but was not let in.")


def refused_sentence(row: Any) -> str:
    name = row.actor_name or _("Someone not logged in")
    who = (
        _("%(name)s from %(unit)s") % {"name": name, "unit": row.unit_name}
        if row.unit_name
        else name
    )
    return str(REFUSED.get(row.action, REFUSED_OTHER)) % {"who": who}


class AccessFilterForm(AccessibleForm):
    person = forms.TypedChoiceField(
        label=gettext_lazy("Person"), required=False, coerce=uuid.UUID, empty_value=None
    )
    since = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Write the date as dd.mm.yyyy.")},
    )
    until = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Write the date as dd.mm.yyyy.")},
    )

    def __init__(self, *args: object, people: list[audit_selectors.Reader], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["person"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Everyone")), *((str(p.uuid), p.name) for p in people)]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since is not None and until is not None and since > until:
            # A reversed period would show "0 reads" as if no one had read the log.
            self.add_error(
                "until",
                _(
                    "The “To” date is before the “From” date. "
                    "Choose a “To” date on or after %(date)s."
                )
                % {"date": since.strftime("%d.%m.%Y")},
            )
        return cleaned


def youth_visits_hidden_from(log: Any, facts: LogFacts) -> int | None:
    """The youth who consents alone decides about the log; a guardian reads it only
    because the youth lets them. Who has read it is theirs to check, the youth's own
    visits are not: those are left out of what the guardian sees (docs/security.md)."""
    if facts.reads_by_share and log.subject.user_id is not None:
        user_id: int = log.subject.user_id
        return user_id
    return None


@explain_refusal
@require_GET
def access_list(request: HttpRequest, log: uuid.UUID) -> HttpResponse:
    """`logs:access_list`: every read of the log (its pages, its consents, the forms
    filled in on it), newest first, by person and period. Opening it is a read too, and
    is listed with the others."""
    with transaction.atomic():
        obj, facts = access_log(request, log, "log.access_list")
        record_log_read(request, obj, facts, "log.access_list")
        objects = [
            obj.uuid,
            *Consent.objects.filter(log=obj).values_list("uuid", flat=True),
            *FilledForm.objects.filter(entry__log=obj).values_list("uuid", flat=True),
        ]
        hidden = youth_visits_hidden_from(obj, facts)
        people = audit_selectors.log_readers(objects, hide_actor_id=hidden)
        form = AccessFilterForm(request.GET or None, people=people)
        person = since = until = None
        invalid = form.is_bound and not form.is_valid()
        if form.is_bound and not invalid:
            person = form.cleaned_data["person"]
            since = form.cleaned_data["since"]
            until = form.cleaned_data["until"]
        rows = audit_selectors.log_reads(
            objects, person=person, since=since, until=until, hide_actor_id=hidden
        )
        if invalid:
            # Nothing shown as if it were the answer: the form says what to fix.
            rows = rows.none()
        page = Paginator(rows, ACCESS_PAGE_SIZE).get_page(request.GET.get("page"))
        entries = [
            {
                "row": row,
                "what": what_part(row.action, row.reason),
                "refused": row.outcome != "allowed",
                "refused_text": refused_sentence(row) if row.outcome != "allowed" else "",
            }
            for row in page.object_list
        ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "logs/access_list.html",
        {
            "log": obj,
            "facts": facts,
            "form": form,
            "page": page,
            "entries": entries,
            "filter_query": query.urlencode(),
            "filtered": bool(person or since or until),
            "invalid": invalid,
            "is_youth": facts.family_role is Role.YOUTH,
            "youth_hidden": hidden is not None,
        },
    )


@explain_refusal
@require_GET
def meeting_calendar(request: HttpRequest, log: uuid.UUID, meeting: uuid.UUID) -> HttpResponse:
    """`logs:meeting_calendar`: one meeting as an .ics file for the reader's calendar
    (Europe/Oslo times). It names the meeting, the place and the child's first name only."""
    with transaction.atomic():
        obj, facts = access_log(request, log, "log.meeting_calendar")
        found = selectors.meeting_in_log(
            obj, meeting, visible=visible_entries(actor_for(request), facts)
        )
        if found is None or found.latest is None or found.latest.starts_at is None:
            raise Http404
        record_log_read(request, obj, facts, "log.meeting_calendar")
    version = found.latest
    assert version.starts_at is not None
    starts = timezone.localtime(version.starts_at, OSLO)
    calendar = Calendar()
    calendar.add("prodid", "-//Stafett//Relay log//NO")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{found.uuid}@stafett")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", starts)
    event.add("dtend", starts + MEETING_LENGTH)
    event.add(
        "summary",
        _("%(meeting)s – %(name)s")
        % {"meeting": version.get_meeting_kind_display(), "name": obj.subject.first_name},
    )
    if version.place:
        event.add("location", version.place)
    link = request.build_absolute_uri(reverse("logs:detail", kwargs={"log": obj.uuid}))
    description = [_("Meeting in the relay log in Stafett: %(link)s") % {"link": link}]
    if version.video_link:
        description.append(_("Video link: %(link)s") % {"link": version.video_link})
        event.add("url", version.video_link)
    event.add("description", "\n".join(description))
    event.add("status", "CANCELLED" if version.cancelled else "CONFIRMED")
    event.add("sequence", found.version_count)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    filename = f"{pgettext('file name', 'meeting')}-{starts:%Y-%m-%d}.ics"
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response
