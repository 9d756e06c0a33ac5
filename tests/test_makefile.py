"""`make run PORT=…`: the links in e-mails point to the port the demo runs on."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _base_url_seen_by_run(port: str, environment: dict[str, str]) -> str:
    """Print `make run`'s recipe (without running it), then evaluate its STAFETT_BASE_URL
    line in a shell with the given environment."""
    recipe = subprocess.run(  # noqa: S603 - fixed arguments
        ["make", "-n", "-s", "run", f"PORT={port}", "STAMP=Makefile"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = [line for line in recipe.splitlines() if "export STAFETT_BASE_URL=" in line]
    assert lines, "make run no longer sets STAFETT_BASE_URL"
    export = lines[0].strip().rstrip("\\").strip().rstrip(";")
    shown = subprocess.run(  # noqa: S603 - our own recipe line
        ["bash", "-c", f'{export}; printf %s "$STAFETT_BASE_URL"'],  # noqa: S607
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return shown.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_on_another_port_links_to_that_port() -> None:
    assert _base_url_seen_by_run("8123", {}) == "http://127.0.0.1:8123"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_a_base_url_set_by_the_deployment_wins() -> None:
    url = "https://stafett.fjordvik.kommune.no"
    assert _base_url_seen_by_run("8123", {"STAFETT_BASE_URL": url}) == url
