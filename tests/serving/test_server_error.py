"""handler500: a request that found no database connection in time gets a quick 503.

The real pool is exercised on PostgreSQL in test_overload.py; here the same error is
raised inside a page, so the handler is checked on SQLite too.
"""

from __future__ import annotations

from typing import Any
from unittest import mock

import django.db
from django.test import Client
from psycopg_pool import PoolTimeout

from tests.factories import english_client


def _pool_timeout() -> django.db.OperationalError:
    # What Django raises when psycopg's pool gives up: its own error, caused by the pool's.
    try:
        try:
            raise PoolTimeout("couldn't get a connection after 3.00 sec")
        except PoolTimeout as cause:
            raise django.db.OperationalError(str(cause)) from cause
    except django.db.OperationalError as error:
        return error


def _get_readyz_raising(error: BaseException) -> Any:
    client: Client = english_client()
    client.raise_request_exception = False
    with mock.patch("stafett.core.views.readiness", side_effect=error):
        return client.get("/readyz")


def test_no_connection_from_the_pool_is_a_503_with_retry_after(db: Any) -> None:
    response = _get_readyz_raising(_pool_timeout())
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert "Stafett is busy" in body
    assert "Nothing was changed. Try again in a few seconds." in body
    assert '<html lang="en">' in body


def test_any_other_error_stays_a_500(db: Any) -> None:
    response = _get_readyz_raising(RuntimeError("a bug"))
    assert response.status_code == 500
    assert "Retry-After" not in response
    other_database_error = django.db.OperationalError("disk full")
    assert _get_readyz_raising(other_database_error).status_code == 500
