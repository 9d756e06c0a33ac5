"""`manage.py bench_concurrency`: do one municipality's reads scale with readers?

Run it through `make bench-concurrency` (part of `make bench`), which gives it a
throw-away PostgreSQL database. It refuses a database that already holds a
municipality. It builds `--logs` relay logs in one municipality (bench.py's builder),
then starts a real server, gunicorn with `--workers` sync worker processes, and sends
it N parallel readers (threads, one session and their own slice of logs each, plain
HTTP) for N in `--readers`, each reading `--requests` log pages. It does this twice:

- "before": each read seals its access-log row inside its own transaction, holding the
  municipality's chain lock until the page's transaction commits (how every read
  worked before issue 10: STAFETT_ACCESS_LOG_SEAL_AT_ONCE=1);
- "after": the read writes its row unchained and takes no lock; it is sealed right
  after the commit, or by the next one (the default).

Afterwards it seals what is left and checks the whole log with `verify_access_log`.
The last line is

    bench-concurrency: before_1=<pages/s> … before_8=<pages/s> after_1=<pages/s> … after_8=<pages/s>
"""

from __future__ import annotations

import http.client
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from stafett.accounts.middleware import SESSION_AUTH_AT, SESSION_SEEN_AT
from stafett.accounts.models import User
from stafett.audit.log import seal_pending
from stafett.audit.models import AccessLogEntry
from stafett.audit.verify import verify_access_log
from stafett.demo.management.commands.bench import Command as Bench
from stafett.demo.management.commands.bench import percentile
from stafett.organisation.models import Municipality

MODES = {"before": "1", "after": "0"}


