"""Is this process ready for traffic: the database answers and every migration is applied.

Checked at most once per STAFETT_READYZ_CACHE_SECONDS (default 2) per process, so a
load balancer polling every worker costs one `SELECT 1` and one read of
`django_migrations` a second or two, not one per probe.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


@dataclass(frozen=True)
class Readiness:
    database: bool
    migrations_applied: bool

    @property
    def ready(self) -> bool:
        return self.database and self.migrations_applied


_lock = threading.Lock()
_cached: tuple[float, Readiness] | None = None


def check_readiness(alias: str = DEFAULT_DB_ALIAS) -> Readiness:
    """The database answers, and the migration plan to the code's leaf nodes is empty."""
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return Readiness(database=False, migrations_applied=False)
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        return Readiness(database=True, migrations_applied=False)
    return Readiness(database=True, migrations_applied=not plan)


def readiness() -> Readiness:
    """`check_readiness()`, remembered for a second or two."""
    global _cached
    ttl = settings.STAFETT_READYZ_CACHE_SECONDS
    with _lock:
        now = time.monotonic()
        if _cached is not None and now - _cached[0] < ttl:
            return _cached[1]
        result = check_readiness()
        _cached = (now, result)
        return result


def forget() -> None:
    """Drop the remembered answer (tests, or after `migrate` in the same process)."""
    global _cached
    with _lock:
        _cached = None
