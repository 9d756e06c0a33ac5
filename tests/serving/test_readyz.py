"""/readyz: ready when the database answers and every migration is applied."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client

from stafett.core import readiness


@pytest.fixture(autouse=True)
def _fresh_answer() -> Iterator[None]:
    readiness.forget()
    yield
    readiness.forget()


def test_readyz_is_ready_when_the_database_answers_and_all_migrations_are_applied(
    db: Any, client: Client
) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "applied"}
    assert "no-store" in response["Cache-Control"]


def test_readyz_is_not_ready_while_a_migration_is_unapplied(db: Any, client: Client) -> None:
    # As after a deploy of new code whose migrations have not run yet: the newest
    # migration of an app is no longer recorded as applied (rolled back with the test).
    recorder = MigrationRecorder(connection)
    newest = recorder.migration_qs.filter(app="audit").order_by("-id").first()
    assert newest is not None
    newest.delete()

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "migrations": "pending"}
    # Liveness does not care: the process is alive, just not ready for traffic.
    assert client.get("/healthz").status_code == 200


def test_readyz_is_not_ready_when_the_database_does_not_answer(db: Any, client: Client) -> None:
    with mock.patch.object(connection, "cursor", side_effect=RuntimeError("down")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert response.json()["status"] == "unavailable"


def test_readyz_remembers_its_answer_for_a_moment(
    db: Any, client: Client, settings: Any, django_assert_max_num_queries: Any
) -> None:
    settings.STAFETT_READYZ_CACHE_SECONDS = 60
    assert client.get("/readyz").status_code == 200
    # Within the window the next probes cost no query at all...
    with django_assert_max_num_queries(0):
        for _ in range(5):
            assert client.get("/readyz").json()["status"] == "ok"
    # ... and with no window every probe checks again.
    settings.STAFETT_READYZ_CACHE_SECONDS = 0
    with mock.patch.object(connection, "cursor", side_effect=RuntimeError("down")):
        assert client.get("/readyz").status_code == 503
