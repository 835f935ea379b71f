"""Settings shared by every environment; dev, test and production build on these."""

from datetime import timedelta
from pathlib import Path

from config.env import BASE_DIR, data_dir, database, env_int, env_list, env_str

DATA_DIR = data_dir()
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # collectstatic fills it; WhiteNoise wants it to exist
# Outside production, WhiteNoise serves straight from the apps' static folders.
WHITENOISE_USE_FINDERS = True
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []

DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "archive.admin_site.ArchiveAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    # Before haystack, so our rebuild_index/update_index/clear_index (single writer) win.
    "archive",
    "haystack",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served as our own static files
    "archive.api.apps.ApiConfig",
]

MIDDLEWARE = [
    "archive.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files from the app itself (docs/deploy.md), before anything touches the session.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "archive.csrf.NullOriginMiddleware",  # see archive/csrf.py: Referrer-Policy no-referrer
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "archive.middleware.SessionLifetimeMiddleware",
    "archive.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "archive.middleware.AuditContextMiddleware",
    # Last, as django-axes requires: it turns a lockout raised during sign-in into its page.
    "axes.middleware.AxesMiddleware",
]

# -- accounts (docs/accounts.md) ---------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses sign-in while locked out
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    # Only to verify (and then upgrade) hashes made before Argon2 was the default.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
LOGIN_URL = "archive:login"
LOGIN_REDIRECT_URL = "archive:account"
LOGOUT_REDIRECT_URL = "archive:login"
# Image attachments (services/images.py): larger files or pixel counts are refused.
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024)
ATTACHMENT_MAX_PIXELS = env_int("ATTACHMENT_MAX_PIXELS", 50_000_000)
# Bulk import (docs/import.md): larger files, or files with more rows, are refused whole. An
# upload previewed in the admin waits for its confirmation this long, in its own directory.
ARCHIVE_IMPORT_MAX_BYTES = env_int("ARCHIVE_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
ARCHIVE_IMPORT_MAX_ROWS = env_int("ARCHIVE_IMPORT_MAX_ROWS", 10_000)
ARCHIVE_IMPORT_PENDING_SECONDS = env_int("ARCHIVE_IMPORT_PENDING_SECONDS", 30 * 60)
ARCHIVE_IMPORT_PENDING_DIR = DATA_DIR / "imports-pending"
# The public address that citations and exports name (docs/citations.md), such as
# https://archive.example.org; empty: the address each request came to.
ARCHIVE_BASE_URL = env_str("ARCHIVE_BASE_URL", "")
ACCOUNT_INVITATION_HOURS = env_int("ACCOUNT_INVITATION_HOURS", 72)
OTP_TOTP_ISSUER = "Testimony Archive"
# Sessions end after SESSION_COOKIE_AGE without a request (each request renews it), after
# SESSION_MAX_SECONDS in all, and when the browser closes.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_MAX_SECONDS = env_int("SESSION_MAX_SECONDS", 12 * 60 * 60)
# Five failures from one address, or against one username, lock that address or username
# out for an hour (django-axes). The client address is found as the audit log finds it.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "archive.services.audit.client_ip"
AXES_LOCKOUT_TEMPLATE = "archive/accounts/locked_out.html"
AXES_DISABLE_ACCESS_LOG = True  # our audit log records sign-ins, with hashed addresses
AXES_VERBOSE = False

# Reverting from the history page writes an old row without its passages, which would make
# a record's text and hash disagree; corrections go through the normal edit path instead.
SIMPLE_HISTORY_REVERT_DISABLED = True

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": database(DATA_DIR / "archive.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "archive.passwords.MaximumLengthValidator"},
    {"NAME": "archive.passwords.CharacterVarietyValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Search: the Whoosh index lives in generations under ARCHIVE_INDEX_DIR; "current" points at
# the live one. Only the index worker writes it (see docs/search.md).
ARCHIVE_INDEX_DIR = Path(env_str("ARCHIVE_INDEX_DIR", str(DATA_DIR / "index")))
HAYSTACK_CONNECTIONS = {
    "default": {
        "ENGINE": "archive.search.backend.ArchiveWhooshEngine",
        "PATH": str(ARCHIVE_INDEX_DIR / "current"),
        "INCLUDE_SPELLING": False,  # slow, and suggests words from documents a user may not see
    },
}
HAYSTACK_LIMIT_TO_REGISTERED_MODELS = False
# Megabytes of postings each writer process of a full rebuild holds (archive/search/
# build_writer.py estimates them; real use is close); past that it writes them as a segment
# and starts another. 2,048 MB holds about 60,000 passages, so `rebuild_index --procs 2`
# builds 100,000 in one segment per process, each process peaking near 1.2 GB. A smaller
# server sets it lower and gets more segments, searched as one.
ARCHIVE_REBUILD_LIMIT_MB = env_int("ARCHIVE_REBUILD_LIMIT_MB", 2048)
# A rebuild samples one passage in 8 to choose the frequent words whose pairs it indexes
# (archive/search/pair_words.py); with fewer sampled passages than this (about 4,000
# passages in all) it keeps every pair, since a small index gains nothing from leaving any out.
ARCHIVE_PAIR_WORDS_MIN_SAMPLE = env_int("ARCHIVE_PAIR_WORDS_MIN_SAMPLE", 500)
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"  # the outbox does this

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# SECURITY: no host, not even ours, learns which page a reader came from. Under no-referrer
# browsers send `Origin: null` on same-origin form posts (Fetch spec); archive.csrf accepts
# that only with `Sec-Fetch-Site: same-origin`, which no other site can make a browser send.
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_FAILURE_VIEW = "archive.views.errors.csrf_failure"
# Every page loads only what this server serves: no inline script, no other host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Audit log (docs/audit.md): client addresses are stored as a keyed hash. The key comes from
# the environment; without it the SECRET_KEY is used. Behind a reverse proxy, name the header
# that carries the client address (e.g. HTTP_X_FORWARDED_FOR) so entries are not all the proxy;
# sign-in lockout uses the same address.
AUDIT_IP_KEY = env_str("AUDIT_IP_KEY", "")
# Identifying terms of published records are kept only as HMAC digests under this key
# (docs/pii.md); without it the SECRET_KEY is used.
PII_TERMS_KEY = env_str("PII_TERMS_KEY", "")
CLIENT_IP_HEADER = env_str("CLIENT_IP_HEADER", "")

# -- the REST API (docs/api.md) ---------------------------------------------------------------
# Tokens are for scripts, the session (with CSRF) for the browser. Rates are per client
# address for anonymous callers and per account otherwise, as "N/second|minute|hour|day".
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 90)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a missing or bad token answers 401 with WWW-Authenticate: Bearer.
        "archive.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["archive.api.permissions.ReadOrSignedIn"],
    "DEFAULT_THROTTLE_CLASSES": [
        "archive.api.throttling.AnonThrottle",
        "archive.api.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "60/minute"),
        "user": env_str("API_THROTTLE_USER", "600/minute"),
        "token_create": env_str("API_THROTTLE_TOKEN_CREATE", "10/hour"),
        # The search page and /api/v1/search/ together (archive/api/throttling.py).
        "search_anon": env_str("API_THROTTLE_SEARCH_ANON", "60/minute"),
        "search_user": env_str("API_THROTTLE_SEARCH_USER", "600/minute"),
    },
    "DEFAULT_PAGINATION_CLASS": "archive.api.pagination.Pagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["archive.api.parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "archive.api.exceptions.handle",
}
# Throttle counters must be shared by every web process (gunicorn runs several): a file cache
# under the data directory. Everything else may stay per process.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env_str("ARCHIVE_THROTTLE_DIR", str(DATA_DIR / "throttle")),
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Testimony Archive API",
    "DESCRIPTION": "Records, terms, collections, search, citations and the audit log. "
    "See docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # SECURITY: each caller is shown only the operations their permissions let them use: an
    # anonymous schema that lists the audit log tells an attacker where to aim.
    "SERVE_PUBLIC": False,
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "archive.api.schema.add_json_endpoints",
    ],
    "ENUM_NAME_OVERRIDES": {
        "RecordKindEnum": "archive.models.RecordKind",
        "TermKindEnum": "archive.models.TermKind",
        "DatePrecisionEnum": "archive.dates.DatePrecision",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
# One JSON object per line (config/json_logging.py, archive/request_log.py). runserver's own
# access lines, which include query strings (search words), are dropped: ours log the path.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "config.json_logging.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json"},
        "null": {"class": "logging.NullHandler"},
    },
    "loggers": {"django.server": {"handlers": ["null"], "propagate": False}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

# -- health (/healthz) ----------------------------------------------------------------------------
HEALTH_MAX_INDEX_LAG_SECONDS = env_int("HEALTH_MAX_INDEX_LAG_SECONDS", 300)
HEALTH_MIN_FREE_BYTES = env_int("HEALTH_MIN_FREE_BYTES", 1_000_000_000)
# The index worker beats every 5 s (index_worker --heartbeat); silent longer than this, it
# counts as not running.
HEALTH_MAX_WORKER_SILENCE_SECONDS = env_int("HEALTH_MAX_WORKER_SILENCE_SECONDS", 30)
# Who sees the figures behind "ok": requests from these networks (by the address the audit
# log uses), or with "Authorization: Bearer <HEALTH_TOKEN>". Everyone else gets the status.
HEALTH_DETAIL_NETWORKS = env_list("HEALTH_DETAIL_NETWORKS", ["127.0.0.0/8", "::1/128"])
HEALTH_TOKEN = env_str("HEALTH_TOKEN", "")
