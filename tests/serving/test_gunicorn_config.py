"""deploy/gunicorn.conf.py: workers from the cores, its variables, the connection budget."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVER = os.environ.get("STAFETT_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")


def _config(monkeypatch: pytest.MonkeyPatch, **environment: str) -> Any:
    # The file sets STAFETT_WEB_THREADS for its workers: put back whatever was there.
    monkeypatch.setenv("STAFETT_WEB_THREADS", "")
    for name in list(os.environ):
        if name.startswith("STAFETT_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location(
        "gunicorn_conf", ROOT / "deploy" / "gunicorn.conf.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_workers_follow_the_usable_cores_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    config = _config(monkeypatch)
    assert config.workers == 2 * len(os.sched_getaffinity(0)) + 1
    assert config.threads == 1
    assert config.bind == ["0.0.0.0:8000"]
    assert (config.backlog, config.timeout, config.graceful_timeout) == (64, 30, 30)
    assert config.preload_app is False
    assert config.accesslog is None
    config = _config(
        monkeypatch, STAFETT_WEB_WORKERS="3", STAFETT_WEB_THREADS="4", STAFETT_WEB_BIND="[::]:9000"
    )
    assert (config.workers, config.threads, config.bind) == (3, 4, ["[::]:9000"])
    # The workers' pools get as many connections as the worker has threads.
    assert os.environ["STAFETT_WEB_THREADS"] == "4"


def test_a_bad_number_stops_it_with_the_variables_name(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit, match="STAFETT_WEB_WORKERS must be a whole number"):
        _config(monkeypatch, STAFETT_WEB_WORKERS="many")
    with pytest.raises(SystemExit, match="STAFETT_WEB_WORKERS must be at least 1"):
        _config(monkeypatch, STAFETT_WEB_WORKERS="0")


def test_its_own_log_lines_are_json_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not hasattr(_config(monkeypatch), "logconfig_dict")
    config = _config(monkeypatch, STAFETT_PRODUCTION="1")
    formatter = config.logconfig_dict["formatters"]["json"]["()"]
    assert formatter == "stafett.core.logging.JsonFormatter"
    assert not hasattr(_config(monkeypatch, STAFETT_PRODUCTION="0"), "logconfig_dict")


class _Log:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def error(self, message: str, *args: Any) -> None:
        self.lines.append(("error", message % args))

    def warning(self, message: str, *args: Any) -> None:
        self.lines.append(("warning", message % args))

    def info(self, message: str, *args: Any) -> None:
        self.lines.append(("info", message % args))


class _Server:
    def __init__(self) -> None:
        self.log = _Log()


def _postgres_reachable() -> bool:
    try:
        with psycopg.connect(f"{SERVER}/postgres", connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@pytest.mark.skipif(not _postgres_reachable(), reason=f"PostgreSQL is not reachable at {SERVER}")
def test_the_connection_budget_is_checked_against_max_connections(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with psycopg.connect(f"{SERVER}/postgres") as conn:
        row = conn.execute("SHOW max_connections").fetchone()
    assert row is not None
    available = int(row[0])
    url = f"{SERVER}/postgres"

    fits = _config(monkeypatch, DATABASE_URL=url, STAFETT_WEB_WORKERS="2")
    server = _Server()
    fits.when_ready(server)
    assert server.log.lines == [
        ("info", f"Connection budget: up to 4 of PostgreSQL's {available} connections.")
    ]

    too_many = str(available // 2)
    crowded = _config(monkeypatch, DATABASE_URL=url, STAFETT_WEB_WORKERS=too_many)
    server = _Server()
    crowded.when_ready(server)
    ((level, line),) = server.log.lines
    assert level == "error"
    assert f"{too_many} workers may hold up to {2 * int(too_many)} PostgreSQL connections" in line
    assert f"max_connections is {available}" in line


def test_the_connection_budget_is_not_checked_without_postgresql(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = _config(monkeypatch, DATABASE_URL="sqlite:////tmp/x.sqlite3")
    server = _Server()
    config.when_ready(server)
    assert server.log.lines == []
    unreachable = _config(monkeypatch, DATABASE_URL="postgres://nobody@127.0.0.1:1/none")
    server = _Server()
    unreachable.when_ready(server)
    ((level, line),) = server.log.lines
    assert level == "warning"
    assert "Could not read PostgreSQL's max_connections" in line
