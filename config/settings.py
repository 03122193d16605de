"""Settings for every party, from environment variables with working defaults.

Every environment variable the project reads is read here (the README lists them); other
modules read ``django.conf.settings``. Importing this module has no side effects: the folders
under ``VAR_DIR`` are made when Django starts (``config.apps``) and the Celery broker is chosen
when Celery first needs it (``config.broker.current_broker``).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from .loopback import LOOPBACK_ORIGIN
from .parties import Site

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ARA_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


# `make room` generates one and keeps it in ARA_VAR_DIR (sessions survive a restart).
SECRET_KEY = (
    os.environ.get("ARA_SECRET_KEY")
    or os.environ.get("DJANGO_SECRET_KEY")
    or "attribution-lab-demo-only-not-secret"
)
# Off by default: error pages are the demo's own either way (config/errors.py), and with DEBUG
# off nothing can fall back to Django's debug pages, which list settings and URL patterns.
DEBUG = env_bool("DJANGO_DEBUG", False)
# Where `make demo` listens: loopback, so only this machine reaches it; 0.0.0.0 to share it.
ARA_BIND = os.environ.get("ARA_BIND", "127.0.0.1")
# The aggregation service's API requires this key (``Authorization: Bearer <key>``), as the
# real service requires authentication; the ad tech, its only client, sends it.
ARA_AGGREGATION_API_KEY = os.environ.get("ARA_AGGREGATION_API_KEY", "attribution-lab-demo-aggregation-key")
# Reports per shard: a larger batch is split across workers.
ARA_AGGREGATION_SHARD_SIZE = int(os.environ.get("ARA_AGGREGATION_SHARD_SIZE", "100000"))

# Host routing: the guide on ARA_DOMAIN, each party on <name>.ARA_DOMAIN, one port.
ARA_DOMAIN = os.environ.get("ARA_DOMAIN", "localhost").lower()
ARA_PORT = int(os.environ.get("ARA_PORT", "8000"))
ARA_SCHEME = os.environ.get("ARA_SCHEME", "http")
ARA_GUIDE_ALIASES = {"127.0.0.1", "testserver", "[::1]"}

# Room mode: one server for a whole workshop, each attendee with a simulated browser (a
# profile) of their own, joined at /room/join. Off: one person, the ``default`` profile.
ARA_ROOM = env_bool("ARA_ROOM", False)
# The instructor page's key; empty: generated once into ARA_VAR_DIR and printed at start-up.
ARA_ROOM_INSTRUCTOR_KEY = os.environ.get("ARA_ROOM_INSTRUCTOR_KEY", "")
# Per attendee, so one cannot slow the room: stored sources, and registrations in any minute.
ARA_ROOM_MAX_SOURCES = int(os.environ.get("ARA_ROOM_MAX_SOURCES", "200"))
ARA_ROOM_REGISTRATIONS_PER_MINUTE = int(os.environ.get("ARA_ROOM_REGISTRATIONS_PER_MINUTE", "120"))
# Joins per client address per minute (a room behind one NAT shares an address: raise it), and
# attendees in all: each join makes a profile, so joining cannot be a way to fill the server.
ARA_ROOM_JOINS_PER_MINUTE = int(os.environ.get("ARA_ROOM_JOINS_PER_MINUTE", "30"))
ARA_ROOM_MAX_ATTENDEES = int(os.environ.get("ARA_ROOM_MAX_ATTENDEES", "200"))
# Seconds each process shares a room-wide answer (the ad tech's senders, the room's summary
# reports, the worker's heartbeat) among every attendee's guide polls; 0: computed for each poll.
ARA_ROOM_SHARED_TTL = float(os.environ.get("ARA_ROOM_SHARED_TTL", "2"))
# Behind a reverse proxy, the client's address is the last one it appends to X-Forwarded-For.
ARA_TRUST_X_FORWARDED_FOR = env_bool("ARA_TRUST_X_FORWARDED_FOR", ARA_SCHEME == "https")
# Host routing answers unknown hosts with its own 400 page, so Django's check is open.
ALLOWED_HOSTS = ["*"]
# Behind a TLS proxy (Caddy, nginx) that says so in X-Forwarded-Proto: cookies only over https.
if ARA_SCHEME == "https":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True

INSTALLED_APPS = [
    "config.apps.LabConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "guide",
    "publisher",
    "advertiser",
    "adtech",
    "browser",
    "aggregation",
    "fidelity",
    "room",
]

MIDDLEWARE = [
    "config.middleware.HostRoutingMiddleware",
    "config.middleware.RequestLimitsMiddleware",
    "config.middleware.RejectNulBytesMiddleware",
    "fidelity.recorder.RecorderMiddleware",
    "config.errors.ErrorPagesMiddleware",
    "browser.bootstrap.ServiceWorkerBootstrapMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "room.middleware.ProfileMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# `make room` collects the static files into STATIC_ROOT and serves them with WhiteNoise
# (compressed, cached, no view per file); the demo serves them from the source folders, so an
# edited file is served as it is now.
ARA_STATIC_COLLECTED = env_bool("ARA_STATIC_COLLECTED", False)
if ARA_STATIC_COLLECTED:
    # After host routing: an unknown host gets its 400 page, not a file.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")
# Ads are served by the ad tech in cross-site iframes; frames are allowed per view.
X_FRAME_OPTIONS = "SAMEORIGIN"

ROOT_URLCONF = "guide.urls"

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
                "config.context_processors.parties",
            ],
        },
    },
]

# Errors: the demo's own pages and JSON, never Django's debug pages (see config/errors.py).
DEFAULT_EXCEPTION_REPORTER = "config.errors.QuietExceptionReporter"
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
# Bodies and forms: Django refuses more (a 413 or 400 in each endpoint's format).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# Database: SQLite in WAL mode by default, DATABASE_URL (e.g. PostgreSQL) when set.
_sqlite_path = Path(os.environ.get("ARA_SQLITE_PATH", VAR_DIR / "attribution-lab.sqlite3"))
if os.environ.get("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True)
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": _sqlite_path,
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS: list = []
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
if ARA_STATIC_COLLECTED:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    }

# CORS: the shim on the publisher and advertiser pages calls the simulated browser's API;
# ad pages on the ad tech host do too. The ad tech's registration endpoints answer the same
# origins, so a page's XMLHttpRequest (always a CORS request) gets its answer without an error.
# Exactly those origins, only those paths; the network service (/network) answers CORS itself.
CORS_URLS_REGEX = r"^/(api/.*|register/(source|trigger))$"
CORS_ALLOW_CREDENTIALS = False


# Pages of one's own may load the shim too: any loopback origin (the pattern below), and the
# origins listed in ARA_BROWSER_ALLOWED_ORIGINS (comma-separated, e.g. "https://dev.example:8443").
ARA_BROWSER_ALLOWED_ORIGINS = [
    o.strip().rstrip("/") for o in os.environ.get("ARA_BROWSER_ALLOWED_ORIGINS", "").split(",") if o.strip()
]
_SITE = Site(scheme=ARA_SCHEME, domain=ARA_DOMAIN, port=ARA_PORT)
CORS_ALLOWED_ORIGINS = _SITE.page_origins() + ARA_BROWSER_ALLOWED_ORIGINS
CORS_ALLOWED_ORIGIN_REGEXES = [LOOPBACK_ORIGIN]
CSRF_TRUSTED_ORIGINS = _SITE.page_origins()

REST_FRAMEWORK = {
    "DEFAULT_PARSER_CLASSES": [
        "config.jsonbody.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
}

# Celery: Redis when configured or answering locally, else an embedded broker. These are the
# raw choices; config.broker.current_broker() decides (and probes Redis) when Celery first
# needs a broker, not when settings are imported.
ARA_CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "").strip()
ARA_CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "").strip()
ARA_EMBEDDED_BROKER = os.environ.get("ARA_EMBEDDED_BROKER", "") == "1"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Rooms or test runs that share one Redis database keep apart by queue name.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("ARA_CELERY_QUEUE", "celery")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    "worker-heartbeat": {"task": "guide.tasks.heartbeat", "schedule": timedelta(seconds=15)},
    "browser-delivery-sweep": {"task": "browser.tasks.sweep", "schedule": timedelta(seconds=30)},
    "adtech-report-sweep": {"task": "adtech.tasks.sweep_reports", "schedule": timedelta(seconds=30)},
    "adtech-summary-batches": {
        "task": "adtech.tasks.submit_pending_batches",
        "schedule": timedelta(minutes=5),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ARA_LOG_LEVEL", "INFO")},
    "loggers": {"django.server": {"level": "WARNING"}},
}
