# Stafett: `make run` serves the demo, `make test` runs the whole suite, `make lint` checks.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-m 'not browser'"`.
PYTEST_ARGS ?=
# `make run PORT=8001` when 8000 is taken.
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run serve test worker install system-deps lint check messages bench bench-concurrency loadtest

# The virtualenv, from the hash-locked requirements; the project itself is installed editable.
$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

install: $(STAMP) system-deps
	@mkdir -p src/stafett/locale var
	$(PY) manage.py compilemessages --ignore=.venv -v 0

# Debian packages the project needs: gettext (translations), Chromium (browser tests),
# Pango and fonts (WeasyPrint's PDFs).
system-deps:
	@missing=""; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	for pkg in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; do \
	  dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# The demo on http://127.0.0.1:$(PORT) (SQLite in var/ unless DATABASE_URL says otherwise),
# with the background worker and the scheduler (see `worker`) running beside the web server
# and stopped when it stops. E-mails are printed here (the console backend); their links
# point to this port unless STAFETT_BASE_URL says otherwise.
run: install
	$(PY) manage.py migrate --noinput -v 0
	STAFETT_DEMO=1 $(PY) manage.py load_demo
	@echo "Stafett demo: http://127.0.0.1:$(PORT)/  (demo log-ins are listed in README.md)"
	@export STAFETT_DEMO=1; \
	export STAFETT_BASE_URL="$${STAFETT_BASE_URL:-http://127.0.0.1:$(PORT)}"; \
	$(PY) manage.py db_worker --no-startup-delay & worker=$$!; \
	$(PY) manage.py stafett_scheduler & scheduler=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null; wait $$worker $$scheduler 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production: gunicorn (deploy/gunicorn.conf.py: workers from the core count, graceful
# restarts) with STAFETT_PRODUCTION=1 on 127.0.0.1:$(PORT) (STAFETT_WEB_BIND to change),
# behind the municipality's HTTPS proxy. Needs the production environment (README
# "Production": STAFETT_SECRET_KEY, STAFETT_ACCESS_LOG_KEY, STAFETT_PID_KEY, DATABASE_URL, ...). Collects
# the static files (WhiteNoise serves them), applies migrations unless
# STAFETT_SERVE_MIGRATE=0, then runs gunicorn in the foreground: TERM stops it
# gracefully, HUP replaces its workers one by one. `make worker` runs beside it.
serve: install
	@export STAFETT_PRODUCTION=1; \
	export STAFETT_WEB_BIND="$${STAFETT_WEB_BIND:-127.0.0.1:$(PORT)}"; \
	$(PY) manage.py collectstatic --noinput -v 0 && \
	if [ "$${STAFETT_SERVE_MIGRATE:-1}" != 0 ]; then $(PY) manage.py migrate --noinput -v 0; fi && \
	exec $(VENV)/bin/gunicorn --config deploy/gunicorn.conf.py

# Background work alone (production runs one or more of these beside the web servers):
# `db_worker` runs the queued tasks (e-mails, checks) from the database; the scheduler
# enqueues the scheduled checks every STAFETT_SCHEDULER_INTERVAL seconds (default 120).
# Both stop together (Ctrl-C, or SIGTERM to this make).
worker: install
	$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py stafett_scheduler & scheduler=$$!; \
	$(PY) manage.py db_worker & worker=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null; wait $$worker $$scheduler 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	wait $$worker

# The whole suite on two workers; browser tests share one worker (xdist group "browser").
test: install
	$(PY) -m pytest -n 2 --dist loadgroup -q -p no:randomly $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run

# Speed: 10,000 relay logs × 30 entries in a throw-away SQLite file (deleted afterwards),
# then the log page, the coordinator's home and /healthz through the test client.
# The last line is the figures; `make bench BENCH_ARGS="--logs 1000"` for a quick run.
# Then, when PostgreSQL answers at BENCH_PG, the concurrency bench (below).
BENCH_ARGS ?=
bench: install
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	export DATABASE_URL="sqlite:///$$tmp/bench.sqlite3"; \
	$(PY) manage.py migrate --noinput -v 0 && \
	$(PY) manage.py bench $(BENCH_ARGS)
	@if psql "$(BENCH_PG)/postgres" -qAtc "SELECT 1" >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory bench-concurrency; \
	else echo "bench-concurrency skipped: no PostgreSQL at $(BENCH_PG)"; fi

# Concurrency: 1, 2, 4, 8 parallel readers of one municipality's logs against gunicorn
# (8 workers) on a throw-away PostgreSQL database (created on BENCH_PG, dropped
# afterwards), before and after deferred sealing of the access log (docs/benchmarks.md).
# `make bench-concurrency BENCH_CONCURRENCY_ARGS="--requests 20"` for a quick run.
BENCH_PG ?= postgres://postgres@127.0.0.1:5432
BENCH_CONCURRENCY_ARGS ?=
bench-concurrency: install
	@db=stafett_bench_$$$$; \
	trap 'psql "$(BENCH_PG)/postgres" -qc "DROP DATABASE IF EXISTS $$db" >/dev/null' EXIT; \
	psql "$(BENCH_PG)/postgres" -qc "CREATE DATABASE $$db" && \
	export DATABASE_URL="$(BENCH_PG)/$$db" && \
	$(PY) manage.py migrate --noinput -v 0 && \
	$(PY) manage.py bench_concurrency $(BENCH_CONCURRENCY_ARGS)

# Load: the production server (gunicorn, workers from the core count) on a throw-away
# PostgreSQL database (created on BENCH_PG, dropped afterwards) holding LOADTEST_LOGS
# relay logs of one municipality, loaded by wrk (installed from Debian when missing)
# with logged-in coordinators and guardians reading log pages, homes and "who has read"
# and /healthz at once. The last line is the figures (docs/benchmarks.md);
# `make loadtest LOADTEST_LOGS=120000` for the national figure, LOADTEST_ARGS for more
# (`--seconds 600` for a soak, `--explain` for query plans; `manage.py loadtest --help`).
LOADTEST_LOGS ?= 2000
LOADTEST_ARGS ?=
LOADTEST_DB_PREFIX ?= stafett_loadtest
loadtest: install
	@command -v wrk >/dev/null || { \
	  echo "Installing Debian package: wrk"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }
	@db=$(LOADTEST_DB_PREFIX)_$$$$; \
	trap 'psql "$(BENCH_PG)/postgres" -qc "DROP DATABASE IF EXISTS $$db WITH (FORCE)" >/dev/null' EXIT; \
	psql "$(BENCH_PG)/postgres" -qc "CREATE DATABASE $$db" && \
	export DATABASE_URL="$(BENCH_PG)/$$db" && \
	$(PY) manage.py migrate --noinput -v 0 && \
	$(PY) manage.py loadtest --logs $(LOADTEST_LOGS) $(LOADTEST_ARGS)
