"""The log page and the printable view run a constant number of SQL queries, however
many entries the log holds: 10 or 500."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stafett.logs.models import Entry, EntryKind, EntryVersion, MeasureStatus
from tests import factories as f
from tests.logs.conftest import LogWorld
from tests.logs.test_content_pages import detail_url, print_url

KINDS = [
    EntryKind.MEASURE,
    EntryKind.MEETING,
    EntryKind.EVALUATION,
    EntryKind.NOTE,
    EntryKind.BRIGHT_SPOT,
    EntryKind.GOAL,
    EntryKind.CHILD_VOICE,
    EntryKind.DECISION,
    EntryKind.EVENT,
    EntryKind.UNDERSTANDING,
]


def bulk_entries(lw: LogWorld, count: int) -> None:
    """`count` entries of every kind, written straight to the tables for speed, each with
    two versions; meetings invite and are attended by people, measures have a responsible
    participant, evaluations point at a measure."""
    w, log = lw.world, lw.log
    now = timezone.now()
    today = timezone.localdate()
    entries = Entry.objects.bulk_create(
        [
            Entry(
                log=log,
                kind=KINDS[i % len(KINDS)],
                created_at=now - datetime.timedelta(minutes=i),
                created_by=w.employee,
                version_count=2,
            )
            for i in range(count)
        ]
    )
    first_measure = next(e for e in entries if e.kind == EntryKind.MEASURE)
    versions: list[EntryVersion] = []
    for entry in entries:
        for number in (1, 2):
            versions.append(
                EntryVersion(
                    entry=entry,
                    number=number,
                    author=w.employee,
                    author_name="Eva Tilsett",
                    author_role="coordinator",
                    author_unit=w.kindergarten,
                    created_at=entry.created_at,
                    title=f"Tittel {entry.kind} {number}",
                    body="Tekst",
                    responsible=lw.participant.user if entry.kind == EntryKind.MEASURE else None,
                    start_date=today if entry.kind == EntryKind.MEASURE else None,
                    evaluation_date=today + datetime.timedelta(days=7)
                    if entry.kind == EntryKind.MEASURE
                    else None,
                    measure_status=MeasureStatus.RUNNING if entry.kind == EntryKind.MEASURE else "",
                    meeting_kind="planning" if entry.kind == EntryKind.MEETING else "",
                    starts_at=now + datetime.timedelta(days=1)
                    if entry.kind == EntryKind.MEETING
                    else None,
                    place="Solsida" if entry.kind == EntryKind.MEETING else "",
                    measure=first_measure if entry.kind == EntryKind.EVALUATION else None,
                    effect="better" if entry.kind == EntryKind.EVALUATION else "",
                    voice_mode="recorded" if entry.kind == EntryKind.CHILD_VOICE else "",
                    decision_kind="step" if entry.kind == EntryKind.DECISION else "",
                    from_step="start" if entry.kind == EntryKind.DECISION else "",
                    to_step="planning" if entry.kind == EntryKind.DECISION else "",
                    from_level=2 if entry.kind == EntryKind.DECISION else None,
                    to_level=2 if entry.kind == EntryKind.DECISION else None,
                )
            )
    versions = EntryVersion.objects.bulk_create(versions)
    latest = {v.entry_id: v for v in versions if v.number == 2}
    for entry in entries:
        entry.latest = latest[entry.pk]
    Entry.objects.bulk_update(entries, ["latest"])
    invited = EntryVersion.invited.through
    attended = EntryVersion.attended.through
    meeting_versions = [v for v in versions if v.meeting_kind]
    invited.objects.bulk_create(
        [
            invited(entryversion_id=v.pk, user_id=user.pk)
            for v in meeting_versions
            for user in (w.employee, w.school_employee, w.guardian)
        ]
    )
    attended.objects.bulk_create(
        [
            attended(entryversion_id=v.pk, user_id=user.pk)
            for v in meeting_versions
            for user in (w.employee, w.guardian)
        ]
    )


def queries_for(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_log_page_runs_the_same_queries_for_10_and_500_entries(
    active_log: LogWorld, login_as: Any
) -> None:
    client = login_as(active_log.world.employee)
    url = detail_url(active_log.log)
    client.get(url)  # warm the session and caches
    bulk_entries(active_log, 10)
    small, html = queries_for(client, url)
    assert html.count('class="entry entry--') >= 10
    bulk_entries(active_log, 490)
    large, html = queries_for(client, url)
    assert html.count('class="entry entry--') >= 500
    assert "Siri Lærar" in html  # invited people and responsible participants are shown
    assert large == small, f"{small} queries for 10 entries, {large} for 500"
    print("QUERIES", small)
    assert small < 40


def test_the_printable_view_runs_the_same_queries_for_10_and_500_entries(
    active_log: LogWorld, login_as: Any
) -> None:
    client = login_as(active_log.world.guardian)
    url = print_url(active_log.log)
    client.get(url)
    bulk_entries(active_log, 10)
    small, _html = queries_for(client, url)
    bulk_entries(active_log, 490)
    large, _html = queries_for(client, url)
    assert large == small, f"{small} queries for 10 entries, {large} for 500"


def test_a_filtered_timeline_runs_the_same_queries_as_the_whole(
    active_log: LogWorld, login_as: Any
) -> None:
    client = login_as(active_log.world.school_employee)
    bulk_entries(active_log, 30)
    url = detail_url(active_log.log)
    client.get(url)
    whole, _html = queries_for(client, url)
    meetings, _html = queries_for(client, f"{url}?kind=meeting")
    assert whole == meetings
    f.make_user(active_log.world.municipality)  # (unrelated data does not matter)
    assert queries_for(client, url)[0] == whole
