"""Calendar files (iCalendar, RFC 5545/5546) for meeting invitations.

One UID per meeting for its whole life, so that a calendar updates or cancels the event
it already has; SEQUENCE grows with the meeting's versions. Times are written in
Europe/Oslo with a VTIMEZONE, so that a meeting on the night the clocks change lands at
the right hour. Nothing about the child: the summary is "Stafett meeting", the place and
agenda are read in Stafett.
"""

from __future__ import annotations

import datetime
from email.utils import parseaddr
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

OSLO = ZoneInfo("Europe/Oslo")
MEETING_LENGTH = datetime.timedelta(hours=1)


def meeting_uid(entry: Any) -> str:
    """The same UID as the family's "add to calendar" download (logs/views_family.py), so
    that an e-mailed change updates the event the download made."""
    return f"{entry.uuid}@stafett"


def meeting_ics(*, entry: Any, version: Any, method: str, attendee_email: str, link: str) -> bytes:
    """A METHOD:REQUEST (invitation or change) or METHOD:CANCEL for one attendee."""
    cancel = method == "CANCEL"
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Stafett//Stafett//EN")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = icalendar.Event()
    event.add("uid", meeting_uid(entry))
    # Versions are numbered from 1; the first invitation is SEQUENCE 0.
    event.add("sequence", max(version.number - 1, 0))
    event.add("dtstamp", timezone.now().astimezone(datetime.UTC))
    starts = version.starts_at.astimezone(OSLO)
    event.add("dtstart", starts)
    event.add("dtend", (version.starts_at + MEETING_LENGTH).astimezone(OSLO))
    event.add("summary", _("Stafett meeting"))
    event.add(
        "description", _("Open Stafett to see the place and the agenda: %(link)s") % {"link": link}
    )
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    organizer = icalendar.vCalAddress("mailto:" + parseaddr(settings.DEFAULT_FROM_EMAIL)[1])
    organizer.params["cn"] = icalendar.vText("Stafett")
    event.add("organizer", organizer)
    attendee = icalendar.vCalAddress("mailto:" + attendee_email)
    attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = icalendar.vText("NEEDS-ACTION")
    attendee.params["rsvp"] = icalendar.vText("FALSE")
    event.add("attendee", attendee)
    cal.add_component(event)
    # The time zone's rules around the meeting (a short VTIMEZONE, both changes of clock).
    cal.add_missing_timezones(
        first_date=starts.date() - datetime.timedelta(days=400),
        last_date=starts.date() + datetime.timedelta(days=400),
    )
    return bytes(cal.to_ical())
