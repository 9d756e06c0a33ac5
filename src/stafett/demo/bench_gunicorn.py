"""gunicorn configuration for `manage.py bench_concurrency` (`--config python:…`).

With STAFETT_BENCH_DB_LATENCY_MS set, each worker sleeps that long before every SQL
statement, as the round trip to a database on another host would: time in which a
transaction holds its locks without using the CPU. Imports nothing of Stafett, since
gunicorn loads it before Django is set up.
"""

from __future__ import annotations

import os
import time
from typing import Any


def post_worker_init(worker: Any) -> None:
    latency = float(os.environ.get("STAFETT_BENCH_DB_LATENCY_MS") or 0) / 1000
    if not latency:
        return
    from django.db.backends.signals import connection_created

    def slow(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        time.sleep(latency)
        return execute(sql, params, many, context)

    def add(sender: Any, connection: Any, **kwargs: Any) -> None:
        connection.execute_wrappers.append(slow)

    connection_created.connect(add, weak=False)
