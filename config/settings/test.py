"""Test settings: the suite's database comes from DATABASE_URL, so CI can point it at PostgreSQL."""

import os
import tempfile
from pathlib import Path

from .dev import *  # noqa: F403
from .dev import CACHES, DATA_DIR, DATABASES, HAYSTACK_CONNECTIONS

DEBUG = False
# Tests hash many passwords; Argon2/PBKDF2 cost is not what they measure.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A real Whoosh index, in a temporary directory, never the development index (worker
# processes started by the tests are handed theirs through ARCHIVE_INDEX_DIR).
ARCHIVE_INDEX_DIR = Path(
    os.environ.get("ARCHIVE_INDEX_DIR") or tempfile.mkdtemp(prefix="archive-test-index-")
)
HAYSTACK_CONNECTIONS["default"]["PATH"] = str(ARCHIVE_INDEX_DIR / "current")
# Throttle counters of this run only; processes a test starts share them through the variable.
CACHES["throttle"]["LOCATION"] = os.environ.get("ARCHIVE_THROTTLE_DIR") or tempfile.mkdtemp(
    prefix="archive-test-throttle-"
)

# On SQLite the test database is a file, not memory, so the concurrency and crash tests can
# run real worker and editor processes against it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(Path(DATA_DIR) / "test-archive.sqlite3")}
