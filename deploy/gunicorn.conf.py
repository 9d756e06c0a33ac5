"""gunicorn's configuration for Stafett (`make serve`, the container's web process).

    gunicorn --config deploy/gunicorn.conf.py stafett.wsgi

Every value comes from the environment (README "Production"):

- STAFETT_WEB_BIND (default 0.0.0.0:8000; `make serve` passes 127.0.0.1:$PORT)
- STAFETT_WEB_WORKERS: worker processes (default 2 × usable CPU cores + 1)
- STAFETT_WEB_THREADS: threads per worker (default 1: sync workers; more: gthread)
- STAFETT_WEB_TIMEOUT: seconds before a stuck worker is killed and replaced (default 30)
- STAFETT_WEB_GRACEFUL_TIMEOUT: seconds a stopping worker may finish its requests (30)
- STAFETT_WEB_BACKLOG: connections waiting for a worker before new ones are refused (64)
- STAFETT_WEB_MAX_REQUESTS: a worker is replaced after this many requests (1000, ±10 %)
- STAFETT_FORWARDED_ALLOW_IPS: the HTTPS proxy's addresses (default 127.0.0.1)
- STAFETT_WEB_PIDFILE: write the master's process id here (for `kill -HUP`)

Signals to the master: TERM stops gracefully (stop accepting, let each worker finish
its request within the graceful timeout, then exit); HUP reloads this file and replaces
the workers one by one, gracefully, with no refused request; INT/QUIT stop at once;
TTIN/TTOU add/remove a worker. Workers load the application after the fork (no
preload), so each has its own database connections and pool.

Sets up no Django: gunicorn reads this in the master, before any worker. Its own log
lines (start, stop, worker timeouts) are JSON like the application's when
STAFETT_LOG_FORMAT is json (the default in production).
"""

from __future__ import annotations

import os
from typing import Any


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise SystemExit(f"{name} must be at least {minimum}, not {value}.")
    return value


def usable_cores() -> int:
    """The CPU cores this process may run on (a container's cpuset counts, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


wsgi_app = "stafett.wsgi:application"
bind = [os.environ.get("STAFETT_WEB_BIND", "0.0.0.0:8000")]
workers = _int("STAFETT_WEB_WORKERS", 2 * usable_cores() + 1, minimum=1)
threads = _int("STAFETT_WEB_THREADS", 1, minimum=1)
# The database pool of each worker holds as many connections as it has threads, unless
# STAFETT_DB_POOL_MAX_SIZE says otherwise; the workers inherit this environment.
os.environ.setdefault("STAFETT_WEB_THREADS", str(threads))

# Overload: a short queue and a hard timeout, so a flood is refused at the door (the
# client sees a refused connection or, from the pool, a 503 with Retry-After) instead
# of piling up for minutes behind busy workers.
backlog = _int("STAFETT_WEB_BACKLOG", 64, minimum=1)
timeout = _int("STAFETT_WEB_TIMEOUT", 30, minimum=1)
graceful_timeout = _int("STAFETT_WEB_GRACEFUL_TIMEOUT", 30, minimum=1)
keepalive = 5
# Replace each worker after a thousand or so requests: memory cannot creep for ever.
max_requests = _int("STAFETT_WEB_MAX_REQUESTS", 1000, minimum=0)
max_requests_jitter = max_requests // 10
preload_app = False

# Behind the municipality's HTTPS proxy: trust its X-Forwarded-* headers only.
forwarded_allow_ips = os.environ.get("STAFETT_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Limits on what a client may send before Django sees it.
limit_request_line = 8190
limit_request_fields = 100

pidfile = os.environ.get("STAFETT_WEB_PIDFILE") or None
# Heartbeat files in memory, not on a container's overlay disk.
if os.path.isdir("/dev/shm"):  # noqa: S108 (gunicorn heartbeat files, its own)
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# Each request is logged once, by Django (stafett.core.request_log), with its request id.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("STAFETT_WEB_LOG_LEVEL", "info")
_production = os.environ.get("STAFETT_PRODUCTION", "").strip().lower() in ("1", "true", "yes", "on")
if os.environ.get("STAFETT_LOG_FORMAT", "json" if _production else "text") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "stafett.core.logging.JsonFormatter"}},
        "handlers": {
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
        },
        "loggers": {
            "gunicorn.error": {
                "level": loglevel.upper(),
                "handlers": ["error_console"],
                "propagate": False,
            },
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
        "root": {"level": "WARNING", "handlers": []},
    }

# No control socket (gunicorn 24+): it would be one path shared by every gunicorn of the
# user; the signals above do the same.
control_socket_disable = True


def connection_budget() -> tuple[int, str]:
    """How many PostgreSQL connections this server may hold at most, and the database URL.

    Each worker thread holds at most one pooled connection for pages and one for
    refusals (the `audit` alias): 2 × pool max × workers.
    """
    pool_max = _int("STAFETT_DB_POOL_MAX_SIZE", threads, minimum=1)
    return 2 * pool_max * workers, os.environ.get("DATABASE_URL", "")


# Connections left for the workers, the scheduler, psql, backups and migrations.
RESERVED_CONNECTIONS = 10


def when_ready(server: Any) -> None:
    """Say so in the log when this server alone could take PostgreSQL's last connections."""
    needed, url = connection_budget()
    if not url.startswith(("postgres://", "postgresql://")):
        return
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as conn:
            row = conn.execute("SHOW max_connections").fetchone()
        available = int(row[0]) if row else 0
    except Exception as error:  # the server still starts; /readyz will tell
        server.log.warning("Could not read PostgreSQL's max_connections: %s", error)
        return
    if needed + RESERVED_CONNECTIONS > available:
        server.log.error(
            "Connection budget: %d workers may hold up to %d PostgreSQL connections, but "
            "max_connections is %d (keep %d for the rest): lower STAFETT_WEB_WORKERS or "
            "STAFETT_DB_POOL_MAX_SIZE, or raise max_connections.",
            workers,
            needed,
            available,
            RESERVED_CONNECTIONS,
        )
    else:
        server.log.info(
            "Connection budget: up to %d of PostgreSQL's %d connections.", needed, available
        )
