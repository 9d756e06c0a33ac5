"""`make serve` for real: gunicorn with production settings on a throw-away SQLite file.

Starts the Makefile's target on a free port, reads /healthz, /readyz and a static file
through WhiteNoise, checks production settings are in force, replaces the workers with
HUP while it keeps answering, then stops it with TERM and checks it stopped gracefully.

`make serve` migrates the empty database first, as a new release does, so /readyz
answers ready and the log-in page (which reads the municipality's log-in providers)
is served. /readyz before migrations have run is tests/serving/test_readyz.py.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTTPS = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(
    port: int, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers if headers is not None else HTTPS)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _wait_until(check: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def test_make_serve_runs_gunicorn_in_production_and_stops_gracefully(tmp_path: Path) -> None:
    port = _free_port()
    pidfile = tmp_path / "gunicorn.pid"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STAFETT_", "DATABASE_URL", "DJANGO_"))
    }
    env.update(
        {
            "STAFETT_SECRET_KEY": secrets.token_urlsafe(64),
            "STAFETT_ACCESS_LOG_KEY": secrets.token_urlsafe(48),
            "STAFETT_PID_KEY": secrets.token_urlsafe(48),
            "STAFETT_VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
            "STAFETT_ALLOWED_HOSTS": "127.0.0.1",
            "STAFETT_WEB_WORKERS": "2",
            "STAFETT_WEB_PIDFILE": str(pidfile),
        }
    )
    out = (tmp_path / "stdout").open("w")
    err = (tmp_path / "stderr").open("w")
    process = subprocess.Popen(  # noqa: S603 - make, our own Makefile
        ["make", "-s", "serve", f"PORT={port}"],  # noqa: S607
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=err,
        start_new_session=True,
    )
    try:
        assert _wait_until(lambda: _get(port, "/healthz")[0] == 200, 90), (
            tmp_path / "stderr"
        ).read_text()[-3000:]
        master = int(pidfile.read_text())

        status, _, body = _get(port, "/healthz")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        status, headers, body = _get(port, "/readyz", {**HTTPS, "X-Request-ID": "serve-test-1"})
        assert status == 200
        assert json.loads(body) == {"status": "ok", "database": "ok", "migrations": "applied"}
        assert headers["x-request-id"] == "serve-test-1"

        # Static files: collected with hashed names, served by WhiteNoise for a year.
        manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
        hashed = manifest["paths"]["stafett/stafett.css"]
        assert hashed != "stafett/stafett.css"
        status, headers, body = _get(port, f"/static/{hashed}")
        assert status == 200
        assert body == (tmp_path / "static" / hashed).read_bytes()
        assert "immutable" in headers["cache-control"]
        assert headers["content-type"].startswith("text/css")

        # Production settings: plain HTTP is sent to HTTPS, cookies are __Host- and secure.
        status, headers, _ = _get(port, "/login/", {"Host": "127.0.0.1"})
        assert status == 301
        assert headers["location"].startswith("https://")
        status, headers, body = _get(port, "/login/")
        assert status == 200
        assert b"<form" in body
        assert "__Host-csrftoken=" in headers["set-cookie"]
        assert "Secure" in headers["set-cookie"]

        # HUP: new workers replace the old ones, and it answers throughout.
        workers = _children(master)
        assert len(workers) == 2
        os.kill(master, signal.SIGHUP)
        assert _wait_until(
            lambda: (
                len(now := _children(master)) == 2
                and not now & workers
                and _get(port, "/healthz")[0] == 200
            ),
            30,
        ), "HUP did not replace the workers"

        # TERM: the master stops its workers gracefully and exits 0, and so does make.
        os.kill(master, signal.SIGTERM)
        assert process.wait(timeout=40) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        out.close()
        err.close()

    lines = [json.loads(line) for line in (tmp_path / "stderr").read_text().splitlines() if line]
    messages = [line["message"] for line in lines]
    assert "Handling signal: hup" in messages
    assert "Handling signal: term" in messages
    assert messages[-1] == "Shutting down: Master"
    readyz = [line for line in lines if line.get("path") == "/readyz"]
    assert readyz == [
        {
            **readyz[0],
            "logger": "stafett.request",
            "request_id": "serve-test-1",
            "method": "GET",
            "status": 200,
            "user_id": None,
        }
    ]
    with pytest.raises(OSError):
        _get(port, "/healthz")
