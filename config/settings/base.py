"""Settings shared by every environment; dev, test and production build on these."""

from pathlib import Path

from config.env import BASE_DIR, data_dir, database, env_list, env_str

DATA_DIR = data_dir()
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
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
    # Before haystack, so our rebuild_index/update_index/clear_index (single writer) win.
    "archive",
    "haystack",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "archive.middleware.AuditContextMiddleware",
]

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
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"  # the outbox does this

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# SECURITY: no other host learns which record a reader came from. "same-origin" rather than
# "no-referrer": under no-referrer browsers send `Origin: null` on same-origin form posts
# (Fetch spec), which Django's CSRF origin check rejects, so nobody could sign in.
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Audit log (docs/audit.md): client addresses are stored as a keyed hash. The key comes from
# the environment; without it the SECRET_KEY is used. Behind a reverse proxy, name the header
# that carries the client address (e.g. HTTP_X_FORWARDED_FOR) so entries are not all the proxy.
AUDIT_IP_KEY = env_str("AUDIT_IP_KEY", "")
AUDIT_CLIENT_IP_HEADER = env_str("AUDIT_CLIENT_IP_HEADER", "")

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
