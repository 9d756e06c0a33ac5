"""The administrator's retention page: periods validated on the server, tombstones
listed with metadata only."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.urls import reverse
from django.utils import timezone

from stafett.retention.models import RetentionRules, Tombstone
from stafett.retention.selectors import periods_for

URL = reverse("retention:rules")


def _post(client: Any, **values: str) -> Any:
    data = {"closed_log_years": "8", "concern_months": "6", "access_log_months": "36"}
    data.update(values)
    return client.post(URL, data)


def test_the_administrator_sets_the_periods(world: Any, login_as: Any) -> None:
    client = login_as(world.admin)
    page = client.get(URL).content.decode()
    # The defaults: ten years for closed logs, a year for concerns, five for the access log.
    assert 'name="closed_log_years" value="10"' in page
    assert 'name="concern_months" value="12"' in page
    assert 'name="access_log_months" value="60"' in page
    assert "Entries older than this are deleted every night" in page
    response = _post(client)
    assert response.status_code == 302
    world.municipality.refresh_from_db()
    periods = periods_for(world.municipality)
    assert (periods.closed_log_months, periods.concern_months, periods.access_log_months) == (
        96,
        6,
        36,
    )
    assert "The retention periods are saved." in client.get(URL).content.decode()


def test_bad_periods_give_a_clear_message_and_change_nothing(world: Any, login_as: Any) -> None:
    client = login_as(world.admin)
    for field, value in (
        ("closed_log_years", "0"),
        ("closed_log_years", "101"),
        ("concern_months", "0"),
        ("concern_months", "121"),
        ("access_log_months", "11"),
        ("access_log_months", "-5"),
        ("access_log_months", "many"),
    ):
        response = _post(client, **{field: value})
        assert response.status_code == 200, (field, value)
        assert f'id="id_{field}_error"' in response.content.decode(), (field, value)
    world.municipality.refresh_from_db()
    assert world.municipality.retention_years == 10
    assert not RetentionRules.objects.exists()


def test_the_tombstones_are_listed_without_anything_personal(world: Any, login_as: Any) -> None:
    gone = uuid.uuid4()
    Tombstone.objects.create(
        municipality=world.municipality,
        kind=Tombstone.Kind.LOG,
        original_uuid=gone,
        original_id=41,
        created_at=timezone.now() - datetime.timedelta(days=4000),
        closed_at=timezone.now() - datetime.timedelta(days=3700),
        rule=Tombstone.Rule.CLOSED_LOG,
        period_months=120,
    )
    Tombstone.objects.create(
        municipality=world.other_municipality,
        kind=Tombstone.Kind.CONCERN,
        original_uuid=uuid.uuid4(),
        original_id=7,
        created_at=timezone.now(),
        rule=Tombstone.Rule.CONCERN,
        period_months=12,
    )
    pruned = uuid.uuid4()
    Tombstone.objects.create(
        municipality=world.municipality,
        kind=Tombstone.Kind.ACCESS_LOG,
        original_uuid=pruned,
        original_id=3,
        created_at=timezone.now() - datetime.timedelta(days=2200),
        closed_at=timezone.now() - datetime.timedelta(days=1900),
        rule=Tombstone.Rule.ACCESS_LOG,
        period_months=60,
        rows_deleted=1200,
    )
    body = login_as(world.admin).get(URL).content.decode()
    assert str(gone) in body
    assert "Closed relay logs (120 months)" in body
    assert "Access-log entries" in body and str(pruned) in body
    assert "Access log (60 months)" in body
    # Only this municipality's.
    assert "Concerns that led nowhere (12 months)" not in body


def test_the_overview_links_to_the_page_and_others_are_kept_out(world: Any, login_as: Any) -> None:
    assert URL in login_as(world.admin).get(reverse("organisation:overview")).content.decode()
    assert login_as(world.leader).get(URL).status_code == 403
    assert login_as(world.guardian).get(URL).status_code == 404
    assert login_as(world.leader).post(URL, {"closed_log_years": "1"}).status_code == 403
    world.municipality.refresh_from_db()
    assert world.municipality.retention_years == 10
