"""Who has read our log (innsynslogg, issue 6 item 3): the guardians and the youth see
every read of their log from the access log (who, role, unit, when, what part), their
own reads too, paginated and filterable by person and period, in a constant number of
queries. Opening the list is itself a read that is logged."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stafett.audit.log import record_access
from stafett.audit.models import AccessLogEntry
from stafett.consent.services import withdraw_consent
from tests.logs.conftest import LogWorld, as_actor


def list_url(lw: LogWorld, **query: str) -> str:
    url = reverse("logs:access_list", kwargs={"log": lw.log.uuid})
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def detail(lw: LogWorld) -> str:
    return reverse("logs:detail", kwargs={"log": lw.log.uuid})


def test_the_guardian_sees_who_read_the_log_with_role_unit_and_part(
    active_log: LogWorld, login_as: Any
) -> None:
    w = active_log.world
    assert login_as(w.employee).get(detail(active_log)).status_code == 200
    assert login_as(w.school_employee).get(detail(active_log)).status_code == 200
    response = login_as(w.guardian).get(list_url(active_log))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Eva Tilsett</strong>, coordinator, Solsida barnehage" in html
    # The family reads "helper" for the BTI term "participant" (aktør), issue 11.
    assert "Siri Lærar</strong>, helper, Testvik skule" in html
    assert "Gro Mor</strong>, guardian" in html
    assert "Who has read the log" in html  # this very visit, listed with the others
    assert AccessLogEntry.objects.filter(
        actor=w.guardian, action="log.access_list", object_uuid=active_log.log.uuid
    ).exists()


def test_refused_attempts_are_shown_and_concerns_are_not(
    active_log: LogWorld, login_as: Any
) -> None:
    w = active_log.world
    withdraw_consent(actor=as_actor(w.guardian), log=active_log.log)
    assert login_as(w.school_employee).get(detail(active_log)).status_code == 403
    # A level-0 concern about the child is not the family's list (nor its existence).
    record_access(
        actor=w.employee,
        action="concern.view",
        obj=w.child,  # any object but the log
        object_type="Concern",
        subject_uuid=w.child.uuid,
        municipality_id=w.municipality.id,
    )
    html = login_as(w.guardian).get(list_url(active_log)).content.decode()
    # A sentence a parent reads (issue 11, item 7): who tried, and was not let in.
    assert "Siri Lærar" in html and "tried to open the log, but was not let in." in html
    assert "Concern" not in html and "concern" not in html


def test_the_list_is_filtered_by_person_and_period(active_log: LogWorld, login_as: Any) -> None:
    w, log = active_log.world, active_log.log
    long_ago = timezone.now() - datetime.timedelta(days=40)
    record_access(
        actor=w.employee,
        action="log.view",
        obj=log,
        object_type="RelayLog",
        subject_uuid=w.child.uuid,
        role="coordinator",
        unit_name="Solsida barnehage",
        at=long_ago,
    )
    login_as(w.school_employee).get(detail(active_log))
    client = login_as(w.guardian)
    html = client.get(list_url(active_log, person=str(w.employee.uuid))).content.decode()
    assert "Eva Tilsett</strong>" in html and "Siri Lærar</strong>" not in html
    assert "Gro Mor</strong>" not in html
    old = (long_ago - datetime.timedelta(days=1)).date().isoformat()
    until = (long_ago + datetime.timedelta(days=1)).date().isoformat()
    html = client.get(list_url(active_log, since=old, until=until)).content.decode()
    assert "1 read." in html and "Eva Tilsett</strong>" in html
    html = client.get(list_url(active_log, since="not-a-date")).content.decode()
    assert "Write the date as dd.mm.yyyy." in html


def test_the_list_is_paginated_and_runs_the_same_queries_for_10_and_300_rows(
    active_log: LogWorld, login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    client = login_as(w.guardian)
    client.get(list_url(active_log))

    def add_reads(count: int) -> None:
        for _ in range(count):
            record_access(
                actor=w.employee,
                action="log.view",
                obj=log,
                object_type="RelayLog",
                subject_uuid=w.child.uuid,
                role="coordinator",
                unit_name="Solsida barnehage",
            )

    def queries(url: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    add_reads(10)
    small, _html = queries(list_url(active_log))
    add_reads(290)
    large, html = queries(list_url(active_log))
    assert large == small, f"{small} queries for 10 rows, {large} for 300"
    assert html.count('class="access-list__item') == 25
    assert "Page 1 of" in html
    page_two, html = queries(list_url(active_log, page="2"))
    assert page_two == small and "Page 2 of" in html
    filtered, _html = queries(list_url(active_log, person=str(w.employee.uuid), page="3"))
    assert filtered == small


def test_only_the_family_opens_the_list(active_log: LogWorld, login_as: Any) -> None:
    w = active_log.world
    url = list_url(active_log)
    assert login_as(w.employee).get(url).status_code == 403
    assert login_as(w.school_employee).get(url).status_code == 403
    assert login_as(w.guardian_without_responsibility).get(url).status_code == 404
    assert login_as(w.other_staff).get(url).status_code == 404
    assert login_as(w.youth).get(url).status_code == 404  # another family
    unknown = reverse("logs:access_list", kwargs={"log": uuid.uuid4()})
    assert login_as(w.guardian).get(unknown).status_code == 404


def test_the_family_keeps_the_list_after_withdrawing(active_log: LogWorld, login_as: Any) -> None:
    withdraw_consent(actor=as_actor(active_log.world.guardian), log=active_log.log)
    assert login_as(active_log.world.guardian).get(list_url(active_log)).status_code == 200