class Command(BaseCommand):
    help = "Parallel readers of one municipality against gunicorn: pages/s before and after."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--logs", type=int, default=160)
        parser.add_argument("--entries", type=int, default=12)
        parser.add_argument("--readers", default="1,2,4,8", help="comma-separated")
        parser.add_argument("--requests", type=int, default=40, help="pages per reader")
        parser.add_argument("--workers", type=int, default=8, help="gunicorn workers")
        parser.add_argument("--seed", type=int, default=4)
        parser.add_argument(
            "--db-latency-ms",
            type=float,
            default=0.0,
            help="sleep this long before each SQL statement in the server, as a database "
            "on another host would cost (the lock is held across it; the CPU is not)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.STAFETT_PRODUCTION:
            raise CommandError("The bench never runs in production.")
        if connection.vendor != "postgresql":
            raise CommandError("bench_concurrency needs PostgreSQL (SQLite has one writer).")
        if Municipality.objects.exists():
            raise CommandError(
                "bench_concurrency needs an empty, throw-away database (use `make "
                "bench-concurrency`, which makes one); this one already holds data."
            )
        random.seed(options["seed"])
        readers = [int(n) for n in options["readers"].split(",")]
        builder = Bench()
        builder.stdout = self.stdout
        coordinator, log_uuids = builder.build(
            logs=options["logs"], entries=options["entries"], per_coordinator=options["logs"]
        )
        cookies = [self.session(coordinator) for _ in range(max(readers))]
        urls = [reverse("logs:detail", kwargs={"log": log_uuid}) for log_uuid in log_uuids]
        self.stdout.write(
            f"{len(urls)} logs × {options['entries']} entries in one municipality; gunicorn "
            f"--workers {options['workers']}; {options['requests']} pages per reader; "
            f"{options['db_latency_ms']} ms simulated latency per SQL statement "
            f"(PostgreSQL, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
            f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())})"
        )
        figures: dict[str, float] = {}
        for mode, at_once in MODES.items():
            with Server(
                workers=options["workers"],
                seal_at_once=at_once,
                latency_ms=options["db_latency_ms"],
            ) as server:
                self.stdout.write(f"--- {mode} (STAFETT_ACCESS_LOG_SEAL_AT_ONCE={at_once})")
                # Every worker loads its code and templates on its first page: not measured.
                self.run(server.port, cookies, urls, 3, quiet=True)
                for n in readers:
                    rates = self.run(server.port, cookies[:n], urls, options["requests"])
                    figures[f"{mode}_{n}"] = rates
        seal_pending()
        report = verify_access_log()
        rows = AccessLogEntry.objects.count()
        verdict = "intact" if report.intact else f"NOT intact: {report.problems[:3]}"
        self.stdout.write(f"access log: {rows} rows, {verdict}")
        self.stdout.write(
            "bench-concurrency: " + " ".join(f"{k}={v:.1f}" for k, v in figures.items())
        )

    def session(self, coordinator: User) -> str:
        """A logged-in session that has passed the code step, as a cookie value."""
        session = SessionStore()
        session["_auth_user_id"] = str(coordinator.pk)
        session["_auth_user_backend"] = "stafett.accounts.backends.StafettBackend"
        session["_auth_user_hash"] = coordinator.get_session_auth_hash()
        session[SESSION_AUTH_AT] = session[SESSION_SEEN_AT] = time.time()
        session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=coordinator).persistent_id
        session.create()
        assert session.session_key is not None
        return session.session_key

    def run(
        self, port: int, sessions: list[str], urls: list[str], requests: int, *, quiet: bool = False
    ) -> float:
        """`len(sessions)` readers at once, each on its own slice of the logs."""
        durations: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()
        slices = [urls[i :: len(sessions)] for i in range(len(sessions))]

        def reader(session_key: str, mine: list[str]) -> None:
            cookie = f"{settings.SESSION_COOKIE_NAME}={session_key}"
            for _ in range(requests):
                url = random.choice(mine)
                start = time.perf_counter()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                try:
                    conn.request("GET", url, headers={"Cookie": cookie, "Host": "127.0.0.1"})
                    response = conn.getresponse()
                    body = response.read()
                finally:
                    conn.close()
                took = (time.perf_counter() - start) * 1000
                with lock:
                    if response.status != 200 or b'id="log-timeline"' not in body:
                        failures.append(f"{url} answered {response.status}")
                    durations.append(took)

        threads = [
            threading.Thread(target=reader, args=(key, mine))
            for key, mine in zip(sessions, slices, strict=True)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        if failures:
            raise CommandError(f"{len(failures)} reads failed, e.g. {failures[0]}")
        rate = len(durations) / elapsed
        if quiet:
            return rate
        self.stdout.write(
            f"{len(sessions)} readers: {len(durations)} pages in {elapsed:.1f} s = "
            f"{rate:.1f} pages/s; p50={statistics.median(durations):.0f} ms "
            f"p95={percentile(durations, 95):.0f} ms max={max(durations):.0f} ms"
        )
        return rate


class Server:
    """gunicorn on a free port with this process's database, stopped on exit."""

    def __init__(self, *, workers: int, seal_at_once: str, latency_ms: float = 0.0) -> None:
        self.workers = workers
        self.seal_at_once = seal_at_once
        self.latency_ms = latency_ms
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        database = connection.settings_dict
        env = {
            **os.environ,
            "DATABASE_URL": (
                f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
                f"{database['PORT'] or 5432}/{database['NAME']}"
            ),
            "STAFETT_ACCESS_LOG_SEAL_AT_ONCE": self.seal_at_once,
            "STAFETT_DB_CONN_MAX_AGE": "60",
            "STAFETT_ALLOWED_HOSTS": "127.0.0.1",
            "STAFETT_BENCH_DB_LATENCY_MS": str(self.latency_ms),
        }
        if database.get("PASSWORD"):
            env["PGPASSWORD"] = str(database["PASSWORD"])
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "stafett.wsgi",
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "--timeout",
                "120",
                "--config",
                "python:stafett.demo.bench_gunicorn",
            ],
            env=env,
        )
        for _ in range(240):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.25)
        else:
            raise CommandError("gunicorn did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=60)
