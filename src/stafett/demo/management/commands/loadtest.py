"""`manage.py loadtest`: one municipality's readers against the production server.

Run it through `make loadtest`, which gives it a throw-away PostgreSQL database (created
and dropped) and installs wrk when it is missing. It refuses a database that already
holds a municipality. It

1. builds `--logs` relay logs of `--entries` entries in one municipality (bench.py's
   builder: COPY on PostgreSQL), 200 logs per coordinator, two children per guardian;
2. logs in `--coordinators` coordinators (past the code step) and `--guardians`
   guardians: their sessions are written straight into the session table here, in the
   bench, with the server's secret key (nothing in the application's own code paths is
   bypassed: the server reads them as it reads any session);
3. starts gunicorn with production's serve config (deploy/gunicorn.conf.py, as `make
   serve`; `--workers` as STAFETT_WEB_WORKERS, default 2 × cores + 1) on a free
   loopback port with production settings (STAFETT_PRODUCTION=1, fresh random keys,
   static files collected for WhiteNoise into a temporary directory, the database
   pool), its log in a file beside the run, and warms every worker up;
4. runs wrk (Debian's, one process per page kind, a generated Lua script rotating URLs
   and cookies and checking each answer is 2xx and the expected page):
   - one reader of log pages alone for `--single-seconds`;
   - then `--connections` clients at once for `--seconds`: log pages (coordinators
     and guardians), the coordinator's home, the family's home, "who has read our
     log" (guardians) and /healthz;
5. prints requests/s and p50/p95/p99 per page kind, the workers' memory before and
   after, and as its last line

    loadtest: log_page_rps=<n> log_page_p95_ms=<n> home_p95_ms=<n> healthz_rps=<n> \
errors=<n>

(one line; broken here for width). `errors` counts answers that are not 2xx or not the
expected page, and socket errors (connect, read, write, timeout).

With `--explain` it first prints the key lines of EXPLAIN ANALYZE for every SELECT that
the log page, the two homes and "who has read" run (docs/benchmarks.md).
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from stafett.accounts.middleware import SESSION_AUTH_AT, SESSION_SEEN_AT
from stafett.accounts.models import User
from stafett.demo.management.commands.bench import Command as Bench
from stafett.logs.models import RelayLog
from stafett.organisation.models import Municipality
from stafett.people.models import Guardianship

BACKEND = "stafett.accounts.backends.StafettBackend"
# `make serve`'s gunicorn configuration: the load test measures what production runs.
GUNICORN_CONF = Path(settings.BASE_DIR).parent.parent / "deploy" / "gunicorn.conf.py"
# Production's session cookie (settings.py, STAFETT_PRODUCTION).
COOKIE = "__Host-sessionid"
# What each kind of page must contain to count as answered.
MARKERS = {
    "log_page": 'id="log-timeline"',
    "home": 'id="mylogs-heading"',
    "family_home": 'id="child-1"',
    "who_has_read": 'id="reads-title"',
    "healthz": "",
}
# Share of the clients per page kind in the mixed run (the rest read log pages).
SHARES = {"home": 3 / 16, "family_home": 2 / 16, "who_has_read": 1 / 16, "healthz": 2 / 16}

LUA = """
local items = {ITEMS}
local marker = {MARKER}
local i = 0
bad = 0  -- a global: done() reads it from each thread with thread:get
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  i = math.random(#items) - 1
end

function request()
  i = i % #items + 1
  local item = items[i]
  local headers = {["Host"] = "127.0.0.1", ["X-Forwarded-Proto"] = "https"}
  if item[2] ~= "" then headers["Cookie"] = item[2] end
  return wrk.format("GET", item[1], headers)
end

function response(status, headers, body)
  if status < 200 or status > 299 or (marker ~= "" and not string.find(body, marker, 1, true)) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local wrong = 0
  for _, thread in ipairs(threads) do
    wrong = wrong + thread:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    'WRKRESULT {"requests": %d, "duration_us": %d, "socket_errors": %d, "bad": %d, '
    .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, wrong,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


@dataclass
class Result:
    kind: str
    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    max: float = 0.0
    connections: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class Targets:
    """Per page kind, the (path, cookie) pairs the clients rotate through."""

    items: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


class Command(BaseCommand):
    help = "Build one municipality's logs, start gunicorn and load it with wrk."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--logs", type=int, default=2000)
        parser.add_argument("--entries", type=int, default=30)
        parser.add_argument("--per-coordinator", type=int, default=200)
        parser.add_argument("--coordinators", type=int, default=32, help="logged in")
        parser.add_argument("--guardians", type=int, default=64, help="logged in")
        parser.add_argument("--connections", type=int, default=16, help="mixed run")
        parser.add_argument("--seconds", type=float, default=60, help="mixed run")
        parser.add_argument("--single-seconds", type=float, default=20, help="one reader")
        parser.add_argument(
            "--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn"
        )
        parser.add_argument("--explain", action="store_true", help="print query plans")
        parser.add_argument("--seed", type=int, default=4)

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.STAFETT_PRODUCTION:
            raise CommandError("The load test never runs in production.")
        if connection.vendor != "postgresql":
            raise CommandError("loadtest needs PostgreSQL (use `make loadtest`).")
        if Municipality.objects.exists():
            raise CommandError(
                "loadtest needs an empty, throw-away database (use `make loadtest`, which "
                "makes one); this one already holds data."
            )
        wrk = shutil.which("wrk")
        if wrk is None:
            raise CommandError("wrk is not installed (`make loadtest` installs it).")
        random.seed(options["seed"])
        builder = Bench()
        builder.stdout = self.stdout
        started = time.perf_counter()
        builder.build(
            logs=options["logs"],
            entries=options["entries"],
            per_coordinator=options["per_coordinator"],
        )
        self.stdout.write(
            f"built {options['logs']} logs × {options['entries']} entries in "
            f"{time.perf_counter() - started:.0f} s"
        )
        started = time.perf_counter()
        with connection.cursor() as cursor:  # as autovacuum would have done by now
            cursor.execute("VACUUM ANALYZE")
        self.stdout.write(f"VACUUM ANALYZE in {time.perf_counter() - started:.0f} s")
        secret_key = secrets.token_urlsafe(64)
        pid_key = secrets.token_urlsafe(48)
        access_log_key = secrets.token_urlsafe(48)
        with override_settings(SECRET_KEY=secret_key, STAFETT_ACCESS_LOG_KEY=access_log_key):
            targets = self.targets(options["coordinators"], options["guardians"])
            if options["explain"]:
                self.explain(targets)
        self.stdout.write(
            f"{options['logs']} logs × {options['entries']} entries in one municipality; "
            f"{len({c for _, c in targets.items['home']})} coordinators and "
            f"{len({c for _, c in targets.items['family_home']})} guardians logged in; "
            f"gunicorn --workers {options['workers']} (PostgreSQL, Python "
            f"{platform.python_version()}, {os.cpu_count()} CPUs)"
        )
        with tempfile.TemporaryDirectory(prefix="stafett-loadtest-") as var_dir:
            env = self.server_env(var_dir, secret_key, access_log_key, pid_key)
            self.collect_static(env)
            server_log = Path(var_dir) / "server.log"
            with Gunicorn(env, workers=options["workers"], log_path=server_log) as server:
                self.warm_up(server, targets, options["workers"])
                rss_before = server.worker_rss_mb()
                self.stdout.write(
                    "load average before the measured runs "
                    + " ".join(f"{x:.2f}" for x in os.getloadavg())
                )
                single = self.wrk(
                    wrk,
                    server.port,
                    {"log_page": targets.items["log_page"]},
                    {"log_page": 1},
                    options["single_seconds"],
                    Path(var_dir),
                )["log_page"]
                self.line("one reader", single)
                shares = split(options["connections"])
                mixed = self.wrk(
                    wrk, server.port, targets.items, shares, options["seconds"], Path(var_dir)
                )
                rss_after = server.worker_rss_mb()
            problems = server.log_problems()
        self.stdout.write(f"server log: {len(problems)} line(s) at WARNING or above")
        for line in problems[:5]:
            self.stdout.write(f"  {line[:300]}")
        self.stdout.write(f"--- {options['connections']} clients at once, {options['seconds']} s")
        for result in mixed.values():
            self.line(result.kind, result)
        self.stdout.write(
            "worker memory (RSS, MB): before "
            + " ".join(f"{x:.0f}" for x in rss_before)
            + "; after "
            + " ".join(f"{x:.0f}" for x in rss_after)
        )
        self.stdout.write("load average after " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
        errors = single.errors + sum(result.errors for result in mixed.values())
        self.stdout.write(
            "loadtest: "
            f"log_page_rps={mixed['log_page'].rps:.1f} "
            f"log_page_p95_ms={mixed['log_page'].p95:.0f} "
            f"home_p95_ms={mixed['home'].p95:.0f} "
            f"healthz_rps={mixed['healthz'].rps:.1f} "
            f"errors={errors}"
        )

    # --- who reads what ---------------------------------------------------------------

    def targets(self, n_coordinators: int, n_guardians: int) -> Targets:
        """Sessions for coordinators and guardians, and the pages each of them reads."""
        logs_of: dict[int, list[str]] = {}
        for coordinator_id, log_uuid in RelayLog.objects.values_list("coordinator_id", "uuid"):
            logs_of.setdefault(coordinator_id, []).append(str(log_uuid))
        coordinators = list(
            User.objects.filter(pk__in=list(logs_of)).order_by("pk")[:n_coordinators]
        )
        guardians = list(
            User.objects.filter(kind=User.Kind.CITIZEN, guardianships__isnull=False)
            .distinct()
            .order_by("pk")[:n_guardians]
        )
        children_logs: dict[int, list[str]] = {}
        for guardian_id, log_uuid in Guardianship.objects.filter(
            guardian__in=guardians
        ).values_list("guardian_id", "subject__relay_logs__uuid"):
            if log_uuid is not None:
                children_logs.setdefault(guardian_id, []).append(str(log_uuid))
        targets = Targets(
            {"log_page": [], "home": [], "family_home": [], "who_has_read": [], "healthz": []}
        )
        home = reverse("home:home")
        for coordinator in coordinators:
            cookie = f"{COOKIE}={self.session(coordinator)}"
            targets.items["home"].append((home, cookie))
            for coordinator_log in random.sample(
                logs_of[coordinator.pk], min(40, len(logs_of[coordinator.pk]))
            ):
                targets.items["log_page"].append(
                    (reverse("logs:detail", kwargs={"log": coordinator_log}), cookie)
                )
        for guardian in guardians:
            cookie = f"{COOKIE}={self.session(guardian)}"
            targets.items["family_home"].append((home, cookie))
            for child_log in children_logs.get(guardian.pk, []):
                targets.items["log_page"].append(
                    (reverse("logs:detail", kwargs={"log": child_log}), cookie)
                )
                targets.items["who_has_read"].append(
                    (reverse("logs:access_list", kwargs={"log": child_log}), cookie)
                )
        targets.items["healthz"].append((reverse("healthz"), ""))
        for items in targets.items.values():
            random.shuffle(items)
        return targets

    def session(self, user: User) -> str:
        """A logged-in session (past the code step for staff), as a cookie value."""
        session = SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = BACKEND
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session[SESSION_AUTH_AT] = session[SESSION_SEEN_AT] = time.time()
        if user.is_staff_member:
            device, _ = TOTPDevice.objects.get_or_create(
                user=user, defaults={"name": "loadtest", "confirmed": True}
            )
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.create()
        assert session.session_key is not None
        return session.session_key

    # --- query plans ------------------------------------------------------------------

    def explain(self, targets: Targets) -> None:
        """EXPLAIN ANALYZE every SELECT of one page of each kind, key lines only."""
        from django.contrib.sessions.models import Session

        for kind in ("log_page", "home", "family_home", "who_has_read"):
            path, cookie = targets.items[kind][0]
            key = cookie.split("=", 1)[1]
            user_id = Session.objects.get(pk=key).get_decoded()["_auth_user_id"]
            user = User.objects.get(pk=user_id)
            client = Client()
            client.force_login(user, backend=BACKEND)
            if user.is_staff_member:
                session = client.session
                session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
                session.save()
            client.get(path)  # warm up
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(path)
            if response.status_code != 200:
                raise CommandError(f"{kind} {path} answered {response.status_code}")
            selects = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT")]
            self.stdout.write(
                f"--- plans: {kind} ({len(ctx.captured_queries)} queries, {len(selects)} SELECTs)"
            )
            with connection.cursor() as cursor:
                for sql in selects:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF) " + sql)
                    plan = [row[0] for row in cursor.fetchall()]
                    self.stdout.write(summarise(sql, plan))

    # --- the server and the load ----------------------------------------------------

    def server_env(
        self, var_dir: str, secret_key: str, access_log_key: str, pid_key: str
    ) -> dict[str, str]:
        database = connection.settings_dict
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("STAFETT_") and key != "DJANGO_SETTINGS_MODULE"
        }
        env.update(
            {
                "DATABASE_URL": (
                    f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
                    f"{database['PORT'] or 5432}/{database['NAME']}"
                ),
                "STAFETT_PRODUCTION": "1",
                "STAFETT_SECRET_KEY": secret_key,
                "STAFETT_ACCESS_LOG_KEY": access_log_key,
                "STAFETT_VAR_DIR": var_dir,
                "STAFETT_ALLOWED_HOSTS": "127.0.0.1",
                # TLS ends in front of the server; wrk says so with X-Forwarded-Proto.
                "STAFETT_SSL_REDIRECT": "0",
                # Production's database pool (STAFETT_DB_POOL), as `make serve` has it.
                "STAFETT_PID_KEY": pid_key,
                "STAFETT_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            }
        )
        if database.get("PASSWORD"):
            env["PGPASSWORD"] = str(database["PASSWORD"])
        return env

    def collect_static(self, env: dict[str, str]) -> None:
        subprocess.run(
            [sys.executable, "-m", "django", "collectstatic", "--noinput", "-v", "0"],
            env={**env, "DJANGO_SETTINGS_MODULE": "stafett.settings"},
            check=True,
        )

    def warm_up(self, server: Gunicorn, targets: Targets, workers: int) -> None:
        """Every worker loads its code and templates on its first pages: not measured."""
        for kind, items in targets.items.items():
            for path, cookie in items[: 4 * workers]:
                status, body = server.get(path, cookie)
                if status != 200 or MARKERS[kind] not in body:
                    raise CommandError(f"warm-up: {kind} {path} answered {status}")

    def wrk(
        self,
        wrk: str,
        port: int,
        items: dict[str, list[tuple[str, str]]],
        connections: dict[str, int],
        seconds: float,
        scratch: Path,
    ) -> dict[str, Result]:
        """One wrk per page kind, all at once; their results by kind."""
        processes: dict[str, subprocess.Popen[str]] = {}
        for kind, n in connections.items():
            if n < 1 or not items[kind]:
                continue
            script = scratch / f"{kind}.lua"
            lua_items = ", ".join(
                "{" + lua_string(path) + ", " + lua_string(cookie) + "}"
                for path, cookie in items[kind]
            )
            script.write_text(
                LUA.replace("{ITEMS}", "{" + lua_items + "}").replace(
                    "{MARKER}", lua_string(MARKERS[kind])
                )
            )
            processes[kind] = subprocess.Popen(  # noqa: S603 (wrk, fixed arguments)
                [
                    wrk,
                    "--threads",
                    "1",
                    "--connections",
                    str(n),
                    "--duration",
                    f"{max(1, round(seconds))}s",
                    "--timeout",
                    "10s",
                    "--script",
                    str(script),
                    f"http://127.0.0.1:{port}",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        results: dict[str, Result] = {}
        for kind, process in processes.items():
            output, _ = process.communicate(timeout=seconds + 120)
            lines = [line for line in output.splitlines() if line.startswith("WRKRESULT ")]
            if process.returncode != 0 or not lines:
                raise CommandError(f"wrk ({kind}) failed:\n{output}")
            raw = json.loads(lines[-1].removeprefix("WRKRESULT "))
            results[kind] = Result(
                kind=kind,
                requests=raw["requests"],
                seconds=raw["duration_us"] / 1e6,
                errors=raw["socket_errors"] + raw["bad"],
                p50=raw["p50_us"] / 1000,
                p95=raw["p95_us"] / 1000,
                p99=raw["p99_us"] / 1000,
                max=raw["max_us"] / 1000,
                connections=connections[kind],
            )
        return results

    def line(self, name: str, result: Result) -> None:
        self.stdout.write(
            f"{name}: {result.connections} client(s), {result.requests} requests = "
            f"{result.rps:.1f}/s; p50={result.p50:.0f} ms p95={result.p95:.0f} ms "
            f"p99={result.p99:.0f} ms max={result.max:.0f} ms; errors={result.errors}"
        )


def split(connections: int) -> dict[str, int]:
    """The mixed run's clients by page kind: at least one each, the rest on log pages."""
    shares = {kind: max(1, round(connections * share)) for kind, share in SHARES.items()}
    shares["log_page"] = max(1, connections - sum(shares.values()))
    return shares


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string of ASCII is a valid Lua string literal


def summarise(sql: str, plan: list[str]) -> str:
    """The statement's start, the plan's top line, every scan node and the total time."""
    keep = [plan[0].strip()]
    for line in plan[1:]:
        text = line.strip().removeprefix("->  ")
        if " Scan " in f" {text}" or text.startswith(("Execution Time", "Sort Method")):
            keep.append(text)
    head = " ".join(sql.split())[:110]
    return f"  {head}…\n    " + "\n    ".join(keep)


class Gunicorn:
    """gunicorn on a free loopback port with the given environment, stopped on exit."""

    def __init__(self, env: dict[str, str], *, workers: int, log_path: Path) -> None:
        self.env = env
        self.workers = workers
        self.log_path = log_path
        self.log_file: Any = None
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Gunicorn:
        """Production's own serve configuration (`make serve`: deploy/gunicorn.conf.py),
        set through its environment: only the port, the number of workers, a longer
        timeout and queue for the flood, and quieter gunicorn lines differ. The server's
        standard error (Django's JSON request log, one line per request as in
        production) goes to a file beside the run, not into the results."""
        if not GUNICORN_CONF.is_file():
            raise CommandError(f"{GUNICORN_CONF} is missing (the production serve config).")
        env = {
            **self.env,
            "STAFETT_WEB_BIND": f"127.0.0.1:{self.port}",
            "STAFETT_WEB_WORKERS": str(self.workers),
            "STAFETT_WEB_TIMEOUT": "60",
            "STAFETT_WEB_BACKLOG": "2048",
            "STAFETT_WEB_LOG_LEVEL": "warning",
        }
        self.log_file = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
            [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONF)],
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        for _ in range(240):
            if self.process.poll() is not None:
                break
            try:
                if self.get("/healthz", "")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.25)
        self.__exit__()
        raise CommandError("gunicorn did not start:\n" + self.log_tail())

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def log_problems(self) -> list[str]:
        """The server's log lines at WARNING or above (its request lines are INFO)."""
        problems = []
        for line in self.log_path.read_text("utf-8", "replace").splitlines():
            try:
                level = json.loads(line).get("level", "")
            except (ValueError, AttributeError):
                level = "WARNING"  # not JSON: gunicorn or Python said something itself
            if str(level).upper() not in ("DEBUG", "INFO"):
                problems.append(line)
        return problems

    def get(self, path: str, cookie: str) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https"}
        if cookie:
            headers["Cookie"] = cookie
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker process (children of the master), in MB."""
        assert self.process is not None
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        sizes: list[float] = []
        for child in children:
            try:
                status = Path(f"/proc/{child}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sorted(sizes)

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None
