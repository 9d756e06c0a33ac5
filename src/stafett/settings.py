"""Django settings for Stafett. Every knob is an environment variable (see env.py)."""

from __future__ import annotations

import copy
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from stafett.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(env_str("STAFETT_VAR_DIR", str(PROJECT_DIR / "var")))

DEBUG = env_bool("STAFETT_DEBUG", False)
# Demo mode lists the demo personas on the log-in page and lets them log in.
STAFETT_DEMO = env_bool("STAFETT_DEMO", False)
# Production: secure cookies with the __Host- prefix, HSTS, HTTPS redirect.
STAFETT_PRODUCTION = env_bool("STAFETT_PRODUCTION", False)
if STAFETT_PRODUCTION and STAFETT_DEMO:
    # Demo mode lists personas with their password and shows live one-time codes on the
    # log-in page: on a real installation that hands every demo account to anyone.
    raise ImproperlyConfigured(
        "STAFETT_DEMO=1 cannot be used with STAFETT_PRODUCTION=1: demo mode shows personas "
        "and one-time codes on the log-in page. Unset STAFETT_DEMO in production."
    )

_DEV_SECRET = "insecure-development-key-never-use-in-production-0123456789abcdef"  # noqa: S105
SECRET_KEY = env_str("STAFETT_SECRET_KEY", "" if STAFETT_PRODUCTION else _DEV_SECRET)
if STAFETT_PRODUCTION and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("STAFETT_SECRET_KEY must be set (50+ characters) in production.")

ALLOWED_HOSTS = env_list("STAFETT_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("STAFETT_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "stafett.core",
    "stafett.organisation",
    "stafett.accounts",
    "stafett.people",
    "stafett.audit",
    "stafett.logs",
    "stafett.consent",
    "stafett.home",
    "stafett.concerns",
    "stafett.guides",
    "stafett.demo",
    "stafett.notifications",
    # Issue 13: OpenID Connect log-in (ID-porten, Feide, Entra ID).
    "stafett.signin",
    "stafett.delivery",
    # Retention and deletion, the leader's follow-up list (issue 12).
    "stafett.retention",
    "stafett.followup",
    "stafett.archive",
    # The JSON API (issue 13); "ninja" serves the Swagger UI files from static/ninja/.
    "ninja",
    "stafett.api",
    "stafett.statistics",
]

