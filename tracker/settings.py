"""Settings: one module, read from the environment once (see the README's table)."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
# `make run` writes .env (its own secret key, debug on), so a new shell runs manage.py the way make did;
# a variable set in the real environment wins over the file.
load_dotenv(BASE_DIR / ".env")
VAR_DIR = Path(os.environ.get("TRACKER_VAR_DIR", BASE_DIR / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value not in {"0", "1", "true", "false", "True", "False"}:
        raise ImproperlyConfigured(f"{name} must be 0/1 or true/false, not {value!r}")
    return value in {"1", "true", "True"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def cache_from_url(url: str) -> dict:
    scheme = urlsplit(url).scheme
    if scheme in {"redis", "rediss"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if scheme == "db":
        # Shared by every process on the box; add() is atomic thanks to the table's primary key.
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "tracker_cache"}
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    raise ImproperlyConfigured(
        f"CACHE_URL must start with redis://, rediss://, db:// or locmem://, not {url!r}"
    )


DEBUG = env_bool("DJANGO_DEBUG")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required unless DJANGO_DEBUG=1")
    SECRET_KEY = "insecure-development-key-only-for-DJANGO_DEBUG=1"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_htmx",
    "axes",
    "claims",
    "sources",
]

# The admin's history "revert" writes old rows directly, past the services, versions and feed.
SIMPLE_HISTORY_REVERT_DISABLED = True

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it answers a locked-out login attempt with the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable server (host down, packets dropped) fails a request in seconds, not minutes.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(
        os.environ.get("DATABASE_CONNECT_TIMEOUT", "3")
    )
    # No JIT: our queries read a page, but the planner costs the whole table behind the LIMIT and
    # compiled the claim list's query on every request (~250 ms of compiling for a 20 ms query).
    _options = DATABASES["default"]["OPTIONS"]
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: wait for the writer instead of failing with "locked".
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": cache_from_url(os.environ.get("CACHE_URL", "db://"))}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out username+address pair before a password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
# A guesser is stopped per account and address: the real user, elsewhere, can still sign in.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("it", "Italiano")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Safe by default; plain-HTTP development needs DJANGO_DEBUG=1.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = 0 if DEBUG else 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Under /api/ a refused CSRF check answers JSON like every other API error.
CSRF_FAILURE_VIEW = "claims.api.errors.csrf_failure"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header turns "not logged in" into 401 rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["claims.api.permissions.ReadableOrAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "claims.api.schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["claims.api.filters.StrictFilterBackend"],
    # JSON in, JSON out: any other request body is a 415, never half-parsed.
    "DEFAULT_PARSER_CLASSES": ["claims.api.parsers.BoundedJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_RENDERER_CLASSES": [
        "claims.api.renderers.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "EXCEPTION_HANDLER": "claims.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "claims.api.throttling.AnonymousThrottle",
        "claims.api.throttling.ClientThrottle",
    ],
    # Whom a throttle counts: without a proxy the peer address only, since X-Forwarded-For is whatever
    # the client wrote; behind one proxy, the address that proxy appended (the header's last entry).
    "NUM_PROXIES": 1 if BEHIND_PROXY else 0,
}
# Requests per minute; 0 switches that throttle off.
API_THROTTLE_ANON_PER_MINUTE = int(os.environ.get("API_THROTTLE_ANON_PER_MINUTE", "120"))
API_THROTTLE_USER_PER_MINUTE = int(os.environ.get("API_THROTTLE_USER_PER_MINUTE", "600"))
KNOX_TOKEN_MODEL = "knox.AuthToken"  # noqa: S105 (a model name, not a secret)
REST_KNOX = {
    "AUTH_HEADER_PREFIX": "Bearer",
    # Tokens last until revoked unless create_api_token is given --expires-days.
    "TOKEN_TTL": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Arms-Transfer Claim Tracker API",
    "VERSION": "1",
    "DESCRIPTION": (
        "Sourced claims about arms transfers. Authenticate with `Authorization: Bearer <token>` "
        "(`python manage.py create_api_token USERNAME`). Every error is JSON: "
        '`{"detail": "...", "code": "..."}`; validation errors (400) add `errors`, an object whose keys '
        "are dotted field paths such as `statement`, `hops.1.descriptor` or `route.0.country` and whose "
        'values are lists of messages. Writes to a claim need `If-Match: "<version>"` '
        "(412 when stale, with `current_version`; 428 when missing)."
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ClaimKindEnum": "claims.vocab.ClaimKind",
        "ActorKindEnum": "claims.vocab.ActorKind",
        "RelationKindEnum": "claims.vocab.RelationKind",
        "StatusEnum": "claims.vocab.Status",
        "FeedEventTypeEnum": "claims.vocab.FeedEventType",
        "RevisionStateEnum": "claims.vocab.RevisionState",
        "ReliabilityEnum": "claims.vocab.Reliability",
        "DealStatusEnum": "claims.vocab.DealStatus",
        "DealTypeEnum": "claims.vocab.DealType",
        "YearPrecisionEnum": "claims.vocab.YearPrecision",
        "UNRegisterCategoryEnum": "claims.vocab.UNRegisterCategory",
    },
}

# Anonymous clients may read published claims unless this is off.
PUBLIC_API = env_bool("PUBLIC_API", True)

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
    }
else:
    # Longer than any task's hard time limit, so a running task is never handed out twice; a message
    # whose worker died unacked (SIGKILL, lost host) goes back to the queue once it expires.
    CELERY_VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
    if CELERY_VISIBILITY_TIMEOUT < 100:
        # kombu sweeps for expired messages every interval * throttle (100 s by default): a short
        # timeout (tests) needs a faster sweep, or redelivery waits for the sweep rather than the timeout.
        CELERY_BROKER_TRANSPORT_OPTIONS |= {"unacked_restore_interval": 1, "unacked_restore_throttle": 1}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fix-up closes the database connection around every task unless this is set (it then
# closes it every that many tasks); between those, tracker/celery.py applies DATABASE_CONN_MAX_AGE and
# the health check the way a web request does, instead of five connection attempts per check
# (BENCHMARKS.md, re-check throughput).
CELERY_DB_REUSE_MAX = 1000
CELERY_TIMEZONE = TIME_ZONE
# Scheduled checks and "check now" travel on separate queues, so a backlog never delays an editor.
CELERY_TASK_ROUTES = {
    "claims.tasks.check_source_task": {"queue": "checks"},
    "sources.tasks.check_sources_task": {"queue": "checks"},
    "claims.tasks.dispatch_due_sources_task": {"queue": "checks"},
    "claims.tasks.check_source_now_task": {"queue": "checks_now"},
}
CELERY_BEAT_SCHEDULE = {
    "dispatch-due-sources": {"task": "claims.tasks.dispatch_due_sources_task", "schedule": 60.0},
    "verify-evidence": {"task": "claims.tasks.verify_evidence_task", "schedule": 7 * 24 * 3600.0},
    "redeliver-webhooks": {"task": "claims.tasks.redeliver_webhooks_task", "schedule": 60.0},
}

# Comma-separated host:port pairs that the fetcher may reach even on private addresses (tests only).
SOURCE_FETCH_ALLOWLIST = env_list("SOURCE_FETCH_ALLOWLIST")
# Seconds between two requests to the same registrable domain, across all workers.
SOURCE_MIN_INTERVAL_SECONDS = float(os.environ.get("SOURCE_MIN_INTERVAL_SECONDS", "5"))
# Hard-evidence strikes closer together than this count once; three spaced strikes make a source dead.
SOURCE_DEAD_STRIKE_INTERVAL = float(os.environ.get("SOURCE_DEAD_STRIKE_INTERVAL", str(24 * 3600)))
# How long a dispatched check owns its source; longer than a task's retries, shorter than a day.
SOURCE_LEASE_SECONDS = float(os.environ.get("SOURCE_LEASE_SECONDS", "900"))
# How long a webhook delivery belongs to the worker POSTing it; then another may take it over.
WEBHOOK_LEASE_SECONDS = float(os.environ.get("WEBHOOK_LEASE_SECONDS", "60"))
# Uploaded and captured files; evidence (content-addressed bodies and their WARC records) lives inside.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media")).resolve()
EVIDENCE_DIR = Path(os.environ.get("EVIDENCE_DIR", MEDIA_ROOT / "evidence")).resolve()

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "")

# A published claim whose latest assessment or publication is older than this many days is due for review.
_review_due_after = os.environ.get("REVIEW_DUE_AFTER_DAYS", "365")
if not (_review_due_after.isascii() and _review_due_after.isdigit() and int(_review_due_after) >= 1):
    raise ImproperlyConfigured(
        f"REVIEW_DUE_AFTER_DAYS must be a whole number of days ≥ 1, not {_review_due_after!r}"
    )
REVIEW_DUE_AFTER_DAYS = int(_review_due_after)

# Mail (SMTP). Password reset is offered only when EMAIL_HOST is set: without it a reset mail cannot
# leave the machine. Reset requests are limited per client address and per e-mail address.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")
PASSWORD_RESET_PER_HOUR = 5

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
