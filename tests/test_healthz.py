from __future__ import annotations

from typing import Any
from unittest import mock

from django.test import Client


def test_healthz_answers_ok_when_the_database_answers(db: Any, client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_answers_503_when_the_database_does_not(db: Any, client: Client) -> None:
    with mock.patch("stafett.core.views.connection.cursor", side_effect=RuntimeError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] != "ok"
