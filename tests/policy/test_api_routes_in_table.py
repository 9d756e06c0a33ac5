"""Every operation of the JSON API (each path and method of its OpenAPI document, and
each URL the resolver has under /api/) has a row in the every-URL walk's table, so no
endpoint can be added without deciding who may reach it."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.urls import resolve

from stafett.api.api import api
from tests.policy.test_every_url import EXPECTED
from tests.policy.walker import iter_routes


def _operations() -> list[tuple[str, str]]:
    document = api.get_openapi_schema()
    return [
        (path, method.upper())
        for path, operations in document["paths"].items()
        for method in operations
    ]


def _url_name(path: str) -> str:
    concrete = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
    match = resolve(concrete)
    return f"{match.namespace}:{match.url_name}"


def missing_operations(table: dict[str, dict[str, Any]]) -> list[str]:
    """The API's operations (method, path, URL name) that have no row in `table`."""
    return [
        f"{method} {path} ({_url_name(path)})"
        for path, method in _operations()
        if method not in table.get(_url_name(path), {})
    ]


def test_every_api_operation_is_in_the_walks_table() -> None:
    assert len(_operations()) >= 20
    missing = missing_operations(EXPECTED)
    assert not missing, f"API operations without a row in the walk's table: {missing}"


def test_every_api_url_of_the_resolver_is_in_the_walks_table() -> None:
    names = {route.name for route in iter_routes() if route.name.startswith("api:")}
    assert {"api:openapi-json", "api:openapi-view", "api:logs", "api:access_log"} <= names
    assert not names - set(EXPECTED)


def test_the_check_catches_a_missing_operation() -> None:
    """Without the PATCH row of the measure, or without the consent's row, the check
    names exactly what is missing."""
    table = {name: dict(row) for name, row in EXPECTED.items()}
    del table["api:measure"]["PATCH"]
    del table["api:consent"]
    assert missing_operations(table) == [
        "PATCH /api/v1/logs/{log}/measures/{entry} (api:measure)",
        "GET /api/v1/logs/{log}/consent (api:consent)",
    ]
