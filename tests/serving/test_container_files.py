"""The Containerfile, compose.yaml and their helpers, read as files.

This is NOT a substitute for building the image: no container runtime runs in this
test suite. It checks the properties that matter and are easy to lose in an edit (the
final stage runs as a non-root user and holds no compiler, health checks exist, the
volumes are there, no secret is written into the files, the runtime lock matches the
development lock); README "Production" says where the image was last built.
"""

from __future__ import annotations

import importlib.util
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPILERS = re.compile(r"\b(build-essential|gcc|g\+\+|clang|cc|make|libc6-dev|[a-z0-9]+-dev)\b")


def _stages() -> dict[str, list[str]]:
    """Each stage of the Containerfile by name, as its instructions (continuations joined)."""
    text = (ROOT / "Containerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    stages: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            match = re.match(r"FROM\s+\S+(?:\s+AS\s+(\S+))?", line, re.IGNORECASE)
            assert match is not None
            current = stages.setdefault(match.group(1) or f"stage{len(stages)}", [])
        if current is not None:
            current.append(line)
    return stages


def _instructions(stage: list[str], keyword: str) -> list[str]:
    return [line for line in stage if line.split()[0].upper() == keyword]


def test_the_image_is_built_in_two_stages_and_the_final_one_has_no_compiler() -> None:
    stages = _stages()
    assert list(stages) == ["build", "final"]
    build_runs = " ".join(_instructions(stages["build"], "RUN"))
    final_runs = " ".join(_instructions(stages["final"], "RUN"))
    # The compiler is in the build stage only (so this check does look at the right place).
    assert COMPILERS.search(build_runs)
    assert not COMPILERS.search(final_runs), COMPILERS.search(final_runs)
    # The final stage takes only the virtualenv and the static files from the build.
    copied = [line for line in stages["final"] if line.startswith("COPY --from=")]
    assert sorted(line.split()[1] for line in copied) == ["--from=build", "--from=build"]
    assert {line.split()[2] for line in copied} == {"/opt/venv", "/static"}


def test_the_final_stage_runs_as_a_user_other_than_root() -> None:
    users = _instructions(_stages()["final"], "USER")
    assert users, "no USER in the final stage: the container would run as root"
    user = users[-1].split()[1].split(":")[0]
    assert user not in ("root", "0")
    assert "useradd" in " ".join(_instructions(_stages()["final"], "RUN"))


def test_the_image_has_weasyprints_libraries_translations_static_files_and_a_health_check() -> None:
    build, final = _stages()["build"], _stages()["final"]
    final_runs = " ".join(_instructions(final, "RUN"))
    for library in ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"):
        assert library in final_runs
    build_runs = " ".join(_instructions(build, "RUN"))
    assert "compilemessages" in build_runs
    assert "collectstatic" in build_runs
    assert "--require-hashes -r /tmp/requirements.lock" in build_runs
    (healthcheck,) = _instructions(final, "HEALTHCHECK")
    assert "/app/deploy/healthcheck.py" in healthcheck
    assert "/healthz" in healthcheck
    (cmd,) = _instructions(final, "CMD")
    assert "gunicorn" in cmd
    assert "/app/deploy/gunicorn.conf.py" in cmd
    env = " ".join(_instructions(final, "ENV"))
    assert "STAFETT_PRODUCTION=1" in env
    assert "STAFETT_STATIC_ROOT=/app/static" in env


def test_every_file_the_containerfile_copies_exists_and_the_build_context_is_trimmed() -> None:
    for stage in _stages().values():
        for line in _instructions(stage, "COPY"):
            if "--from=" in line:
                continue
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source
    for ignore in (".dockerignore", ".containerignore"):
        ignored = (ROOT / ignore).read_text().split()
        for path in (".git", ".venv", "var", ".env", "**/*.mo"):
            assert path in ignored, (ignore, path)


def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return compose


def test_compose_runs_postgresql_web_and_worker_from_one_image_with_health_checks() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"db", "migrate", "web", "worker", "scheduler"}
    assert services["db"]["image"].startswith("docker.io/library/postgres:")
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    app = ["migrate", "web", "worker", "scheduler"]
    assert {services[name]["image"] for name in app} == {"${STAFETT_IMAGE:-stafett:latest}"}
    assert {services[name]["build"]["dockerfile"] for name in app} == {"Containerfile"}
    assert services["web"]["healthcheck"]["test"][-1] == "/readyz"
    assert services["worker"]["command"][-1] == "db_worker"
    assert services["worker"]["healthcheck"]["test"][-2:] == ["--process", "db_worker"]
    assert services["scheduler"]["command"][-1] == "stafett_scheduler"
    for name in ("web", "worker", "scheduler"):
        assert services[name]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }
    assert "access_log_grants --role stafett_app" in services["migrate"]["command"][-1]
    # The web port is published on the host's loopback only, for the HTTPS proxy.
    assert services["web"]["ports"] == ["127.0.0.1:${STAFETT_PORT:-8000}:8000"]