MIDDLEWARE = [
    # Outermost: a request id and one JSON line per request (stafett.core.request_log).
    "stafett.core.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # /api/ only: body size, content type and nesting first; every error as the API's JSON.
    "stafett.api.errors.ApiGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "stafett.accounts.middleware.SessionLifetimeMiddleware",
    "stafett.accounts.middleware.SecondFactorMiddleware",
    "stafett.core.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "stafett.core.middleware.SecurityHeadersMiddleware",
    # Issue 13: the log-out form may lead on to the provider's log-out (its CSP).
    "stafett.signin.middleware.ProviderLogoutFormActionMiddleware",
    "stafett.policy.PolicyEnforcementMiddleware",
    "stafett.policy.LoginRedirectMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "stafett.urls"
# Seconds /readyz remembers its answer per process (stafett.core.readiness).
STAFETT_READYZ_CACHE_SECONDS = env_int("STAFETT_READYZ_CACHE_SECONDS", 2, minimum=0)
WSGI_APPLICATION = "stafett.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "stafett.core.context_processors.stafett",
                "stafett.notifications.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'stafett.sqlite3'}"),
        conn_max_age=env_int("STAFETT_DB_CONN_MAX_AGE", 0, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# Connections on PostgreSQL (issue 14): psycopg's pool, Django 5.2's OPTIONS["pool"], on
# by default in production (STAFETT_DB_POOL). Each process (a gunicorn worker, db_worker,
# the scheduler) keeps its own pool of at most STAFETT_DB_POOL_MAX_SIZE connections per
# alias (default: STAFETT_WEB_THREADS, the threads of one gunicorn worker); a request that
# gets none within STAFETT_DB_POOL_TIMEOUT seconds is answered 503 with Retry-After
# (stafett.core.views.server_error) instead of waiting. The pool replaces persistent
# connections (Django refuses CONN_MAX_AGE with a pool), so STAFETT_DB_CONN_MAX_AGE is
# for STAFETT_DB_POOL=0 only. README "Production": sizing against max_connections.
STAFETT_DB_POOL = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "STAFETT_DB_POOL", STAFETT_PRODUCTION
)
if STAFETT_DB_POOL:
    if DATABASES["default"].get("CONN_MAX_AGE"):
        raise ImproperlyConfigured(
            "STAFETT_DB_CONN_MAX_AGE cannot be used with the connection pool "
            "(STAFETT_DB_POOL=1): unset one of them."
        )
    _pool_max = env_int("STAFETT_DB_POOL_MAX_SIZE", env_int("STAFETT_WEB_THREADS", 1), minimum=1)
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(env_int("STAFETT_DB_POOL_MIN_SIZE", 0, minimum=0), _pool_max),
        "max_size": _pool_max,
        "timeout": env_int("STAFETT_DB_POOL_TIMEOUT", 3, minimum=1),
    }

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A second connection to the same database, in autocommit, used only to write refused
    # accesses to the access log at once: committed before the refusal is raised, so they
    # survive the rollback of the view's transaction (stafett.audit.refusals). Tests share
    # the default test database (MIRROR); the router keeps migrations off it.
    DATABASES["audit"] = {
        **copy.deepcopy(DATABASES["default"]),
        "AUTOCOMMIT": True,
        "ATOMIC_REQUESTS": False,
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["stafett.audit.routers.AuditConnectionRouter"]
# The alias refusals are written on inside an open transaction; "" writes them after the
# view instead (SQLite: one writer at a time, so a second connection would only wait).
STAFETT_REFUSAL_DATABASE = "audit" if "audit" in DATABASES else ""

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "stafett.accounts.backends.StafettBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Languages: nynorsk first, since the demo municipality and many BTI municipalities write it.
LANGUAGE_CODE = "nn"
LANGUAGES = [("nn", _("Nynorsk")), ("nb", _("Bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where collectstatic puts the files WhiteNoise serves (the container bakes them in
# /app/static, apart from the writable var/ directory).
STATIC_ROOT = Path(env_str("STAFETT_STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STAFETT_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STAFETT_PRODUCTION
if not STAFETT_PRODUCTION:
    # Outside production static files come from the apps (finders); WhiteNoise still
    # expects STATIC_ROOT to exist.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = VAR_DIR / "media"

# Sessions: idle expiry and an absolute cap, both enforced by SessionLifetimeMiddleware.
STAFETT_SESSION_IDLE_MINUTES = env_int("STAFETT_SESSION_IDLE_MINUTES", 30, minimum=1)
STAFETT_SESSION_ABSOLUTE_HOURS = env_int("STAFETT_SESSION_ABSOLUTE_HOURS", 12, minimum=1)
SESSION_COOKIE_AGE = STAFETT_SESSION_ABSOLUTE_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Log-in throttling (django-axes): lock a username+address pair after repeated failures.
AXES_FAILURE_LIMIT = env_int("STAFETT_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("STAFETT_LOGIN_COOLOFF_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# The lock-out page says when to try again; a try during the pause starts it again.
AXES_LOCKOUT_CALLABLE = "stafett.accounts.views.locked_out_response"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_VERBOSE = False
# Successful log-ins are already in Stafett's own access log; keep no second copy.
AXES_DISABLE_ACCESS_LOG = True
# Never keep the form's tokens or passwords in django-axes' failed-attempt rows.
AXES_SENSITIVE_PARAMETERS = ["csrfmiddlewaretoken", "new_password1", "new_password2"]
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# Failed passwords are counted per typed username, address and window of this many minutes
# (accounts.LoginFailureWindow), not written one by one to the access log.
STAFETT_LOGIN_FAILURE_WINDOW_MINUTES = env_int(
    "STAFETT_LOGIN_FAILURE_WINDOW_MINUTES", 60, minimum=1
)
# ... and forgotten after this many days (they hold network addresses).
STAFETT_LOGIN_FAILURE_KEEP_DAYS = env_int("STAFETT_LOGIN_FAILURE_KEEP_DAYS", 90, minimum=1)

OTP_TOTP_ISSUER = "Stafett"
OTP_TOTP_THROTTLE_FACTOR = 1

# Invitation links (set your password) work once, for three days.
PASSWORD_RESET_TIMEOUT = env_int("STAFETT_INVITATION_VALID_HOURS", 72, minimum=1) * 3600
# A clear page (templates/403_csrf.html) when a form's CSRF token is missing or wrong.
CSRF_FAILURE_VIEW = "stafett.accounts.views.csrf_failure"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

if STAFETT_PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("STAFETT_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Load balancers may probe the health check over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env_int("STAFETT_HSTS_SECONDS", 63072000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    LANGUAGE_COOKIE_NAME = "__Host-language"

# E-mail through Django's e-mail API: console in development and demo, SMTP in production.
EMAIL_BACKEND = env_str(
    "STAFETT_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if STAFETT_PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("STAFETT_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("STAFETT_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("STAFETT_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("STAFETT_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("STAFETT_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("STAFETT_FROM_EMAIL", "Stafett <stafett@localhost>")
# Absolute address used in e-mailed links.
STAFETT_BASE_URL = env_str("STAFETT_BASE_URL", "http://127.0.0.1:8000")

# Background work (e-mails, scheduled checks) through Django's tasks API: the django-tasks
# backport with its database backend (django-tasks-db), run by `manage.py db_worker`;
# `manage.py stafett_scheduler` enqueues the periodic checks (README: "Background work").
# Tests replace the backend with the ImmediateBackend (tests/conftest.py).
TASKS = {
    "default": {
        "BACKEND": env_str("STAFETT_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# Seconds between two runs of the scheduled checks (expiring consent, overdue
# evaluations, digests, e-mails due for another try).
STAFETT_SCHEDULER_INTERVAL = env_int("STAFETT_SCHEDULER_INTERVAL", 120, minimum=5)
# Local hour (Europe/Oslo) from which the daily digests go out.
STAFETT_DIGEST_HOUR = env_int("STAFETT_DIGEST_HOUR", 7, minimum=0)

# The access log's evidence (docs/security.md, "The access log: threat model").
# The key signs every link of the chains and every checkpoint; it lives outside the
# database (whoever can write the database must not also hold it) and never changes.
_DEV_ACCESS_LOG_KEY = "insecure-development-access-log-key-never-use-in-production"
STAFETT_ACCESS_LOG_KEY = env_str(
    "STAFETT_ACCESS_LOG_KEY", "" if STAFETT_PRODUCTION else _DEV_ACCESS_LOG_KEY
)
if STAFETT_PRODUCTION and (
    len(STAFETT_ACCESS_LOG_KEY) < 32 or STAFETT_ACCESS_LOG_KEY in (_DEV_ACCESS_LOG_KEY, SECRET_KEY)
):
    raise ImproperlyConfigured(
        "STAFETT_ACCESS_LOG_KEY must be set in production (32+ characters, not the "
        "development key, not STAFETT_SECRET_KEY)."
    )
# Where signed checkpoints of each chain's head are appended: a directory outside the
# database, ideally on other storage (append-only or replicated off the host).
STAFETT_ACCESS_LOG_CHECKPOINT_DIR = Path(
    env_str("STAFETT_ACCESS_LOG_CHECKPOINT_DIR", str(VAR_DIR / "checkpoints"))
)
# The scheduler seals new rows every so many seconds and writes a checkpoint every so
# many minutes; each read also seals right after its commit unless another sealer is busy.
STAFETT_ACCESS_LOG_SEAL_SECONDS = env_int("STAFETT_ACCESS_LOG_SEAL_SECONDS", 2, minimum=1)
STAFETT_ACCESS_LOG_CHECKPOINT_MINUTES = env_int(
    "STAFETT_ACCESS_LOG_CHECKPOINT_MINUTES", 15, minimum=1
)
STAFETT_ACCESS_LOG_SEAL_AFTER_COMMIT = env_bool("STAFETT_ACCESS_LOG_SEAL_AFTER_COMMIT", True)
# Seal inside the read's own transaction, holding the chain's lock until it commits
# (the old behaviour: one municipality's reads wait for each other). Tests and the
# benchmark's "before" column use it.
STAFETT_ACCESS_LOG_SEAL_AT_ONCE = env_bool("STAFETT_ACCESS_LOG_SEAL_AT_ONCE", False)
# Unsealed rows older than this are an error in `verify_access_log`.
STAFETT_ACCESS_LOG_UNSEALED_GRACE_SECONDS = 60

# Server logs: in production one JSON object per line (time, level, logger, message,
# request_id, and for each request method, path without query, status, duration_ms,
# user_id), on standard error; STAFETT_LOG_FORMAT=text for plain lines. Every request is
# one line on `stafett.request` at INFO (stafett.core.request_log).
STAFETT_LOG_FORMAT = env_str("STAFETT_LOG_FORMAT", "json" if STAFETT_PRODUCTION else "text")
if STAFETT_LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("STAFETT_LOG_FORMAT must be json or text.")
# The JSON API (README: "The JSON API"): the largest request body, the deepest JSON
# nesting accepted, and requests per integration token per minute (counted in the
# cache of each server process).
STAFETT_API_MAX_BODY_BYTES = env_int("STAFETT_API_MAX_BODY_BYTES", 1024 * 1024, minimum=1024)
STAFETT_API_MAX_JSON_DEPTH = env_int("STAFETT_API_MAX_JSON_DEPTH", 20, minimum=2)
STAFETT_API_RATE_LIMIT = env_int("STAFETT_API_RATE_LIMIT", 120, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "stafett.core.request_log.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "stafett.core.logging.JsonFormatter"},
        "text": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": STAFETT_LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env_str("STAFETT_LOG_LEVEL", "WARNING")},
    # Request paths never carry child data (only random UUIDs), but keep the access
    # log itself out of the server log.
    "loggers": {
        "axes": {"level": "WARNING"},
        "stafett.request": {
            "level": env_str(
                "STAFETT_REQUEST_LOG_LEVEL", "INFO" if STAFETT_PRODUCTION else "WARNING"
            )
        },
    },
}


# --- OpenID Connect log-in (issue 13; stafett.signin) -------------------------------
# The key of the national identity number's keyed hash (HMAC-SHA256). Never change it
# once numbers are registered: they would no longer match.
_DEV_PID_KEY = "insecure-development-pid-key-never-use-in-production"
STAFETT_PID_KEY = env_str("STAFETT_PID_KEY", "" if STAFETT_PRODUCTION else _DEV_PID_KEY)
if STAFETT_PRODUCTION and (
    len(STAFETT_PID_KEY) < 32 or STAFETT_PID_KEY in (_DEV_PID_KEY, SECRET_KEY)
):
    raise ImproperlyConfigured(
        "STAFETT_PID_KEY must be set in production (32+ characters, not the development "
        "key, not STAFETT_SECRET_KEY)."
    )
# Client secrets: STAFETT_OIDC_SECRET_<MUNICIPALITY SHORT NAME>_<KIND> (upper case,
# "-" as "_"), else the file <STAFETT_OIDC_SECRETS_DIR>/<short name>-<kind>.
STAFETT_OIDC_SECRETS_DIR = env_str("STAFETT_OIDC_SECRETS_DIR", "")
# Seconds to wait for a provider before showing "log-in is unavailable".
STAFETT_OIDC_TIMEOUT_SECONDS = env_int("STAFETT_OIDC_TIMEOUT_SECONDS", 10, minimum=1)
# The archive (issue 12): PDFs and packages of relay logs, under a directory no web
# server serves (downloads go through views that ask the policy and log the access).
STAFETT_ARCHIVE_DIR = Path(env_str("STAFETT_ARCHIVE_DIR", str(VAR_DIR / "archive")))
# Attempts at building one archive document before it stays failed.
STAFETT_ARCHIVE_MAX_ATTEMPTS = env_int("STAFETT_ARCHIVE_MAX_ATTEMPTS", 4, minimum=1)
# Downloads of their own log a guardian or youth may make per hour (PDF and JSON each count).
STAFETT_FAMILY_EXPORTS_PER_HOUR = env_int("STAFETT_FAMILY_EXPORTS_PER_HOUR", 6, minimum=1)
# The Noark 5 classification of archived relay logs (klassering in noark-metadata.json):
# set them to the municipality's own classification system and class (e.g. its K-kode).
STAFETT_ARCHIVE_CLASSIFICATION_SYSTEM = env_str("STAFETT_ARCHIVE_CLASSIFICATION_SYSTEM", "Stafett")
STAFETT_ARCHIVE_CLASS_ID = env_str("STAFETT_ARCHIVE_CLASS_ID", "stafettlogg")
