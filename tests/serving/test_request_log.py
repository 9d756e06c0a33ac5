"""Structured request logs: one JSON object per line, with a request id."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.test import Client

from stafett.core.logging import JsonFormatter
from stafett.core.request_log import RequestIdFilter
from tests.conftest import World
from tests.factories import login


def _request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "stafett.request"]


def test_each_request_is_one_line_with_method_path_status_duration_and_a_fresh_id(
    db: Any, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="stafett.request")
    response = client.get("/healthz?secret=should-not-appear")
    (record,) = _request_records(caplog)
    assert record.method == "GET"  # type: ignore[attr-defined]
    assert record.path == "/healthz"  # type: ignore[attr-defined]
    assert record.status == 200  # type: ignore[attr-defined]
    assert record.duration_ms >= 0  # type: ignore[attr-defined]
    assert record.user_id is None  # type: ignore[attr-defined]
    # A new id, echoed to the caller.
    assert len(record.request_id) == 32  # type: ignore[attr-defined]
    assert response["X-Request-ID"] == record.request_id  # type: ignore[attr-defined]

    line = JsonFormatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["level"] == "INFO"
    assert data["logger"] == "stafett.request"
    assert data["message"] == "request"
    assert data["path"] == "/healthz"
    assert data["status"] == 200
    assert data["request_id"] == response["X-Request-ID"]
    assert data["time"].endswith("+00:00")
    assert "should-not-appear" not in line


def test_a_well_formed_incoming_request_id_is_kept_and_a_bad_one_replaced(
    db: Any, client: Client
) -> None:
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-2f6c1a9e-0001"})
    assert kept["X-Request-ID"] == "lb-2f6c1a9e-0001"
    for bad in ("short", "has space in it", "x" * 129, "inject\r\nSet-Cookie: a=b"):
        replaced = client.get("/healthz", headers={"X-Request-ID": bad})
        assert replaced["X-Request-ID"] != bad
        assert len(replaced["X-Request-ID"]) == 32


def test_the_line_names_the_user_by_number_only(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    client = login(Client(), world.guardian)
    caplog.set_level(logging.INFO, logger="stafett.request")
    client.get("/")
    (record,) = _request_records(caplog)
    assert record.user_id == world.guardian.pk  # type: ignore[attr-defined]
    line = JsonFormatter().format(record)
    assert world.guardian.username not in line
    assert world.guardian.first_name not in line
    assert world.child.first_name not in line


def test_other_lines_logged_during_a_request_carry_its_id(
    db: Any, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    # Django's own warning for a 404 is written inside the request.
    caplog.set_level(logging.WARNING, logger="django.request")
    caplog.handler.addFilter(RequestIdFilter())
    response = client.get("/no-such-page-here/", headers={"X-Request-ID": "probe-12345678"})
    assert response.status_code == 404
    warnings = [r for r in caplog.records if r.name == "django.request"]
    assert warnings
    assert warnings[0].request_id == "probe-12345678"  # type: ignore[attr-defined]
    # Django attaches the request (whose text holds the query string): left out of the line.
    line = JsonFormatter().format(warnings[0])
    assert json.loads(line)["request_id"] == "probe-12345678"
    assert "should-not-appear" not in line
    assert "request" not in json.loads(line)
    # Outside a request the id is empty.
    outside = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    RequestIdFilter().filter(outside)
    assert outside.request_id == ""  # type: ignore[attr-defined]
