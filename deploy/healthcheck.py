"""The container's health check: exit 0 when healthy, 1 when not. Standard library only.

    python deploy/healthcheck.py /healthz        the web server answers 200 (liveness)
    python deploy/healthcheck.py /readyz         ... and every migration is applied
    python deploy/healthcheck.py --process db_worker [--process stafett_scheduler]
                                                 those manage.py commands are running

The web check asks http://127.0.0.1:<port of STAFETT_WEB_BIND> with the first name of
STAFETT_ALLOWED_HOSTS as Host (Django refuses other names); /healthz and /readyz are
exempt from the HTTPS redirect.
"""

from __future__ import annotations

import http.client
import os
import sys
from pathlib import Path


def web(path: str) -> bool:
    port = int(os.environ.get("STAFETT_WEB_BIND", "0.0.0.0:8000").rsplit(":", 1)[1])
    hosts = [h.strip() for h in os.environ.get("STAFETT_ALLOWED_HOSTS", "").split(",")]
    host = next((h.lstrip(".") for h in hosts if h and h != "*"), "127.0.0.1")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=4)
    try:
        conn.request("GET", path, headers={"Host": host})
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def running(command: str) -> bool:
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"manage.py" in b" ".join(words) and command.encode() in words:
            return True
    return False


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--process":
        names = [argv[i + 1] for i in range(0, len(argv) - 1, 2) if argv[i] == "--process"]
        return 0 if names and all(running(name) for name in names) else 1
    return 0 if web(argv[0] if argv else "/healthz") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
