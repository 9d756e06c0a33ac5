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
    "stafett.statistics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
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
    "stafett.policy.PolicyEnforcementMiddleware",
    "stafett.policy.LoginRedirectMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "stafett.urls"
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
STATIC_ROOT = VAR_DIR / "static"
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
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("STAFETT_LOG_LEVEL", "WARNING")},
    # Request paths never carry child data (only random UUIDs), but keep the access
    # log itself out of the server log.
    "loggers": {"axes": {"level": "WARNING"}},
}