def test_compose_keeps_its_data_in_volumes_and_its_secrets_in_the_environment() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(compose["volumes"]) == {"pgdata", "checkpoints"}
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    for name in ("web", "worker", "scheduler"):
        assert "checkpoints:/app/var/checkpoints" in services[name]["volumes"]
        environment = services[name]["environment"]
        for secret in ("STAFETT_SECRET_KEY", "STAFETT_ACCESS_LOG_KEY", "STAFETT_PID_KEY"):
            assert environment[secret] == f"${{{secret}:?set {secret} in .env}}"
        assert environment["DATABASE_URL"].startswith("postgres://stafett_app:${")
    # The migrations run as the owner, the application as stafett_app (README).
    assert services["migrate"]["environment"]["DATABASE_URL"].startswith(
        "postgres://stafett_owner:${"
    )
    example = (ROOT / "deploy" / "env.example").read_text()
    for line in example.splitlines():
        if line.startswith(
            ("STAFETT_SECRET_KEY", "STAFETT_ACCESS_LOG_KEY", "STAFETT_PID_KEY", "STAFETT_OWNER")
        ):
            assert line.endswith("="), "the example must not carry a secret"


def _pins(path: Path) -> dict[str, str]:
    return {
        name.lower(): version
        for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", path.read_text(), re.M)
    }


def test_the_images_lock_pins_the_same_versions_as_the_development_lock() -> None:
    development = _pins(ROOT / "requirements.lock")
    runtime = _pins(ROOT / "deploy" / "requirements.lock")
    assert {name: development.get(name) for name in runtime} == runtime
    pyproject = (ROOT / "pyproject.toml").read_text()
    dependencies = pyproject.split("dependencies = [", 1)[1].split("]\n", 1)[0]
    for requirement in re.findall(r'^\s*"([A-Za-z0-9_.-]+)', dependencies, re.M):
        name = requirement.lower().replace("_", "-")
        assert name in runtime, (
            f"{name} is missing from deploy/requirements.lock: regenerate it (README)"
        )
    for tool in ("pytest", "mypy", "playwright", "ruff"):
        assert tool not in runtime


def _load_healthcheck() -> Any:
    spec = importlib.util.spec_from_file_location("healthcheck", ROOT / "deploy" / "healthcheck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_health_check_asks_the_server_with_an_allowed_host_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[tuple[str, str | None]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append((self.path, self.headers.get("Host")))
            self.send_response(200 if self.path == "/readyz" else 503)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("STAFETT_WEB_BIND", f"0.0.0.0:{server.server_address[1]}")
        monkeypatch.setenv("STAFETT_ALLOWED_HOSTS", ".fjordvik.kommune.no,other.example")
        healthcheck = _load_healthcheck()
        assert healthcheck.main(["/readyz"]) == 0
        assert healthcheck.main(["/healthz"]) == 1
    finally:
        server.shutdown()
        server.server_close()
    assert seen == [("/readyz", "fjordvik.kommune.no"), ("/healthz", "fjordvik.kommune.no")]
    # Nothing listening: unhealthy, not a crash.
    assert healthcheck.main(["/readyz"]) == 1
    # A process that is not running is unhealthy.
    assert healthcheck.main(["--process", "no_such_command_here"]) == 1
