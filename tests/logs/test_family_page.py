"""The family's view of the log and the home page (issue 6, item 1): a summary in plain
words at the top of the log page, what is new since the last visit, a meeting as a
calendar file (Europe/Oslo), each child separately, nothing for a guardian without
parental responsibility."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from stafett.audit.models import AccessLogEntry
from stafett.consent.services import withdraw_consent
from stafett.logs.models import Entry, EntryKind
from stafett.logs.services import add_entry, start_log
from tests import factories as f
from tests.logs.conftest import LogWorld, as_actor

GOAL = "Mia leikar med andre"
MEASURE = "Fast vaksen i frileiken"


def _plan(lw: LogWorld) -> Entry:
    w, log = lw.world, lw.log
    eva = as_actor(w.employee)
    today = timezone.localdate()
    add_entry(actor=eva, log=log, kind=EntryKind.GOAL, title=GOAL, body="")
    add_entry(
        actor=eva,
        log=log,
        kind=EntryKind.MEASURE,
        title=MEASURE,
        responsible=w.school_employee,
        start_date=today,
        evaluation_date=today + datetime.timedelta(days=30),
    )
    starts = timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=2), datetime.time(9, 30))
    )
    return add_entry(
        actor=eva,
        log=log,
        kind=EntryKind.MEETING,
        meeting_kind="planning",
        starts_at=starts,
        place="Testvik skule",
        decisions="",
    )


def test_the_family_reads_a_plain_summary_at_the_top(active_log: LogWorld, login_as: Any) -> None:
    _plan(active_log)
    html = (
        login_as(active_log.world.guardian)
        .get(reverse("logs:detail", kwargs={"log": active_log.log.uuid}))
        .content.decode()
    )
    for heading in (
        "Who helps us",
        "What we are working towards",
        "What is being done, and by whom",
        "Next meeting",
        "Bright spots – what went well",
        "Who has read our log",
        "Add to calendar",
    ):
        assert heading in html, heading
    assert html.index("Who helps us") < html.index("Where the log stands")
    assert "Kontaktlærar ved skulestart" in html  # the participant's task
    assert "Siri Lærar (Testvik skule) is responsible." in html
    assert GOAL in html


def test_staff_do_not_get_the_family_summary(active_log: LogWorld, login_as: Any) -> None:
    html = (
        login_as(active_log.world.employee)
        .get(reverse("logs:detail", kwargs={"log": active_log.log.uuid}))
        .content.decode()
    )
    assert "Who helps us" not in html and "Who takes part" in html


def test_what_is_new_since_the_last_visit_is_marked(active_log: LogWorld, login_as: Any) -> None:
    w, log = active_log.world, active_log.log
    client = login_as(w.guardian)
    url = reverse("logs:detail", kwargs={"log": log.uuid})
    client.get(url)
    add_entry(actor=as_actor(w.employee), log=log, kind=EntryKind.NOTE, body="Ny vurdering.")
    html = client.get(url).content.decode()
    assert "1 new thing since your last visit" in html
    assert html.count('class="entry__new"') == 1
    html = client.get(url).content.decode()
    assert "since your last visit" not in html


def test_a_meeting_downloads_as_a_calendar_file_in_oslo_time(
    active_log: LogWorld, login_as: Any
) -> None:
    meeting = _plan(active_log)
    url = reverse(
        "logs:meeting_calendar", kwargs={"log": active_log.log.uuid, "meeting": meeting.uuid}
    )
    response = login_as(active_log.world.guardian).get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    calendar = Calendar.from_ical(response.content)
    event = calendar.walk("VEVENT")[0]
    start = event.decoded("dtstart")
    assert str(start.tzinfo) == "Europe/Oslo" and (start.hour, start.minute) == (9, 30)
    assert calendar.walk("VTIMEZONE")  # calendars without the zone database understand it
    assert "Mia" in str(event["summary"]) and "Mor" not in str(event["summary"])
    assert str(event["location"]) == "Testvik skule"
    assert AccessLogEntry.objects.filter(
        actor=active_log.world.guardian, action="log.meeting_calendar"
    ).exists()


def test_the_calendar_file_follows_the_log_rules(active_log: LogWorld, login_as: Any) -> None:
    w, log = active_log.world, active_log.log
    meeting = _plan(active_log)
    note = add_entry(actor=as_actor(w.employee), log=log, kind=EntryKind.NOTE, body="Notat")
    url = reverse("logs:meeting_calendar", kwargs={"log": log.uuid, "meeting": meeting.uuid})
    not_a_meeting = reverse("logs:meeting_calendar", kwargs={"log": log.uuid, "meeting": note.uuid})
    assert login_as(w.school_employee).get(url).status_code == 200
    assert login_as(w.guardian).get(not_a_meeting).status_code == 404
    assert login_as(w.other_staff).get(url).status_code == 404
    withdraw_consent(actor=as_actor(w.guardian), log=log)
    assert login_as(w.school_employee).get(url).status_code == 403
    assert login_as(w.guardian).get(url).status_code == 200


def test_a_guardian_with_two_children_sees_each_separately(
    active_log: LogWorld, login_as: Any
) -> None:
    w = active_log.world
    sibling = f.make_subject(w.municipality, age=8, first_name="Ola", last_name="Mor")
    f.add_guardian(sibling, w.guardian)
    start_log(actor=as_actor(w.employee), subject=sibling, unit=w.kindergarten, level=1)
    html = login_as(w.guardian).get("/").content.decode()
    assert "Mia Mor" in html and "Ola Mor" in html
    assert html.count('class="home-log') >= 2


def test_a_guardian_without_parental_responsibility_sees_nothing(
    active_log: LogWorld, login_as: Any
) -> None:
    w = active_log.world
    client = login_as(w.guardian_without_responsibility)
    html = client.get("/").content.decode()
    assert "Mia" not in html
    assert (
        client.get(reverse("logs:detail", kwargs={"log": active_log.log.uuid})).status_code == 404
    )
    assert client.get(reverse("logs:consent", kwargs={"log": active_log.log.uuid})).status_code == (
        404
    )


def test_the_family_log_page_runs_the_same_queries_for_10_and_300_entries(
    active_log: LogWorld, login_as: Any
) -> None:
    from tests.logs.test_content_queries import bulk_entries, queries_for

    client = login_as(active_log.world.guardian)
    url = reverse("logs:detail", kwargs={"log": active_log.log.uuid})
    client.get(url)
    bulk_entries(active_log, 10)
    small, html = queries_for(client, url)
    assert "Who helps us" in html
    bulk_entries(active_log, 290)
    large, _html = queries_for(client, url)
    assert large == small, f"{small} queries for 10 entries, {large} for 300"
    filtered, _html = queries_for(client, f"{url}?kind=goal")
    # The summary reads the whole log once more: one query and its two prefetches.
    assert filtered == small + 3


def test_the_family_reads_where_the_log_stands_without_professional_words(
    active_log: LogWorld, login_as: Any
) -> None:
    url = reverse("logs:detail", kwargs={"log": active_log.log.uuid})
    family = login_as(active_log.world.guardian).get(url).content.decode()
    assert "<dt>How many services work together</dt>" in family
    assert "<dt>Where we are in the work</dt>" in family
    assert "<dt>Level</dt>" not in family and "<dt>Step</dt>" not in family
    staff = login_as(active_log.world.employee).get(url).content.decode()
    assert "<dt>Level</dt>" in staff and "<dt>Step</dt>" in staff
    assert "How many services work together" not in staff


def test_the_family_reads_their_log_without_the_staffs_guide_and_print_notice(
    active_log: LogWorld, login_as: Any
) -> None:
    """Issue 11, item 6: the guide step and "Confidential" were on the family's pages."""
    from tests.guides.builders import make_guide

    make_guide(active_log.world, what="Lag ein felles forståing med familien.")
    client = login_as(active_log.world.guardian)
    log_url = reverse("logs:detail", kwargs={"log": active_log.log.uuid})
    page = client.get(log_url).content.decode()
    assert "The action guide at this step" not in page
    assert "Lag ein felles forståing med familien." not in page
    printed = client.get(reverse("logs:print", kwargs={"log": active_log.log.uuid}))
    text = printed.content.decode()
    assert "Confidential" not in text and "Keep it somewhere safe" in text
    staff = login_as(active_log.world.employee)
    print_url = reverse("logs:print", kwargs={"log": active_log.log.uuid})
    assert "Confidential" in staff.get(print_url).content.decode()
    assert "The action guide at this step" in staff.get(log_url).content.decode()
