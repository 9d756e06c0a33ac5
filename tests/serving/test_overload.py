"""Under overload the server answers 503 at once instead of piling requests up.

Each process keeps a small psycopg pool (settings: STAFETT_DB_POOL); a request that gets
no connection within the pool's timeout is answered 503 with Retry-After.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from tests.conftest import World
from tests.factories import login

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the connection pool is psycopg's, for PostgreSQL; SQLite has none",
)

POOL_TIMEOUT = 1


@pytest.fixture
def pool_of_one(transactional_db: Any) -> Iterator[None]:
    """The default connection through a pool of at most one connection."""
    connection.close()
    options = connection.settings_dict.setdefault("OPTIONS", {})
    options["pool"] = {"min_size": 0, "max_size": 1, "timeout": POOL_TIMEOUT}
    try:
        yield
    finally:
        connection.close()
        connection.close_pool()
        options.pop("pool", None)


def _signed_in(world: World) -> Client:
    client = login(Client(raise_request_exception=False), world.guardian)
    connection.close()  # hand the connection back to the pool
    return client


def test_with_a_pool_of_one_pages_are_served_one_after_another(
    world: World, pool_of_one: None
) -> None:
    client = _signed_in(world)
    for _ in range(3):
        response = client.get("/")
        assert response.status_code == 200
        assert b"<main" in response.content
    assert connection.pool is not None
    assert connection.pool.get_stats()["pool_max"] == 1


def test_when_the_pools_one_connection_is_held_a_page_gets_a_quick_503(
    world: World, pool_of_one: None
) -> None:
    client = _signed_in(world)
    pool = connection.pool
    assert pool is not None
    pool.open()
    held = pool.getconn()  # another request holds the only connection
    try:
        started = time.monotonic()
        response = client.get("/")
        took = time.monotonic() - started
    finally:
        pool.putconn(held)

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    with translation.override("nn"):
        assert gettext("Stafett is busy").encode() in response.content
    assert "Stafett har mykje å gjere no".encode() in response.content
    # It waited for the pool's timeout, and not much longer.
    assert POOL_TIMEOUT - 0.2 <= took < POOL_TIMEOUT + 2

    # Once the connection is back, the same page is served again.
    response = client.get("/")
    assert response.status_code == 200
