"""The pages a municipality reads most run a constant number of SQL queries, however
large the log is (10 or 500 entries) and however many other logs the municipality holds
(1 or 200): the log page (coordinator and guardian), the coordinator's home, the family's
home and "who has read our log" (issue 14: 120,000 logs nationally).

The ceilings below are today's counts: a change that adds a query to one of these pages
fails here and has to say why (docs/benchmarks.md keeps the history)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stafett.audit.models import AccessLogEntry, AccessLogSeal
from tests.home.test_home_logs import make_logs
from tests.logs.conftest import LogWorld
from tests.logs.test_content_queries import bulk_entries

ACCESS_LOG_INSERT = f'INSERT INTO "{AccessLogEntry._meta.db_table}"'
SEAL_INSERT = f'INSERT INTO "{AccessLogSeal._meta.db_table}"'
TRANSACTION = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")

# The most queries (transaction statements not counted) each page may run, on
# PostgreSQL (SQLite runs one fewer on each: no sealing of the access log after commit).
CEILINGS = {
    # One more than the guardian's: the coordinator's archive documents (issue 12).
    "coordinator log page": 27,
    "guardian log page": 22,
    "coordinator home": 25,
    "family home": 19,
    "who has read": 16,
}
# What each page must show, so that a count is never taken of an error page.
MARKERS = {
    "coordinator log page": 'id="log-timeline"',
    "guardian log page": 'id="log-timeline"',
    "coordinator home": 'id="mylogs-heading"',
    "family home": 'id="child-1"',
    "who has read": 'id="reads-title"',
}


def page_queries(client: Any, url: str, marker: str) -> list[str]:
    """The statements of one view of `url`, without transaction control and without the
    access-log rows (a bulk insert SQLite splits into batches of its variable limit)."""
    client.get(url)  # warm the session and the caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    assert marker in response.content.decode(), f"{url}: no {marker}"
    return [
        q["sql"]
        for q in ctx.captured_queries
        if not q["sql"].startswith(TRANSACTION)
        and not q["sql"].startswith((ACCESS_LOG_INSERT, SEAL_INSERT))
    ]


def counts(active_log: LogWorld, login_as: Any) -> dict[str, int]:
    w, log = active_log.world, active_log.log
    detail = reverse("logs:detail", kwargs={"log": log.uuid})
    who = reverse("logs:access_list", kwargs={"log": log.uuid})
    pages = {
        "coordinator log page": (w.employee, detail),
        "guardian log page": (w.guardian, detail),
        "coordinator home": (w.employee, "/"),
        "family home": (w.guardian, "/"),
        "who has read": (w.guardian, who),
    }
    # login_as logs the one test client in again for each page.
    return {
        name: len(page_queries(login_as(user), url, MARKERS[name]))
        for name, (user, url) in pages.items()
    }


def test_the_most_read_pages_keep_their_query_count_as_the_log_and_the_municipality_grow(
    active_log: LogWorld, login_as: Any
) -> None:
    bulk_entries(active_log, 10)
    small = counts(active_log, login_as)
    bulk_entries(active_log, 490)  # the log: 10 → 500 entries
    make_logs(active_log.world, 200)  # the coordinator's and the guardian's other logs
    large = counts(active_log, login_as)
    assert large == small, f"small log: {small}; large log and municipality: {large}"
    over = {name: n for name, n in large.items() if n > CEILINGS[name]}
    assert not over, f"more queries than the ceiling {CEILINGS}: {over}"
