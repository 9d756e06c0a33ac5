"""The log page writes exactly one access-log row per view, for the header-only view too,
and a refused view is kept in the access log even though the page runs in a transaction."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from stafett.audit.models import AccessLogEntry
from stafett.consent.services import narrow_scope
from tests.logs.conftest import LogWorld, as_actor


def _rows(log: Any, user: Any) -> list[tuple[str, str]]:
    return list(
        AccessLogEntry.objects.filter(object_uuid=log.uuid, actor=user)
        .order_by("id")
        .values_list("action", "outcome")
    )


def test_a_full_read_writes_one_row(active_log: LogWorld, login_as: Any) -> None:
    w, log = active_log.world, active_log.log
    url = reverse("logs:detail", kwargs={"log": log.uuid})
    assert login_as(w.employee).get(url).status_code == 200
    assert _rows(log, w.employee) == [("log.view", "allowed")]


def test_the_leaders_header_only_view_is_logged(active_log: LogWorld, login_as: Any) -> None:
    w, log = active_log.world, active_log.log
    url = reverse("logs:detail", kwargs={"log": log.uuid})
    response = login_as(w.leader).get(url)
    assert response.status_code == 200
    assert "timeline" not in response.content.decode()
    assert _rows(log, w.leader) == [("log.view_summary", "allowed")]


def test_a_participant_outside_the_consent_is_refused_and_it_is_logged(
    active_log: LogWorld, login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    narrow_scope(actor=as_actor(w.employee), log=log, unit=w.school)
    url = reverse("logs:detail", kwargs={"log": log.uuid})
    response = login_as(w.school_employee).get(url)
    assert response.status_code == 403
    assert "Mia" not in response.content.decode()
    assert _rows(log, w.school_employee) == [("log.view_summary", "refused")]


def test_an_outsider_is_refused_with_404_and_it_is_logged(
    active_log: LogWorld, login_as: Any
) -> None:
    w, log = active_log.world, active_log.log
    url = reverse("logs:detail", kwargs={"log": log.uuid})
    assert login_as(w.youth).get(url).status_code == 404
    assert _rows(log, w.youth) == [("log.view_summary", "refused")]
